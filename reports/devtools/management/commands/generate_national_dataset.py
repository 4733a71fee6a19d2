"""python manage.py generate_national_dataset --seed N: the national synthetic dataset (see reports/synthetic.py)."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from districts.gazetteer import load_bundled_gazetteer
from districts.models import Village
from reports.devtools import synthetic
from reports.management.commands.rebuild_rollups import ProgressBar
from reports.rollups import build as rollup
from reports.rollups.models import Rollup


class Command(BaseCommand):
    help = (
        "Generate SYNTHETIC quarterly reports for every active district and village of the national "
        "gazetteer, 2016 Q1 - 2025 Q4, deterministic from --seed, then rebuild the rollups. For benchmarks "
        "and load tests only: never on a production database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, required=True, help="The same seed gives the same figures.")
        parser.add_argument(
            "--force", action="store_true", help="Generate even though the database holds real (non-demo) reports."
        )
        parser.add_argument("--provinces", default="", help="Comma-separated province codes (default: all).")
        parser.add_argument("--skip-rollups", action="store_true", help="Do not rebuild the rollups afterwards.")

    def handle(self, *args, seed, force, provinces, skip_rollups, **options):
        started = time.perf_counter()
        try:
            synthetic.check_allowed(force=force)  # before touching anything, the gazetteer included
            if Village.objects.count() < 14000 and not provinces:
                self.stdout.write("Loading the national gazetteer first...")
                load_bundled_gazetteer()
            summary = synthetic.generate(
                seed=seed, force=force, provinces=[p for p in provinces.split(",") if p], log=self.stdout.write
            )
        except synthetic.SyntheticDataRefused as refusal:
            raise CommandError(str(refusal)) from None
        self.stdout.write(
            f"Generated {synthetic.SYNTHETIC_MARK} (seed {seed}): {summary.reports} district reports "
            f"({summary.districts} districts, {summary.villages} villages), {summary.village_rows} village rows, "
            f"{summary.commune_rows} commune rows, {summary.trainings} trainings in {summary.seconds:.1f} s."
        )
        if summary.replaced:
            self.stdout.write(f"Replaced {summary.replaced} synthetic reports of an earlier run.")
        if summary.skipped:
            self.stdout.write(f"Left alone {summary.skipped} district-quarters that already had a report.")
        if not skip_rollups:
            progress = ProgressBar(self.stderr._out) if self.stderr.isatty() else None
            rebuild_started = time.perf_counter()
            rows = rollup.rebuild_all(progress=progress)
            if progress:
                progress.close()
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:  # statistics for the freshly filled rollup table
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(Rollup._meta.db_table)}")
            self.stdout.write(f"Rebuilt {rows} rollup rows in {time.perf_counter() - rebuild_started:.1f} s.")
        self.stdout.write(f"Total: {time.perf_counter() - started:.1f} s (target <= 180 s).")
