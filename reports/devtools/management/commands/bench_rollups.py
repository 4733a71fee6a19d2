"""python manage.py bench_rollups: time the rollups on the national dataset, beside a one-statement SQL floor.

Run on PostgreSQL after `generate_national_dataset --seed N`. It rewrites rollup rows (as a rebuild
would) and, for the incremental measures, flips district reports between approved and submitted,
restoring them at the end. Targets are printed, never asserted.

The floor (floor_sql): one SQL statement per measure (one quarter; every quarter with reports) that computes
every row the rebuild writes and INSERTs it into a temporary table (bench_rollup_floor, created once per run,
truncated before each run, dropped at the end). Both data states; commune, district, province and national
rows; every field of Rollup.SUM_FIELDS and carried_since: village sums and counts, communes reported and ODF
communes, the commune activities (reports_communequarter), the reporting counts (expected, counted,
submitted, on time, approved), the district report's own section (working-group meeting, budget, spending)
and its trainings. How: the village and activity rows summed per report and commune; for each quarter, data
state and district (expected, i.e. District.objects.active_on the quarter's first day, or with a report), its
source report, the latest at or before the quarter whose status counts in the state (a LATERAL lookup for one
quarter; for every quarter, each counted report's range of quarters up to the district's next one, joined);
commune rows from the source report's sums (flows only if it is the quarter's own report, else carried:
stock figures, carried_since); district rows summed from them plus the district's own figures; province and
national rows by GROUP BY ... GROUPING SETS over the district rows.

What it leaves out: the upsert under the unique key into the indexed, WAL-logged rollup table and the delete
of rows no longer backed by data (it inserts into an empty temporary table without indexes), built_at,
advisory locks and stale marks. It carries from the district's latest counted report directly where the
rebuild carries its rows of the latest built quarter before: the same as long as every quarter has been built
and the district was expected in every quarter in between (true of the synthetic dataset; the comparison
below checks every row, field by field, against the rollup table). It runs with JIT off (SET LOCAL), since
the planner overestimates this statement's rows and would spend about 2 s compiling it; our rebuild's small
queries stay under the JIT threshold. Otherwise both run with the server's settings (work_mem included).
"""

import os
import statistics
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef

from districts.models import Commune, District, Province, Village
from reports.devtools.benchmarking import millis, print_results, seconds
from reports.models import (
    COUNTED_STATUSES,
    CommuneQuarter,
    DistrictReport,
    OdfStatus,
    ReportingPeriod,
    ReportStatus,
    Training,
    VillageQuarter,
)
from reports.rollups import build as rollup
from reports.rollups import scheduling
from reports.rollups.models import NATIONAL_CODE, Rollup, RollupLevel

FLOOR_TABLE = "bench_rollup_floor"
# The floor writes every summed field and carried_since; the key columns and ids besides.
FLOOR_FIELDS = [*Rollup.SUM_FIELDS, "carried_since"]
STOCK = frozenset(Rollup.STOCK_FIELDS)
# How many quarters further back the incremental measure that carries figures forward looks.
EARLIER_BY = 8

VILLAGE_COUNTS = {
    "villages_reported": "TRUE",
    "villages_triggered": f"v.odf_status = '{OdfStatus.TRIGGERED}'",
    "odf_villages_declared": f"v.odf_status = '{OdfStatus.DECLARED}'",
    "odf_villages_verified": f"v.odf_status = '{OdfStatus.VERIFIED}'",
}
# What a district report adds to its district row when it counts (s.own: it is the quarter's own and its
# status counts in the state): working-group meeting, budget, spending; its trainings come from t.
COUNTED_REPORT = {
    "dwg_meetings_held": "COALESCE(r.wg_meeting_held, FALSE)::int",
    "dwg_attendance": "r.wg_meeting_attendance",
    "dwg_attendance_women": "r.wg_meeting_attendance_women",
    "ft_annual_allocation": "r.ft_annual_allocation",
    "ft_received": "r.ft_received",
    **{field: f"r.{field}" for field in DistrictReport.SPENT_FIELDS},
    "spent_total": " + ".join(f"COALESCE(r.{field}, 0)" for field in DistrictReport.SPENT_FIELDS),
    "trainings": "t.trainings",
    **{field: f"t.{field}" for field in rollup.TRAINING_SUMS if field != "trainings"},
}
TRAINING_COLUMNS = {
    "trained_provincial": "participants_provincial",
    "trained_district": "participants_district",
    "trained_commune": "participants_commune",
    "trained_village": "participants_village",
    "trained_women": "women",
}


