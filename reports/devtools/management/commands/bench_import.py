"""python manage.py bench_import: a district's spreadsheet downloaded, filled in and imported, timed.

Run on PostgreSQL after `generate_national_dataset --seed N`. It opens the quarter after the last one with
reports (as bench_commune_page does), takes the district with the most villages (or --district), downloads its
spreadsheet as a DSO would (a benchmark user, created once, with no password), writes a full set of figures into
every village row that keeps every rule, and times the check of the file and its import (read_upload, then apply:
one transaction). The imported figures stay in that quarter's draft report (the benchmark's own; the next run
changes them again). Targets are printed, never asserted.
"""

import io
import time

import openpyxl
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count

from districts.models import Assignment, District, Role
from reports.devtools.benchmarking import open_quarter_after_history, print_results, seconds
from reports.entry import spreadsheet, writes

USER = "bench-import-dso"
TARGET_SECONDS = 5.0


class Command(BaseCommand):
    help = "Benchmark the spreadsheet import of a district's quarter (the largest district by default)."

    def add_arguments(self, parser):
        parser.add_argument("--district", default="", help="District code (default: the one with most villages).")

    def handle(self, *args, district, **options):
        period = open_quarter_after_history()
        unit = self._district(district)
        user = get_user_model().objects.get_or_create(username=USER, defaults={"password": "!"})[0]
        Assignment.objects.filter(user=user).exclude(district=unit).delete()
        Assignment.objects.get_or_create(user=user, role=Role.DSO, district=unit)
        report = writes.open_report(district=unit, period=period)
        started = time.perf_counter()
        content = spreadsheet.workbook(report)
        download = time.perf_counter() - started
        book = openpyxl.load_workbook(io.BytesIO(content))
        villages = self._fill(book, seed=int(time.time()) % 50)
        out = io.BytesIO()
        book.save(out)
        started = time.perf_counter()
        upload = spreadsheet.read_upload(report, "bench.xlsx", out.getvalue())
        checked = time.perf_counter() - started
        if upload.errors:
            raise CommandError(f"The filled file was refused: {upload.errors[:3]}")
        started = time.perf_counter()
        spreadsheet.apply(report, upload, by=user)
        applied = time.perf_counter() - started
        self.stdout.write(
            f"DRSSD spreadsheet import benchmark: {connection.vendor}, district {unit.code} {unit.name_latin}, "
            f"{period.label}: {villages} villages in {len(book.worksheets) - 3} commune sheets, "
            f"{len(upload.changes)} figures changed"
        )
        print_results(
            self.stdout,
            [
                ("spreadsheet drawn (download)", seconds(download), "", None),
                ("file checked with the commune page's rules (read_upload)", seconds(checked), "", None),
                ("figures saved, one transaction (apply)", seconds(applied), "", None),
                (f"check and import of {villages} villages", seconds(checked + applied),
                 f"<= {TARGET_SECONDS:g} s", checked + applied <= TARGET_SECONDS),
            ],
        )  # fmt: skip

    @staticmethod
    def _fill(book, seed):
        """Valid figures in every village row; `seed` makes each run change them. Returns the villages filled."""
        filled = 0
        for sheet in book.worksheets[3:]:  # after the instructions, the versions and the communes
            names = [cell.value for cell in sheet[spreadsheet.HEADING_ROWS]]
            for row in range(spreadsheet.HEADING_ROWS + 1, sheet.max_row + 1):
                total = 100 + seed + row
                values = {"households_total": total, "hh_improved_own": total - 40, "hh_improved_shared": 10,
                          "hh_unimproved": 20, "hh_open_defecation": 10, "idpoor_households": 20,
                          "idpoor_improved": 10, "latrines_built": 5, "hh_handwashing": 50, "odf_status": "triggered",
                          "explanation": "Benchmark figures."}  # fmt: skip
                for name, value in values.items():
                    sheet.cell(row=row, column=names.index(name) + 1).value = value
                filled += 1
        return filled

    @staticmethod
    def _district(code):
        districts = District.objects.filter(retired_on__isnull=True).annotate(n=Count("communes__villages"))
        found = districts.filter(code=code).first() if code else districts.order_by("-n", "code").first()
        if found is None:
            raise CommandError(f"No district {code!r}.")
        return found
