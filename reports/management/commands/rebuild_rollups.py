"""python manage.py rebuild_rollups: rebuild every rollup row of every quarter."""

import time

from django.core.management.base import BaseCommand

from reports.models import ReportingPeriod
from reports.rollups import build as rollup


class ProgressBar:
    """One line redrawn in place with \\r, for a person watching a terminal."""

    def __init__(self, stream, width=30):
        self.stream, self.width = stream, width

    def __call__(self, done, total, period):
        filled = self.width * done // total
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} {period.year} Q{period.quarter}  "
        )
        self.stream.flush()

    def close(self):
        self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "Rebuild every rollup row (commune, district, province, national; approved and provisional) of "
        "every quarter, and clear the stale marks it covers. Safe to run at any time, also twice."
    )

    def handle(self, *args, **options):
        quarters = ReportingPeriod.objects.count()
        # The bar only when a person is watching; logs and pipes get the summary line alone.
        progress = ProgressBar(self.stderr._out) if self.stderr.isatty() else None
        started = time.perf_counter()
        rows = rollup.rebuild_all(progress=progress)
        if progress:
            progress.close()
        self.stdout.write(
            f"Rebuilt {rows} rollup rows for {quarters} quarters in {time.perf_counter() - started:.1f} s."
        )