def _table(model):
    return connection.ops.quote_name(model._meta.db_table)


def _statuses(statuses):
    return "ARRAY[" + ", ".join(f"'{status}'" for status in statuses) + "]::text[]"


def _commune_expressions():
    """{rollup field: its value on a commune row} (c: the report's commune figures, s: the source report)."""
    figures = [*VillageQuarter.COUNT_FIELDS, *VILLAGE_COUNTS, *CommuneQuarter.ACTIVITY_FIELDS]
    expressions = {
        field: f"c.{field}" if field in STOCK else f"CASE WHEN s.own THEN c.{field} END" for field in figures
    }
    expressions["communes_reported"] = "1"
    expressions["odf_communes"] = "(c.villages_reported > 0 AND c.villages_reported = c.odf_villages_verified)::int"
    expressions["carried_since"] = "CASE WHEN NOT s.own THEN s.first_day END"
    return expressions


def _district_expressions():
    """{rollup field: its value on a district's own row} (u: the unit, r: its report of the quarter if any,
    s: its source report in the state if any, t: the trainings of s if s is the quarter's own)."""
    counted = _statuses(COUNTED_STATUSES)
    expressions = {
        "reports_expected": "u.expected::int",
        "reports_included": "COALESCE(s.own, FALSE)::int",
        "reports_submitted": f"(r.status = ANY ({counted}))::int",
        "reports_on_time": (
            f"(r.status = ANY ({counted}) AND (r.submitted_at AT TIME ZONE %(zone)s)::date <= u.deadline)::int"
        ),
        "reports_approved": f"(r.status = '{ReportStatus.APPROVED}')::int",
        "carried_units": "(NOT s.own)::int",
        "carried_since": "CASE WHEN NOT s.own THEN s.first_day END",
    }
    expressions |= {field: f"CASE WHEN s.own THEN {value} END" for field, value in COUNTED_REPORT.items()}
    return expressions


