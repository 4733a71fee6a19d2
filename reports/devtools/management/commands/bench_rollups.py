"""python manage.py bench_rollups: time the rollups on the national dataset, beside a one-statement SQL floor.

Run on PostgreSQL after `generate_national_dataset --seed N`. It rewrites rollup rows (as a rebuild
would) and, for the incremental measures, flips district reports between approved and submitted,
restoring them at the end. Targets are printed, never asserted.

The floor: one SQL statement per measure (one quarter; every quarter) that computes every row
the rebuild writes and INSERTs it into a temporary table (bench_rollup_floor, created once per run, truncated
before each run, dropped at the end): the statement of reports/rollups/sql.py (Scope.PERIOD, or
Scope.EVERY_PERIOD). Both data states; commune, district, province and national rows; every field of
Rollup.SUM_FIELDS and carried_since, carry-forward from each district's latest counted report at or before the
quarter included (see sql.py's docstring for how).

On PostgreSQL our rebuild runs that same statement (one quarter: Scope.PERIOD; every quarter: Scope.EVERY_PERIOD,
in one transaction; one district: Scope.DISTRICT, then one GROUPING SETS statement for its province's and the
nation's rows), plus what the floor leaves out: the upsert under the unique key into the indexed, WAL-logged
rollup table (the floor inserts into an empty temporary table without indexes), the delete of rows no longer
backed by data, built_at, advisory locks and stale marks. The comparison
below checks every row the floor writes, field by field, against the rollup table; the tests hold the SQL path
equal to the Python path (build.py, the reference used on SQLite and for a draft's own figures), whose
one-quarter time is printed too. The floor and our every-quarter rebuild run with JIT off (SET LOCAL), since the
planner overestimates the every-quarter statement's rows and would spend about 2 s compiling it; one quarter's
statement stays under the JIT threshold. Otherwise both run with the server's settings (work_mem
included).
"""

import os
import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef

from districts.models import District, Village
from reports.devtools.benchmarking import millis, print_results, seconds
from reports.models import (
    DistrictReport,
    ReportingPeriod,
    ReportStatus,
    VillageQuarter,
)
from reports.rollups import build as rollup
from reports.rollups import scheduling
from reports.rollups import sql as rollup_sql
from reports.rollups.models import Rollup, RollupLevel

FLOOR_TABLE = "bench_rollup_floor"
# The floor writes every summed field and carried_since; the key columns and ids besides.
FLOOR_FIELDS = [*Rollup.SUM_FIELDS, "carried_since"]
# How many quarters further back the incremental measure that carries figures forward looks.
EARLIER_BY = 8


def _table(model):
    return connection.ops.quote_name(model._meta.db_table)


def floor_mismatches_sql():
    """(level, rows that differ or exist on one side only, [up to 3 examples]) per level, over the floor's quarters."""
    key = ["level", "code", "period_id", "data_state"]
    differ = ", ".join(f"CASE WHEN f.{x} IS DISTINCT FROM o.{x} THEN '{x}' END" for x in FLOOR_FIELDS)
    return f"""
SELECT COALESCE(f.level, o.level) AS level, COUNT(*),
  (ARRAY_AGG(ARRAY[COALESCE(f.code, o.code), COALESCE(f.period_id, o.period_id)::text,
    COALESCE(f.data_state, o.data_state), CASE WHEN f.level IS NULL THEN 'only ours'
    WHEN o.level IS NULL THEN 'only the floor''s' ELSE ARRAY_TO_STRING(ARRAY[{differ}], ' ') END]))[1:3]
FROM {FLOOR_TABLE} f FULL JOIN (
  SELECT * FROM {_table(Rollup)} WHERE period_id IN (SELECT DISTINCT period_id FROM {FLOOR_TABLE})
) o ON {" AND ".join(f"f.{k} = o.{k}" for k in key)}
WHERE f.level IS NULL OR o.level IS NULL
  OR ({", ".join(f"f.{x}" for x in FLOOR_FIELDS)}) IS DISTINCT FROM ({", ".join(f"o.{x}" for x in FLOOR_FIELDS)})
GROUP BY 1
"""


