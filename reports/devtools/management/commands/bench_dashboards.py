"""python manage.py bench_dashboards: server time, SQL queries and transferred bytes of the dashboards.

Run on PostgreSQL after `generate_national_dataset --seed N` (which rebuilds the rollups). Requests go
through Django's test client in this process (middleware, view, template: the server's share of a
page view, no network). It uses two users of its own, created on first run and kept (an MRD user
and a DSO of the measured district; no password, so nobody can log in as them). Targets are printed, never
asserted; the tests pin the query counts.
"""

import gzip
import os
import statistics
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count, Q
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from districts.models import Assignment, District, Province, Role, Village
from reports.devtools.benchmarking import logged_in_client, millis, print_results
from reports.models import ReportingPeriod
from reports.rollups.models import NATIONAL_CODE, Rollup, RollupLevel

USERS = ("bench-dashboards-mrd", "bench-dashboards-dso")
CSS = ["vendor/bootstrap/bootstrap.min.css", "css/portal.css", "css/dashboard.css"]
OUR_JS = ["vendor/bootstrap/bootstrap.bundle.min.js", "js/dashboard.js"]
PLOTLY = "vendor/plotly/plotly-basic.min.js"
FONT = "fonts/NotoSansKhmer-Variable.ttf"


def gz(data):
    return len(gzip.compress(data, compresslevel=9))


def static_bytes(paths):
    return sum(gz(Path(finders.find(path)).read_bytes()) for path in paths)