def floor_sql(one_period):
    """The floor's one statement: every rollup row of one quarter (%(period)s) or of every quarter with reports,
    both data states, inserted into FLOOR_TABLE. Parameters: period, zone (the local time zone)."""
    commune, district = _commune_expressions(), _district_expressions()
    missing = [f for f in FLOOR_FIELDS if f not in commune and f not in district]
    if missing:
        raise CommandError(f"The floor does not know how to compute {missing}: add them to bench_rollups.")
    states = ", ".join(f"('{state}', {_statuses(statuses)})" for state, statuses in rollup.STATUSES_BY_STATE.items())
    chosen = "p.id = %(period)s" if one_period else f"p.id IN (SELECT period_id FROM {_table(DistrictReport)})"
    first_day = "make_date(p.year, 3 * p.quarter - 2, 1)"
    village_sums = ", ".join(f"SUM(v.{f}) AS {f}" for f in VillageQuarter.COUNT_FIELDS)
    village_counts = ", ".join(f"COUNT(*) FILTER (WHERE {c}) AS {f}" for f, c in VILLAGE_COUNTS.items())
    village_fields = [*VillageQuarter.COUNT_FIELDS, *VILLAGE_COUNTS]
    key = "period_id, state, province_id, district_id"
    # The reports whose rows are read: the sources; for every quarter, simply every counted report (each is its
    # own quarter's source), which the planner estimates far better than a join on the sources.
    read = (
        "(SELECT report_id FROM sources)"
        if one_period
        else f"(SELECT id FROM {_table(DistrictReport)} WHERE status = ANY ({_statuses(COUNTED_STATUSES)}))"
    )
    return f"""
INSERT INTO {FLOOR_TABLE} (level, code, {key.replace("state", "data_state")}, commune_id, {", ".join(FLOOR_FIELDS)})
WITH states (state, statuses) AS (VALUES {states}),
units AS (  -- the districts of each quarter: expected (District.objects.active_on) or with a report
  SELECT p.id AS period_id, p.year, p.quarter, p.deadline, d.id AS district_id, d.province_id,
    (d.retired_on IS NULL OR d.retired_on > {first_day}) AND NOT COALESCE(x.retired_on > {first_day}, FALSE)
      AS expected
  FROM {_table(ReportingPeriod)} p CROSS JOIN {_table(District)} d LEFT JOIN (  -- its predecessors' last retirement
    SELECT x.to_district_id, MAX(b.retired_on) AS retired_on
    FROM {_table(District.successors.through)} x JOIN {_table(District)} b ON b.id = x.from_district_id
    GROUP BY x.to_district_id
  ) x ON x.to_district_id = d.id
  WHERE {chosen}
), {_sources_cte(one_period)}, villages AS (
  SELECT v.report_id, vl.commune_id, {village_sums}, {village_counts}
  FROM {_table(VillageQuarter)} v JOIN {_table(Village)} vl ON vl.id = v.village_id
  WHERE v.report_id IN {read}
  GROUP BY v.report_id, vl.commune_id
), communes AS (  -- each source report's figures by commune: village sums and counts, commune activities
  SELECT COALESCE(v.report_id, a.report_id) AS report_id, COALESCE(v.commune_id, a.commune_id) AS commune_id,
    {", ".join(f"v.{f}" for f in village_fields)}, {", ".join(f"a.{f}" for f in CommuneQuarter.ACTIVITY_FIELDS)}
  FROM villages v FULL JOIN (
    SELECT * FROM {_table(CommuneQuarter)} WHERE report_id IN {read}
  ) a ON a.report_id = v.report_id AND a.commune_id = v.commune_id
), trainings AS (
  SELECT report_id, COUNT(*) AS trainings, {", ".join(f"SUM({c}) AS {f}" for f, c in TRAINING_COLUMNS.items())}
  FROM {_table(Training)} WHERE report_id IN {read}
  GROUP BY report_id
), commune_rows AS MATERIALIZED (
  SELECT s.period_id, s.state, d.province_id, s.district_id, c.commune_id,
    {", ".join(f"{commune[f]} AS {f}" for f in FLOOR_FIELDS if f in commune)}
  FROM sources s JOIN communes c ON c.report_id = s.report_id JOIN {_table(District)} d ON d.id = s.district_id
), district_rows AS (  -- each district's commune rows summed, and its own figures (reporting, report section)
  SELECT {key}, {", ".join(f"SUM({f}) AS {f}" for f in Rollup.SUM_FIELDS)}, MIN(carried_since) AS carried_since
  FROM (
    SELECT {key}, {", ".join((f if f in commune else "NULL") for f in FLOOR_FIELDS)} FROM commune_rows
    UNION ALL
    SELECT u.period_id, st.state, u.province_id, u.district_id,
      {", ".join(district.get(f, "NULL") for f in FLOOR_FIELDS)}
    FROM units u CROSS JOIN states st
      LEFT JOIN {_table(DistrictReport)} r ON r.district_id = u.district_id AND r.period_id = u.period_id
      LEFT JOIN sources s ON s.period_id = u.period_id AND s.state = st.state AND s.district_id = u.district_id
      LEFT JOIN trainings t ON t.report_id = s.report_id AND s.own
    WHERE u.expected OR r.id IS NOT NULL
  ) i (period_id, state, province_id, district_id, {", ".join(FLOOR_FIELDS)})
  GROUP BY {key}
)
SELECT '{RollupLevel.COMMUNE}', cm.code, i.period_id, i.state, i.province_id, i.district_id, i.commune_id,
  {", ".join(f"COALESCE(i.{f}, 0)" if f in commune else "0" for f in Rollup.SUM_FIELDS)}, i.carried_since
FROM commune_rows i JOIN {_table(Commune)} cm ON cm.id = i.commune_id
UNION ALL
SELECT
  CASE GROUPING(i.province_id, i.district_id) WHEN 0 THEN '{RollupLevel.DISTRICT}'
    WHEN 1 THEN '{RollupLevel.PROVINCE}' ELSE '{RollupLevel.NATIONAL}' END,
  CASE GROUPING(i.province_id, i.district_id) WHEN 0 THEN MIN(d.code) WHEN 1 THEN MIN(pr.code)
    ELSE '{NATIONAL_CODE}' END,
  i.period_id, i.state, i.province_id, i.district_id, NULL,
  {", ".join(f"COALESCE(SUM(i.{f}), 0)" for f in Rollup.SUM_FIELDS)}, MIN(i.carried_since)
FROM district_rows i JOIN {_table(District)} d ON d.id = i.district_id
  JOIN {_table(Province)} pr ON pr.id = i.province_id
GROUP BY i.period_id, i.state, GROUPING SETS ((i.province_id, i.district_id), (i.province_id), ())
"""