class Command(BaseCommand):
    help = (
        "Benchmark the rollups on PostgreSQL: national rebuild of one quarter and of all quarters, the "
        "incremental rebuild after one district report changes, and a one-statement SQL floor writing the same rows."
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
        results += self._carrying_result(periods, period, report, max(3, repeat // 4))
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
        incremental, _touched = self._incremental(report, repeat)
        median = statistics.median(incremental)
        label = (
            f"incremental rebuild after district {report.district.code}'s report changes, "
            f"median of {repeat} (p90 {millis(_p90(incremental))}, max {millis(max(incremental))})"
        )
        return [(label, millis(median), "<= 50 ms", median <= 0.05)]

    def _carrying_result(self, periods, period, fallback, repeat):
        """The incremental rebuild of a report EARLIER_BY quarters back whose figures later quarters carry."""
        index = periods.index(period)
        if index < 1:
            return []
        earlier = periods[max(0, index - EARLIER_BY)]
        report = self._carried_report(earlier, periods[periods.index(earlier) + 1]) or self._report(
            earlier, fallback.district.code
        )
        chain = rollup.carried_later(report.district_id, earlier)
        timings, touched = self._incremental(report, repeat)
        median = statistics.median(timings)
        outside = self._outside_scope(touched, report, [earlier.pk, *chain])
        quarters = 1 + len(chain)
        return [
            (
                f"incremental rebuild in {earlier.year} Q{earlier.quarter} (district {report.district.code}), "
                f"whose figures {len(chain)} later quarter(s) carry (carried_later), median of {repeat}",
                f"{millis(median)} = {millis(median / quarters)}/q",
                "",
                None,
            ),
            (
                f"  its {len(touched)} rewritten rows: only the district's, its province's and the nation's, "
                f"in those {quarters} quarter(s)",
                "yes" if not outside else f"NO: {outside[:3]}",
                "yes",
                not outside,
            ),
        ]

    def _against_the_floor(self, period, periods, one, everything):
        """Our rebuild against the floor's one statement, and the floor's rows compared with ours."""
        self._create_floor_table()
        self._floor(period)  # warm-up
        floor_one = statistics.median(self._floor(period) for _ in range(5))
        floor_all = statistics.median(self._floor() for _ in range(3))  # the last leaves every quarter's rows
        mismatches = self._compare_with_floor()
        python = statistics.median(self._python_rebuild(period) for _ in range(3))
        totals = Rollup.objects.filter(level=RollupLevel.NATIONAL)
        national = statistics.median(self._time(lambda: list(totals.values(*FLOOR_FIELDS))) for _ in range(5))
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {FLOOR_TABLE}")
        quarters = len(periods)
        others = {level: found for level, found in mismatches.items() if level != RollupLevel.NATIONAL}
        return [
            ("floor: one SQL statement writing the same rows, carry-forward included, one quarter, median of 5",
             millis(floor_one), "", None),
            (f"floor: the same over all {quarters} quarters, median of 3", seconds(floor_all), "", None),
            ("ours / floor, one quarter", f"{one / floor_one:.1f}x", "<= 2x", one / floor_one <= 2),
            (f"ours / floor, all {quarters} quarters", f"{everything / floor_all:.1f}x", "<= 2x",
             everything / floor_all <= 2),
            ("the Python reference path (SQLite, a draft's own figures) rebuilding one quarter, median of 3",
             f"{millis(python)} = {python / floor_one:.1f}x", "", None),
            (f"national totals of all {quarters} quarters read from the rollup table", millis(national), "", None),
            ("national totals equal the floor's (every quarter, both states)",
             _verdict(mismatches.get(RollupLevel.NATIONAL)), "equal", RollupLevel.NATIONAL not in mismatches),
            ("province, district and commune rows equal the floor's (every field but built_at)",
             _verdict(others), "equal", not others),
        ]  # fmt: skip

    # --- Measures ---------------------------------------------------------------------------------

    def _incremental(self, report, repeat):
        """Flip the report approved <-> submitted (marking it stale, as the workflow does), time the rebuild.

        Times rollup.rebuild_district_quarter, the whole body of the Celery task (later quarters that carry
        the district's figures included); the broker round trip and Celery's own bookkeeping (about a
        millisecond in-process) are not included. Returns (timings, the rollup rows the last rebuild wrote).
        """
        original = report.status
        timings, touched = [], []
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
                last = i == repeat
                before = (
                    Rollup.objects.order_by("-built_at").values_list("built_at", flat=True).first() if last else None
                )
                elapsed = self._time(rollup.rebuild_district_quarter, report.district_id, report.period_id)
                if i:  # the first run warms up
                    timings.append(elapsed)
                if last:
                    rows = Rollup.objects.filter(built_at__gt=before)
                    touched = list(rows.values_list("period_id", "level", "province_id", "district_id"))
        finally:
            DistrictReport.objects.filter(pk=report.pk).update(status=original)
            report.status = original
            rollup.rebuild_district_quarter(report.district_id, report.period_id)
        return timings, touched

    def _python_rebuild(self, period):
        """Seconds of one rebuild of the quarter by build.py's Python path (the reference; SQLite's)."""
        before = rollup.ROWS_IN_SQL
        rollup.ROWS_IN_SQL = False
        try:
            return self._time(rollup.rebuild_period, period.pk)
        finally:
            rollup.ROWS_IN_SQL = before

    @staticmethod
    def _create_floor_table():
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {FLOOR_TABLE} AS SELECT level, code, period_id, data_state, "
                f"province_id, district_id, commune_id, {', '.join(FLOOR_FIELDS)} FROM {_table(Rollup)} WITH NO DATA"
            )

    def _floor(self, period=None):
        """One run of the floor statement into the emptied scratch table; returns its seconds."""
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {FLOOR_TABLE}")
            started = time.perf_counter()
            with transaction.atomic():
                # The planner overestimates the rows of every quarter's statement and would spend about 2 s
                # compiling it (JIT); one quarter's stays under the threshold either way.
                cursor.execute("SET LOCAL jit = off")
                scope = rollup_sql.Scope.PERIOD if period else rollup_sql.Scope.EVERY_PERIOD
                cursor.execute(rollup_sql.insert_sql(FLOOR_TABLE, scope), rollup_sql.parameters(period and period.pk))
            return time.perf_counter() - started

    def _compare_with_floor(self):
        """{level: (rows that differ, [examples])} between the floor's rows (every quarter) and ours."""
        with connection.cursor() as cursor:
            cursor.execute(floor_mismatches_sql())
            return {level: (count, examples) for level, count, examples in cursor.fetchall()}

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

    @staticmethod
    def _carried_report(period, following):
        """An approved report of `period` whose district has no approved report in the `following` quarter, so
        that quarter's approved rows carry its figures; the one with the longest chain of the first few."""
        candidates = (
            DistrictReport.objects.filter(period=period, status=ReportStatus.APPROVED)
            .filter(
                ~Exists(
                    DistrictReport.objects.filter(
                        district=OuterRef("district"), period=following, status=ReportStatus.APPROVED
                    )
                )
            )
            .select_related("district")
            .order_by("district__code")[:10]
        )
        return max(candidates, key=lambda r: len(rollup.carried_later(r.district_id, period)), default=None)

    @staticmethod
    def _outside_scope(touched, report, period_ids):
        """The rewritten rows outside the report's district, its province and the nation in `period_ids`."""
        province_id = report.district.province_id
        return [
            (period_id, level)
            for period_id, level, province, district in touched
            if period_id not in period_ids
            or (level in (RollupLevel.COMMUNE, RollupLevel.DISTRICT) and district != report.district_id)
            or (level == RollupLevel.PROVINCE and province != province_id)
        ]

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


def _verdict(mismatches):
    """'yes', or 'NO: ...' with the rows that differ per level and a few examples (code, period id, state, fields)."""
    if not mismatches:
        return "yes"
    if isinstance(mismatches, tuple):
        count, examples = mismatches
        return f"NO: {count} rows differ, e.g. {examples}"
    return "NO: " + "; ".join(
        f"{level} {count} rows, e.g. {examples}" for level, (count, examples) in mismatches.items()
    )


def _p90(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
