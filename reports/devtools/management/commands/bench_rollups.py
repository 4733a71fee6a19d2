"""python manage.py bench_rollups: time the rollups on the national dataset, beside the raw-SQL floor.

Run on PostgreSQL after `generate_national_dataset --seed N`. It rewrites rollup rows (as a rebuild
would) and, for the incremental measure, flips one district report between approved and submitted,
restoring it at the end. Targets are printed, never asserted.
"""

import os
import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from districts.models import District, Village
from reports.devtools.benchmarking import millis, print_results, seconds
from reports.models import DistrictReport, ReportingPeriod, ReportStatus, VillageQuarter
from reports.rollups import build as rollup
from reports.rollups import scheduling
from reports.rollups.models import NATIONAL_CODE, DataState, Rollup, RollupLevel

# The floor: the national village totals of every quarter, both data states, in one GROUP BY over the
# village rows: no commune, district or province level, no writes.
FLOOR_FIELDS = VillageQuarter.COUNT_FIELDS
FLOOR_COUNTS = {
    "villages_reported": "TRUE",
    "villages_triggered": "v.odf_status = 'triggered'",
    "odf_villages_declared": "v.odf_status = 'declared'",
    "odf_villages_verified": "v.odf_status = 'verified'",
}


def floor_sql(one_period):
    columns = []
    for state_filter in ("", " AND r.status = 'approved'"):
        columns += [f"COALESCE(SUM(v.{f}) FILTER (WHERE TRUE{state_filter}), 0)" for f in FLOOR_FIELDS]
        columns += [f"COUNT(*) FILTER (WHERE {c}{state_filter})" for c in FLOOR_COUNTS.values()]
    return (
        f"SELECT r.period_id, {', '.join(columns)} FROM {VillageQuarter._meta.db_table} v "
        f"JOIN {DistrictReport._meta.db_table} r ON r.id = v.report_id "
        f"WHERE r.status IN ('submitted', 'approved'){' AND r.period_id = %s' if one_period else ''} "
        f"GROUP BY r.period_id"
    )