def _sources_cte(one_period):
    """sources: whose figures each district row has in each state, its own report's or carried forward; the
    district's latest report at or before the quarter whose status counts in the state. For one quarter, a
    LATERAL lookup per district; for every quarter, each counted report's range of quarters (until the
    district's next counted report) joined to the quarters, cheaper than 16,000 lookups."""
    latest = f"""CROSS JOIN LATERAL (
    SELECT r.id AS report_id, r.period_id, make_date(p.year, 3 * p.quarter - 2, 1) AS first_day
    FROM {_table(DistrictReport)} r JOIN {_table(ReportingPeriod)} p ON p.id = r.period_id
    WHERE r.district_id = u.district_id AND r.status = ANY (st.statuses) AND (p.year, p.quarter) <= (u.year, u.quarter)
    ORDER BY p.year DESC, p.quarter DESC LIMIT 1
  ) c"""
    ranges = f"""JOIN (
    SELECT st.state, r.district_id, r.id AS report_id, r.period_id, p.year * 4 + p.quarter AS ordinal,
      make_date(p.year, 3 * p.quarter - 2, 1) AS first_day,
      LEAD(p.year * 4 + p.quarter) OVER (PARTITION BY st.state, r.district_id ORDER BY p.year, p.quarter) AS next
    FROM {_table(DistrictReport)} r JOIN {_table(ReportingPeriod)} p ON p.id = r.period_id
      JOIN states st ON r.status = ANY (st.statuses)
  ) c ON c.state = st.state AND c.district_id = u.district_id AND c.ordinal <= u.year * 4 + u.quarter
    AND (c.next IS NULL OR c.next > u.year * 4 + u.quarter)"""
    return f"""sources AS MATERIALIZED (
  SELECT u.period_id, st.state, u.district_id, c.report_id, c.period_id = u.period_id AS own, c.first_day
  FROM units u CROSS JOIN states st {latest if one_period else ranges}
  WHERE c.period_id = u.period_id OR u.expected
)"""


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
        queries = statistics.median(
            self._time(lambda: [list(q) for q in rollup.source_queries(period).values()]) for _ in range(5)
        )
        reads = statistics.median(self._time(rollup._commune_and_district_rows, period, None) for _ in range(5))
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
            ("  of which our five grouped SQL reads, one quarter", f"{millis(queries)} = {queries / floor_one:.1f}x",
             "", None),
            ("  of which those reads, the carried rows and the Python sums (no writes), one quarter",
             f"{millis(reads)} = {reads / floor_one:.1f}x", "", None),
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
                cursor.execute("SET LOCAL jit = off")
                cursor.execute(
                    floor_sql(period is not None), {"period": period.pk if period else None, "zone": settings.TIME_ZONE}
                )
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