class Command(BaseCommand):
    help = (
        "Benchmark the dashboards on the national synthetic dataset: median server time (cache miss and "
        "hit), SQL queries, and transferred (compressed) bytes of each page type."
    )

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=20, help="Requests per measure (median reported).")
        parser.add_argument("--language", default="km", choices=[code for code, _name in settings.LANGUAGES])

    def handle(self, *args, repeat, language, **options):
        if not Rollup.objects.filter(level=RollupLevel.NATIONAL, code=NATIONAL_CODE).exists():
            raise CommandError("No rollups: run generate_national_dataset --seed 1 (it rebuilds the rollups) first.")
        seven, fourteen = self._province(7), self._province(14)
        district = seven.districts.filter(retired_on__isnull=True).order_by("code").first()
        mrd, dso = self._users(district)
        self._run(repeat, language, seven, fourteen, district, mrd, dso)

    def _run(self, repeat, language, seven, fourteen, district, mrd, dso):
        self._header(language)
        client = self._client(mrd, language)
        pages = [
            ("national dashboard", reverse("reports:dashboard_national")),
            (
                f"provincial dashboard, {seven.name_latin} (7 districts)",
                reverse("reports:dashboard_province", args=[seven.code]),
            ),
            (
                f"provincial dashboard, {fourteen.name_latin} (14 districts)",
                reverse("reports:dashboard_province", args=[fourteen.code]),
            ),
            (f"district dashboard, {district.name_latin}", reverse("reports:dashboard_district", args=[district.code])),
            ("national dashboard, provisional", reverse("reports:dashboard_national") + "?provisional=1"),
        ]
        results, sizes = self._dashboard_results(client, pages, repeat)
        entry_results, entry_sizes = self._entry_page_results(dso, language, district)
        results += entry_results
        self._print(results, sizes, entry_sizes)

    def _dashboard_results(self, client, pages, repeat):
        """Server time (cache miss and hit) and queries of each dashboard; (results, [(label, HTML bytes)])."""
        results, sizes = [], []
        for label, url in pages:
            with override_settings(DASHBOARD_CACHE_SECONDS=0):
                miss, miss_queries, html = self._measure(client, url, repeat)
            client.get(url)  # fill the cache
            hit, hit_queries, _html = self._measure(client, url, repeat)
            national = label.startswith("national dashboard")
            results.append(
                (
                    f"{label}: server time, cache miss (median of {repeat})",
                    millis(miss),
                    "<= 150 ms" if national else "",
                    miss <= 0.150 if national else None,
                )
            )
            results.append((f"{label}: server time, cache hit (median of {repeat})", millis(hit), "", None))
            results.append(
                (
                    f"{label}: SQL queries (miss / hit)",
                    f"{miss_queries} / {hit_queries}",
                    "<= 12",
                    max(miss_queries, hit_queries) <= 12,
                )
            )
            sizes.append((label, html))
        province_queries = [r for r in results if "provincial" in r[0] and "SQL" in r[0]]
        results.append(
            (
                "same queries for 7 and 14 districts",
                "yes" if province_queries[0][1] == province_queries[1][1] else "NO",
                "equal",
                province_queries[0][1] == province_queries[1][1],
            )
        )
        return results, sizes

    def _entry_page_results(self, dso, language, district):
        """A DSO's data-entry pages load no plotly.js at all; (results, [(label, HTML bytes)])."""
        results = []
        dso_client = self._client(dso, language)
        period = ReportingPeriod.objects.order_by("-is_open", "-year", "-quarter").first()
        entry_pages = [
            ("home page (DSO)", reverse("home")),
            (
                "quarterly report page (DSO)",
                reverse("reports:report", args=[district.code, period.year, period.quarter]),
            ),
            (
                "district section form (DSO)",
                reverse("reports:district_section", args=[district.code, period.year, period.quarter]),
            ),
        ]
        commune = district.communes.filter(retired_on__isnull=True).order_by("code").first()
        if commune is not None:
            entry_pages.append(
                (
                    "commune data-entry form (DSO)",
                    reverse("reports:commune", args=[district.code, period.year, period.quarter, commune.code]),
                )
            )
        entry_sizes = []
        dso_client.raise_request_exception = False  # another page's error is reported, not fatal here
        for label, url in entry_pages:
            response = dso_client.get(url, HTTP_ACCEPT_ENCODING="gzip")
            if response.status_code != 200:
                results.append((f"{label}: {url}", f"HTTP {response.status_code}", "200", False))
                continue
            body = response.content if response.get("Content-Encoding") == "gzip" else gzip.compress(response.content)
            has_plotly = (
                b"plotly"
                in (gzip.decompress(body) if response.get("Content-Encoding") == "gzip" else response.content).lower()
            )
            results.append((f"{label}: loads plotly.js", "yes" if has_plotly else "no", "no", not has_plotly))
            entry_sizes.append((label, len(body)))
        return results, entry_sizes

    def _print(self, results, sizes, entry_sizes):
        css, js, plotly, font = static_bytes(CSS), static_bytes(OUR_JS), static_bytes([PLOTLY]), static_bytes([FONT])
        for label, html in sizes:
            total = html + css + js
            results.append((f"{label}: HTML + CSS + our JS, compressed", _kb(total), "<= 150 KB", total <= 150 * 1024))
        print_results(self.stdout, results, result_width=12, target_width=10)

        self.stdout.write("")
        self.stdout.write(
            "Transferred bytes per page type (gzip; HTML as served with Accept-Encoding: gzip, "
            "static files at gzip -9 as collectstatic pre-compresses them):"
        )
        for label, html in sizes:
            self.stdout.write(
                f"  {label}: HTML {_kb(html)} + CSS {_kb(css)} + JS {_kb(js)} = {_kb(html + css + js)}"
                f"; plotly.js {_kb(plotly)} once, then cached"
            )
        for label, size in entry_sizes:
            self.stdout.write(
                f"  {label}: HTML {_kb(size)} + CSS {_kb(css)} + JS (bootstrap) "
                f"{_kb(static_bytes(OUR_JS[:1]))}; no plotly.js"
            )
        self.stdout.write(f"  Khmer web font (Noto Sans Khmer, every Khmer page, cached): {_kb(font)}")

    # --- Measuring --------------------------------------------------------------------------------

    def _measure(self, client, url, repeat):
        timings, counts, size = [], set(), 0
        for _i in range(repeat):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
                timings.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise CommandError(f"{url} answered {response.status_code}")
            counts.add(len(captured))
            size = len(response.content)
        return statistics.median(timings), max(counts), size

    # --- Setting up -------------------------------------------------------------------------------

    def _province(self, districts):
        found = (
            Province.objects.annotate(n=Count("districts", filter=Q(districts__retired_on__isnull=True)))
            .filter(n=districts)
            .order_by("code")
            .first()
        )
        if found is None:
            raise CommandError(f"No province with {districts} active districts in this gazetteer.")
        return found

    def _users(self, district):
        users = get_user_model().objects
        mrd = users.get_or_create(username=USERS[0], defaults={"password": "!"})[0]
        Assignment.objects.get_or_create(user=mrd, role=Role.MRD_NATIONAL)
        dso = users.get_or_create(username=USERS[1], defaults={"password": "!"})[0]
        Assignment.objects.filter(user=dso).exclude(district=district).delete()
        Assignment.objects.get_or_create(user=dso, role=Role.DSO, district=district)
        return mrd, dso

    def _client(self, user, language):
        return logged_in_client(user, language)

    def _header(self, language):
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT 'sqlite'")
            version = cursor.fetchone()[0].split(" on ")[0]
        periods = ReportingPeriod.objects.filter(rollups__level=RollupLevel.NATIONAL).distinct().count()
        self.stdout.write(
            f"DRSSD dashboard benchmark: {version}, {os.cpu_count()} CPUs, cache "
            f"{settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}, language {language}"
        )
        self.stdout.write(
            f"Dataset: {Village.objects.count():,} villages, {District.objects.count():,} districts, "
            f"{Rollup.objects.count():,} rollup rows, {periods} quarters"
        )
        self.stdout.write("")


def _kb(size):
    return f"{size / 1024:.1f} KB"
