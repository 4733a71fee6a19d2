"""python manage.py bench_pdfs: time the three PDFs on the national dataset, beside the WeasyPrint floor.

Run after `generate_national_dataset --seed N` (PostgreSQL, as in production). Each document is
measured in a fresh child process (the same command with --case), so its peak memory is its own and
its first render is a cold one: Python imports, fonts, ICU. Then the same document again, warm, as the
worker that already made one would. The floor: WeasyPrint alone rendering one bare HTML table of the
same rows (every table row of the document, the cells' text only, no stylesheet, no charts) followed by the
document's paragraphs (the narratives among them), with the same Khmer word boundaries marked. The
"other processes" column sums the memory of any process a render starts (there should be none: the
charts are drawn without a browser). Targets are printed, never asserted. Stored PDFs of the run go to
a temporary MEDIA_ROOT and are removed.
"""

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from html import escape
from html.parser import HTMLParser

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from districts.models import Province
from reports.documents import common, district_report, rendering, rollup_reports
from reports.documents import renderer as pdf
from reports.documents import store as pdf_store
from reports.documents.models import PdfKind, StoredPdf
from reports.entry.forms import NARRATIVE_MAX_CHARACTERS
from reports.models import DistrictReport, ReportingPeriod, ReportStatus
from reports.rollups.models import NATIONAL_CODE, DataState

# Issue 14's targets: seconds cold and warm, warm as a multiple of the floor, peak MB of every process involved.
KHMER_SENTENCE = (
    "ស្រុកបានអនុវត្តការចុះផ្សព្វផ្សាយអនាម័យនៅតាមភូមិចំនួនដប់ប្រាំភូមិហើយប្រជាពលរដ្ឋបានសាងសង់បង្គន់អនាម័យថ្មី"
    "ដោយខ្លួនឯងក្រុមការងារឃុំបានតាមដានការប្រើប្រាស់បង្គន់និងការលាងដៃដោយសាប៊ូ"
)
TARGETS = {
    "district": {"cold": 1.5, "warm": 1.0, "floor_ratio": 3.0, "megabytes": 250},
    "national": {"warm": 20.0, "megabytes": 400},
}


