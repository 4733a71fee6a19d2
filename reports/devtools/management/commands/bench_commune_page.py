"""python manage.py bench_commune_page: the commune page's server time for a commune of 8 villages and one of 22.

Run on PostgreSQL after `generate_national_dataset --seed N`. Requests go through Django's test client in this
process (middleware, view, template: the server's share, no network), as a DSO of its own (created on first run
and kept, with no password, so nobody can log in as it) in the open quarter (one is opened if none is). For each
commune it measures the page as drawn (GET), a save of the figures as they are shown (POST; the version goes up,
no figure changes) and the page drawn after the save, and counts the inputs and SQL queries. Targets are printed,
never asserted.
"""

import statistics
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from districts.models import Assignment, Commune, Role
from reports.devtools.benchmarking import logged_in_client, millis, open_quarter_after_history, print_results
from reports.devtools.loadtest import pages

USER = "bench-commune-dso"
SIZES = (8, 22)
TARGET_SECONDS = 0.025


class Command(BaseCommand):
    help = "Benchmark the commune page (draw and save) for a commune of 8 villages and one of 22."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=20, help="Requests per measure (median reported).")
        parser.add_argument("--language", default="km", choices=[code for code, _name in settings.LANGUAGES])

    def handle(self, *args, repeat, language, **options):
        period = open_quarter_after_history()
        self.stdout.write(f"DRSSD commune page benchmark: {connection.vendor}, language {language}, {period.label}")
        results = []
        for size in SIZES:
            commune = self._commune(size)
            client = self._client(commune, language)
            url = reverse("reports:commune", args=[commune.district.code, period.year, period.quarter, commune.code])
            draw, queries, html = self._measure(lambda: client.get(url), repeat)  # noqa: B023
            inputs = html.count("<input") + html.count("<select") + html.count("<textarea")
            label = f"{commune.villages.count()} villages ({commune.code})"
            results.append(
                (
                    f"{label}: page drawn, server time (median of {repeat})",
                    millis(draw),
                    f"<= {millis(TARGET_SECONDS)}",
                    draw <= TARGET_SECONDS,
                )
            )
            results.append((f"{label}: SQL queries, inputs drawn", f"{queries}, {inputs}", "", None))
            form = pages.form_fields(html, "commune-form")
            if not form:
                raise CommandError(f"{url} shows no commune form: is {period.label} open for entry?")

            saves = [self._save(client, url, form) for _i in range(max(3, repeat // 4))]
            results.append(
                (
                    f"{label}: save answered, server time (median of {len(saves)})",
                    millis(statistics.median(saves)),
                    "",
                    None,
                )
            )
        print_results(self.stdout, results, result_width=10, target_width=9)

    def _save(self, client, url, form):
        """Server time of one save of `form` (with the version the page shows now); the redirect is not followed."""
        form["version"] = pages.form_fields(client.get(url).content.decode(), "commune-form")["version"]
        body = urlencode(form, doseq=True)  # as a browser sends this form (no files): not the test client's multipart
        started = time.perf_counter()
        response = client.post(url, body, content_type="application/x-www-form-urlencoded")
        elapsed = time.perf_counter() - started
        if response.status_code != 302:
            raise CommandError(f"The save was refused: {pages.first_error(response.content.decode())}")
        return elapsed

    def _measure(self, request, repeat):
        timings, counts, html = [], set(), ""
        for _i in range(repeat):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = request()
                timings.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise CommandError(f"The commune page answered {response.status_code}")
            counts.add(len(captured))
            html = response.content.decode()
        return statistics.median(timings), max(counts), html

    def _commune(self, size):
        """The active commune whose number of active villages is nearest `size` (the lowest code among equals)."""
        communes = Commune.objects.filter(retired_on__isnull=True).annotate(
            n=Count("villages", filter=Q(villages__retired_on__isnull=True))
        )
        found = communes.filter(n=size).order_by("code").first()
        if found is None:
            found = min(communes.filter(n__gt=0), key=lambda c: (abs(c.n - size), c.code), default=None)
        if found is None:
            raise CommandError("No commune with villages: run generate_national_dataset --seed 1 first.")
        return found

    def _client(self, commune, language):
        user = get_user_model().objects.get_or_create(username=USER, defaults={"password": "!"})[0]
        Assignment.objects.filter(user=user).exclude(district=commune.district).delete()
        Assignment.objects.get_or_create(user=user, role=Role.DSO, district=commune.district)
        return logged_in_client(user, language)