class Command(BaseCommand):
    help = (
        "Benchmark the rollups on PostgreSQL: national rebuild of one quarter and of all quarters, the "
        "incremental rebuild after one district report changes, and the raw GROUP BY floor."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--quarter",
            default="",
            help="YYYYQn for the one-quarter and incremental measures (default: the latest quarter).",
        )
        parser.add_argument("--district", default="0508", help="District code for the incremental measure.")
        parser.add_argument("--repeat", type=int, default=20, help="Incremental rebuilds to take the median of.")

    def handle(self, *args, quarter, district, repeat, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "bench_rollups measures PostgreSQL, the production database; this is "
                f"{connection.vendor}. Run it with DATABASE_URL=postgres://... after "
                "generate_national_dataset."
            )
        periods = list(
            ReportingPeriod.objects.filter(district_reports__isnull=False).distinct().order_by("year", "quarter")
        )
        if not periods:
            raise CommandError("No reports to roll up: run python manage.py generate_national_dataset --seed 1 first.")
        period = self._period(periods, quarter)
        report = self._report(period, district)
        self._header(periods)
        one, everything, results = self._rebuilds(period, periods)
        results += self._incremental_result(report, repeat)
        results += self._against_the_floor(period, periods, statistics.median(one), everything)
        print_results(self.stdout, results, result_width=16, target_width=8)
        self.stdout.write("Generator: see the time printed by generate_national_dataset (target <= 180 s).")

    def _rebuilds(self, period, periods):
        """Full rebuilds of one quarter (median of 5, after a warm-up) and of every quarter."""
        rollup.rebuild_period(period.pk)  # warm-up: caches, plans, the temporary load table
        one = [self._time(rollup.rebuild_period, period.pk) for _ in range(5)]
        everything = self._time(rollup.rebuild_all)
        label = f"full national rebuild, one quarter ({period.year} Q{period.quarter}), median of 5"
        return (
            one,
            everything,
            [
                (label, seconds(statistics.median(one)), "<= 2 s", statistics.median(one) <= 2),
                (
                    f"full national rebuild, all {len(periods)} quarters",
                    seconds(everything),
                    "<= 60 s",
                    everything <= 60,
                ),
            ],
        )

    def _incremental_result(self, report, repeat):
        incremental = self._incremental(report, repeat)
        median = statistics.median(incremental)
        label = (
            f"incremental rebuild after district {report.district.code}'s report changes, "
            f"median of {repeat} (p90 {millis(_p90(incremental))}, max {millis(max(incremental))})"
        )
        return [(label, millis(median), "<= 200 ms", median <= 0.2)]

    def _against_the_floor(self, period, periods, one, everything):
        """Our rebuild against one raw SQL GROUP BY over the village rows, and the national totals compared."""
        floor_one = statistics.median(self._time(self._floor, period) for _ in range(5))
        floor_all = statistics.median(self._time(self._floor) for _ in range(3))
        queries = statistics.median(
            self._time(lambda: [list(q) for q in rollup.source_queries(period).values()]) for _ in range(5)
        )
        reads = statistics.median(self._time(rollup._commune_and_district_rows, period, None) for _ in range(5))
        totals = Rollup.objects.filter(level=RollupLevel.NATIONAL)
        national = statistics.median(
            self._time(lambda: list(totals.values(*FLOOR_FIELDS, *FLOOR_COUNTS))) for _ in range(5)
        )
        mismatches = self._compare_with_floor()
        quarters = len(periods)
        return [
            ("floor: one raw SQL GROUP BY over the village rows, one quarter, median of 5", millis(floor_one), "",
             None),
            (f"floor: the same over all {quarters} quarters, median of 3", seconds(floor_all), "", None),
            ("ours / floor, one quarter", f"{one / floor_one:.1f}x", "<= 3x", one / floor_one <= 3),
            (f"ours / floor, all {quarters} quarters", f"{everything / floor_all:.1f}x", "<= 3x",
             everything / floor_all <= 3),
            ("  of which our five grouped SQL reads, one quarter", f"{millis(queries)} = {queries / floor_one:.1f}x",
             "<= 3x", queries / floor_one <= 3),
            ("  of which those reads plus the Python sums (no writes), one quarter",
             f"{millis(reads)} = {reads / floor_one:.1f}x", "", None),
            (f"national totals of all {quarters} quarters read from the rollup table", millis(national), "", None),
            ("national totals equal the floor's (every quarter, both states)",
             "yes" if not mismatches else f"NO: {mismatches[:3]}", "equal", not mismatches),
        ]  # fmt: skip

    # --- Measures ---------------------------------------------------------------------------------

    def _incremental(self, report, repeat):
        """Flip the report approved <-> submitted (marking it stale, as the workflow does), time the rebuild.

        Times rollup.rebuild_district_quarter, the whole body of the Celery task; the broker round trip
        and Celery's own bookkeeping (about a millisecond in-process) are not included.
        """
        original = report.status
        timings = []
        try:
            for i in range(repeat + 1):
                status = (
                    ReportStatus.SUBMITTED
                    if (i % 2 == 0) == (original == ReportStatus.APPROVED)
                    else (ReportStatus.APPROVED)
                )
                with transaction.atomic():
                    # update(): a benchmark must not add history records to the reports it touches.
                    DistrictReport.objects.filter(pk=report.pk).update(status=status)
                    report.status = status
                    scheduling.mark_stale(report=report)
                elapsed = self._time(rollup.rebuild_district_quarter, report.district_id, report.period_id)
                if i:  # the first run warms up
                    timings.append(elapsed)
        finally:
            DistrictReport.objects.filter(pk=report.pk).update(status=original)
            rollup.rebuild_district_quarter(report.district_id, report.period_id)
        return timings

    def _floor(self, period=None):
        with connection.cursor() as cursor:
            cursor.execute(floor_sql(period is not None), [period.pk] if period else [])
            return cursor.fetchall()

    def _compare_with_floor(self):
        fields = FLOOR_FIELDS + list(FLOOR_COUNTS)
        ours = {
            (row["period_id"], row["data_state"]): row
            for row in Rollup.objects.filter(level=RollupLevel.NATIONAL, code=NATIONAL_CODE).values(
                "period_id", "data_state", *fields
            )
        }
        mismatches = []
        for period_id, *values in self._floor():
            half = len(fields)
            for state, numbers in ((DataState.PROVISIONAL, values[:half]), (DataState.APPROVED, values[half:])):
                row = ours.get((period_id, state), {})
                wrong = [f for f, n in zip(fields, numbers, strict=False) if row.get(f) != n]
                if wrong:
                    mismatches.append((period_id, state, wrong))
        return mismatches

    @staticmethod
    def _time(function, *args):
        started = time.perf_counter()
        function(*args)
        return time.perf_counter() - started

    # --- Choosing and printing --------------------------------------------------------------------

    def _period(self, periods, quarter):
        if not quarter:
            return periods[-1]
        try:
            year, number = quarter.upper().split("Q")
            return next(p for p in periods if (p.year, p.quarter) == (int(year), int(number)))
        except (ValueError, StopIteration):
            raise CommandError(f"No reports for quarter {quarter!r} (write it as 2025Q4).") from None

    def _report(self, period, code):
        report = (
            DistrictReport.objects.filter(period=period, district__code=code).select_related("district").first()
            or DistrictReport.objects.filter(period=period, status__in=[ReportStatus.APPROVED, ReportStatus.SUBMITTED])
            .select_related("district")
            .order_by("district__code")
            .first()
        )
        if report is None:
            raise CommandError(f"No report in {period} to change for the incremental measure.")
        return report

    def _header(self, periods):
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        synthetic = DistrictReport.objects.filter(achievements__startswith="SYNTHETIC DATA").count()
        load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
        self.stdout.write(
            f"DRSSD rollup benchmark: PostgreSQL {version}, {os.cpu_count()} CPUs, "
            f"load average {load} (other work on the machine slows every figure)"
        )
        self.stdout.write(
            f"Dataset: {Village.objects.count():,} villages, {District.objects.count():,} districts, "
            f"{DistrictReport.objects.count():,} district reports ({synthetic:,} synthetic), "
            f"{VillageQuarter.objects.count():,} village rows, {len(periods)} quarters "
            f"({periods[0].year} Q{periods[0].quarter} - {periods[-1].year} Q{periods[-1].quarter})"
        )
        self.stdout.write("")


def _p90(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