class Command(BaseCommand):
    help = (
        "Benchmark the PDFs: district quarterly report (in the request), provincial summary and national "
        "rollup (as the Celery task renders them), each beside WeasyPrint rendering a bare table of the same rows."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quarter", default="", help="YYYYQn (default: the latest quarter with reports).")
        parser.add_argument(
            "--district",
            default="",
            help="District code (default: the approved report with the most villages, and one of median size).",
        )
        parser.add_argument("--province", default="", help="Province code (default: the one with most districts).")
        parser.add_argument("--language", default="km", choices=[code for code, _name in settings.LANGUAGES])
        parser.add_argument("--repeat", type=int, default=3, help="Warm renders to take the median of.")
        parser.add_argument("--case", default="", help=argparse_suppress())

    def handle(self, *args, quarter, district, province, language, repeat, case, **options):
        if case:
            return self._child(case, language, repeat)
        period = self._period(quarter)
        districts = [district] if district else self._largest_and_median_districts(period)
        province = province or (Province.objects.annotate(n=Count("districts")).order_by("-n", "code").first().code)
        cases = [f"district:{code}:{period.year}:{period.quarter}" for code in districts] + [
            # The median district again, its four narratives at the entry form's limit, in Khmer without spaces.
            f"district:{districts[-1]}:{period.year}:{period.quarter}:long",
            # The same two districts in a worker process that warmed the renderer up as it started (gunicorn.conf.py).
            *[f"district:{code}:{period.year}:{period.quarter}:started" for code in districts],
            f"provincial:{province}:{period.year}:{period.quarter}",
            f"national:{NATIONAL_CODE}:{period.year}:{period.quarter}",
        ]
        self.stdout.write(
            f"bench_pdfs on {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
            f"{period.label} ({period.year} Q{period.quarter}), language {language}, "
            f"{repeat} warm runs (median); each document in a fresh process, charts exported each time."
        )
        results = [self._run_child(case, language, repeat) for case in cases]
        self._print(results)

    # --- The parent: one child per document, then the table -------------------------------------------------

    def _period(self, quarter):
        periods = ReportingPeriod.objects.filter(district_reports__status=ReportStatus.APPROVED).distinct()
        if quarter:
            match = re.fullmatch(r"(\d{4})Q([1-4])", quarter.upper())
            if not match:
                raise CommandError("--quarter is YYYYQn, e.g. 2025Q2")
            periods = periods.filter(year=int(match[1]), quarter=int(match[2]))
        period = periods.order_by("-year", "-quarter").first()
        if period is None:
            raise CommandError("No approved reports: run python manage.py generate_national_dataset --seed 1 first.")
        return period

    def _largest_and_median_districts(self, period):
        """The approved report with the most villages (the slow case) and one of median size (the usual case)."""
        sizes = list(
            DistrictReport.objects.filter(period=period, status=ReportStatus.APPROVED)
            .annotate(n=Count("village_quarters"))
            .order_by("-n", "district__code")
            .values_list("district__code", flat=True)
        )
        return [sizes[0], sizes[len(sizes) // 2]] if len(sizes) > 1 else sizes

    def _run_child(self, case, language, repeat):
        command = [
            sys.executable,
            sys.argv[0],
            "bench_pdfs",
            "--case",
            case,
            "--language",
            language,
            "--repeat",
            str(repeat),
        ]
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, timeout=30 * 60, env=os.environ.copy())
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode or not lines:
            raise CommandError(f"{case} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
        result = json.loads(lines[-1])
        result["process_seconds"] = time.perf_counter() - started
        return result

    def _print(self, results):
        header = (
            f"{'document':<44} {'pages':>5} {'rows':>5} {'cold s':>7} {'warm s':>7} {'floor s':>8} "
            f"{'x floor':>7} {'py peak MB':>10} {'other MB':>8}  target"
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for r in results:
            self.stdout.write(
                f"{r['label']:<44} {r['pages']:>5} {r['rows']:>5} {r['cold']:>7.2f} {r['warm']:>7.2f} "
                f"{r['floor']:>8.2f} {r['warm'] / r['floor']:>7.1f} {r['python_peak_mb']:>10.0f} "
                f"{r['other_pss_mb']:>8.0f}  {r['verdict']}"
            )
        self.stdout.write("")
        for r in results:
            parts = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in r["parts"].items())
            self.stdout.write(f"{r['label']}: warm run split: {parts}")
        self.stdout.write(
            'cold = first render in a fresh process (imports, fonts, ICU), or "in a started worker": the first after '
            "the warm-up a web or Celery worker runs as it starts; warm = median of the next renders; "
            "floor = WeasyPrint alone on one bare table of the same rows and the same paragraphs, same language "
            "and Khmer word boundaries; x floor = warm / floor. "
            "py peak = the Python process's peak RSS (VmHWM); other = the processes the render started (the sum of "
            "their PSS at the end of the run; the charts need none)."
        )

    # --- The child: one document, cold then warm, and its floor ----------------------------------------------

    def _child(self, case, language, repeat):
        kind, code, year, quarter, *variant = case.split(":")
        period = ReportingPeriod.objects.get(year=int(year), quarter=int(quarter))
        settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="bench-pdfs-")
        if kind == PdfKind.DISTRICT:
            render, template, context, label = _district_case(code, period, language, long_narratives="long" in variant)
            if "started" in variant:
                pdf.warm_up()  # as a web or Celery worker does when it starts, before any request
                label += ", in a started worker"
        else:
            render, template, context, label = _stored_case(kind, code, period, language)
        cold_pdf, cold = render()
        warm_runs, parts = [], {}
        for _ in range(repeat):
            marks = _Timings()
            with marks:
                _rendered, seconds = render()
            warm_runs.append(seconds)
            parts = marks.parts
        rows, paragraphs = _document_text(context, template, language)
        floor = statistics.median(_floor(rows, paragraphs, language) for _ in range(max(1, repeat)))
        python_peak = _peak_rss_mb(os.getpid())
        other_pss = sum(_pss_mb(pid) for pid in _descendants(os.getpid()))
        warm = statistics.median(warm_runs)
        verdict = _verdict(cold, warm, floor, python_peak + other_pss, TARGETS.get(kind, {}))
        result = {"label": label, "pages": cold_pdf.pages, "rows": len(rows), "cold": cold, "warm": warm,
                  "floor": floor, "python_peak_mb": python_peak, "other_pss_mb": other_pss, "verdict": verdict,
                  "parts": parts}  # fmt: skip
        self.stdout.write(json.dumps(result))
        shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


def _district_case(code, period, language, long_narratives=False):
    """(render() -> (RenderedPdf, seconds), template, context, label) of a district report, rendered in the request.
    `long_narratives`: its four narratives at NARRATIVE_MAX_CHARACTERS of Khmer without spaces (not saved)."""
    report = DistrictReport.objects.select_related("district__province", "period", "approved_by").get(
        district__code=code, period=period
    )
    if long_narratives:
        text = (KHMER_SENTENCE * (NARRATIVE_MAX_CHARACTERS // len(KHMER_SENTENCE) + 1))[:NARRATIVE_MAX_CHARACTERS]
        report.achievements = report.challenges = report.support_needed = report.next_quarter_plan = text

    def render():
        started = time.perf_counter()
        rendered = district_report.render_district(report, language)
        return rendered, time.perf_counter() - started

    template, context, _figures = district_report.district_document(report, language)
    label = f"district {code} {report.district.name_latin} ({report.village_quarters.count()} villages)"
    if long_narratives:
        label = f"district {code}, 4 narratives x {NARRATIVE_MAX_CHARACTERS:,} Khmer characters"
    return render, template, context, label


def _stored_case(kind, code, period, language):
    """The same for a provincial or national document, rendered as the task does it: request (collect, digest,
    row), then render_stored into the file."""
    state = DataState.APPROVED

    def render():
        StoredPdf.objects.filter(kind=kind, unit_code=code, period=period, data_state=state, language=language).delete()
        started = time.perf_counter()
        stored = pdf_store.request_stored_pdf(
            kind=kind, unit_code=code, period=period, data_state=state, language=language
        )
        assert rendering.render_stored(stored.pk) == "ready", stored.pk
        seconds = time.perf_counter() - started
        stored.refresh_from_db()
        with stored.file.open("rb") as handle:
            content = handle.read()
        stored.file.delete(save=False)
        stored.delete()
        return pdf.RenderedPdf(content, stored.pages, 0, 0), seconds

    document = rollup_reports.collect(kind, code, period, state)
    template, context, _figures = rollup_reports.rollup_document(document, language)
    label = f"{kind} {code}" + (f" ({len(document.rows) - 1} districts)" if kind == PdfKind.NATIONAL else "")
    return render, template, context, label


def argparse_suppress():
    import argparse

    return argparse.SUPPRESS


def _verdict(cold, warm, floor, megabytes, target):
    if not target:
        return "(none)"

    def check(label, value, limit):
        return f"{label} <= {limit:g}: {'ok' if value <= limit else 'MISSED'}"

    checks = []
    if "cold" in target:
        checks.append(check("cold s", cold, target["cold"]))
    checks.append(check("warm s", warm, target["warm"]))
    if "floor_ratio" in target:
        checks.append(check("x floor", warm / floor, target["floor_ratio"]))
    checks.append(check("MB", megabytes, target["megabytes"]))
    return "; ".join(checks)


class _Timings:
    """Split a render's time into charts, WeasyPrint layout and PDF writing, by wrapping the functions."""

    def __enter__(self):
        self.parts = {"charts": 0.0, "layout": 0.0, "write": 0.0}
        self._originals = (common.draw_charts, pdf.render_pdf)

        def draw_charts(*args, **kwargs):
            started = time.perf_counter()
            try:
                return self._originals[0](*args, **kwargs)
            finally:
                self.parts["charts"] += time.perf_counter() - started

        def render_pdf(*args, **kwargs):
            rendered = self._originals[1](*args, **kwargs)
            self.parts["layout"] += rendered.layout_seconds
            self.parts["write"] += rendered.write_seconds
            return rendered

        common.draw_charts, pdf.render_pdf = draw_charts, render_pdf
        return self

    def __exit__(self, *exc):
        common.draw_charts, pdf.render_pdf = self._originals


class _TextCollector(HTMLParser):
    """The text of every cell of every table row of a document, row by row, and of every paragraph."""

    def __init__(self):
        super().__init__()
        self.rows, self.paragraphs = [], []
        self._row, self._cell, self._paragraph = None, None, None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "p" and self._cell is None:
            self._paragraph = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None
        elif tag == "p" and self._paragraph is not None:
            self.paragraphs.append(" ".join("".join(self._paragraph).split()))
            self._paragraph = None

    def handle_data(self, data):
        for collected in (self._cell, self._paragraph):
            if collected is not None:
                collected.append(data)
                return


def _document_text(context, template, language):
    """(table rows, paragraphs) of the document, as its template writes them."""
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override(language):
        html = render_to_string(template, context)
    collector = _TextCollector()
    collector.feed(html)
    return collector.rows, collector.paragraphs


def _floor(rows, paragraphs, language):
    """WeasyPrint alone on one bare table of `rows` and the `paragraphs` after it: no stylesheet, no images, default
    fonts; Khmer word boundaries marked as in the documents (before the clock starts), so the floor lays out the
    same lines instead of one that runs off the page."""
    from weasyprint import HTML

    from reports.documents.khmer_text import break_khmer_lines

    body = "".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    text = "".join(f"<p>{escape(paragraph)}</p>" for paragraph in paragraphs)
    html = break_khmer_lines(f'<html lang="{language}"><body><table>{body}</table>{text}</body></html>')
    started = time.perf_counter()
    HTML(string=html).write_pdf()
    return time.perf_counter() - started


def _peak_rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _pss_mb(pid):
    """Proportional set size: shared pages divided among the processes sharing them, so a sum is fair."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _descendants(root):
    """Process ids below `root` (Linux /proc): any process a render started."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, stack = [], [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found
