"""The rollup rebuild as SQL (PostgreSQL): one statement computes every rollup row of a scope and writes it.

On PostgreSQL build.py rebuilds a quarter, or one district of a quarter, with the statement of this module
(upserted into the rollup table); the Python path of build.py (grouped ORM queries summed in Python) is the
reference, used on SQLite and for a draft's own figures, and the tests hold the two equal row for row.
bench_rollups' floor runs the same statement over every quarter into a scratch table.

Scopes (Scope):
  PERIOD        one quarter: commune, district, province and national rows;
  DISTRICT      one quarter and one district: its commune and district rows only (build.py then sums the
                province and national rows from the district rows in the table: upper_sql);
  EVERY_PERIOD  every quarter (build.rebuild_all; the benchmark's floor).
Every scope computes both data states and every field of Rollup.SUM_FIELDS, and carried_since.

The statement, CTE by CTE:
  states         each data state and the report statuses it counts (STATUSES_BY_STATE);
  units          the districts of each quarter in scope: expected (as District.objects.active_on the
                 quarter's first day) or with a report of the quarter;
  sources        for each unit and state, the report whose figures its rows hold: the district's latest report
                 at or before the quarter whose status counts in the state. The quarter's own report
                 ("own": every figure), else carried forward (stock figures only, Rollup.STOCK_FIELDS; marked by
                 carried_units and carried_since, the first day of the source's quarter), for expected
                 districts only;
  villages       the source reports' village rows summed by commune (VillageQuarter.COUNT_FIELDS, ODF counts);
  communes       those sums beside the commune activities (CommuneQuarter.ACTIVITY_FIELDS);
  trainings      the source reports' trainings, counted and summed (TRAINED);
  commune_rows   one row per source report and commune: stock figures always, flows if the report is own;
  district_rows  each district's commune rows summed, plus its own figures (reporting counts, and if own its
                 report's section: working-group meeting, budget, spending, trainings);
  then the commune rows, and the district rows (with, for the quarter scopes, their province and national
  sums: GROUP BY ... GROUPING SETS).
The expressions are derived from the models' field lists: a Rollup.SUM_FIELDS entry without one raises
ImproperlyConfigured when the statement is built, so a new field cannot be forgotten silently.

Carry-forward is "the latest counted report at or before the quarter": build.py's Python path follows the same
rule (build._carry_sources), whether or not the quarters in between were ever built.

Values go in as query parameters (parameters()): the quarter, the district, the build stamp, the local time
zone (the on-time rule is reports.models.submitted_on_time: the first submission's local date on or before the
deadline), statuses, levels and codes.

The definitions both paths share live here (build.py imports them), so that they cannot drift apart:
STATUSES_BY_STATE, the village ODF counts and the training sums.
"""

import datetime
import enum
import functools
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Field, Model
from django.utils import timezone

from districts.models import Commune, District, Province, Village
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
from reports.rollups.models import NATIONAL_CODE, DataState, Rollup, RollupLevel

# --- What is counted (shared with build.py's Python path) ----------------------------------------------

# The report statuses whose figures each data state counts. Draft and returned reports count nowhere.
STATUSES_BY_STATE: dict[DataState, tuple[str, ...]] = {
    DataState.APPROVED: (ReportStatus.APPROVED,),
    DataState.PROVISIONAL: COUNTED_STATUSES,
}
# Villages counted by ODF status: {rollup field: the status}.
ODF_COUNTS = {
    "villages_triggered": OdfStatus.TRIGGERED,
    "odf_villages_declared": OdfStatus.DECLARED,
    "odf_villages_verified": OdfStatus.VERIFIED,
}
# A report's trainings: "trainings" counts them; {rollup field: the Training field summed}.
TRAINED = {
    "trained_provincial": "participants_provincial",
    "trained_district": "participants_district",
    "trained_commune": "participants_commune",
    "trained_village": "participants_village",
    "trained_women": "women",
}


class Scope(enum.Enum):
    PERIOD = "period"
    DISTRICT = "district"
    EVERY_PERIOD = "every period"


# The columns the statement writes, in order: the key, the unit's ids, carried_since, the sums.
COLUMNS = ["level", "code", "period", "data_state", "province", "district", "commune", "carried_since"]
COLUMNS += Rollup.SUM_FIELDS
STOCK = frozenset(Rollup.STOCK_FIELDS)


def column(name: str) -> str:
    """The database column of a Rollup field."""
    field = Rollup._meta.get_field(name)
    assert isinstance(field, Field) and field.column is not None
    return field.column


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# --- The statements -----------------------------------------------------------------------------------


def parameters(
    period_id: int | None = None, district_id: int | None = None, stamp: datetime.datetime | None = None
) -> dict[str, Any]:
    """The statement's parameters: %(period)s, %(district)s, %(stamp)s (built_at), %(zone)s, and the statuses,
    levels and codes it compares with."""
    values: dict[str, Any] = {
        "period": period_id,
        "district": district_id,
        "stamp": stamp,
        # submitted_on_time() takes the local date in the current time zone (settings.TIME_ZONE).
        "zone": timezone.get_current_timezone_name(),
        "counted": [str(status) for status in COUNTED_STATUSES],
        "approved": ReportStatus.APPROVED.value,
        "national_code": NATIONAL_CODE,
        **{f"level_{level.value}": level.value for level in RollupLevel},
        **{f"odf_{field}": status.value for field, status in ODF_COUNTS.items()},
    }
    for index, (state, statuses) in enumerate(STATUSES_BY_STATE.items()):
        values[f"state_{index}"], values[f"statuses_{index}"] = state.value, [str(s) for s in statuses]
    return values


def insert_sql(table: str, scope: Scope) -> str:
    """INSERT INTO `table` (COLUMNS' columns) the rows of `scope` (the benchmark's scratch table)."""
    return f"INSERT INTO {table} ({', '.join(column(name) for name in COLUMNS)})\n{_select(scope, stamped=False)}"


@functools.cache
def upsert_sql(scope: Scope) -> str:
    """Write the rows of `scope` into the rollup table: inserted, or updated where their unique key
    (level, code, period, data_state) exists, built_at = %(stamp)s. The caller deletes the scope's rows that
    were not written (storage.delete_unbuilt). No fixed row order is needed: the advisory locks (build.py)
    keep any two writers of one row apart. (An UPDATE ... FROM of the existing rows and an INSERT of the others
    measured no faster.)"""
    columns = [column(name) for name in [*COLUMNS, "built_at"]]
    key = [column(name) for name in Rollup.KEY_FIELDS]
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in key)
    return (
        f"INSERT INTO {_table(Rollup)} ({', '.join(columns)})\n{_select(scope, stamped=True)}\n"
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"
    )


def upper_sql(period: ReportingPeriod, stamp: datetime.datetime, province_id: int | None) -> tuple[str, list[Any]]:
    """(statement, parameters): upsert the province rows (all, or one) and the national row of a quarter,
    summed from its district rows in the rollup table by one GROUP BY ... GROUPING SETS. As build._rebuild_upper:
    reports expected come from the gazetteer (District.objects.active_on the first day), per province and in all."""
    expected, expected_params = (
        District.objects.active_on(period.bounds[0]).values("id", "province_id").query.sql_with_params()
    )
    columns = [column(name) for name in [*COLUMNS, "built_at"]]
    key = [column(name) for name in Rollup.KEY_FIELDS]
    province = "GROUPING(r.province_id) = 0"
    sums = {
        name: f"SUM(r.{column(name)})"
        for name in Rollup.SUM_FIELDS
        if name != "reports_expected"  # from the gazetteer, as below
    }
    sums["reports_expected"] = (
        f"CASE WHEN {province} THEN (SELECT COUNT(*) FROM expected e WHERE e.province_id = r.province_id) "
        f"ELSE (SELECT COUNT(*) FROM expected) END"
    )
    statement = f"""
WITH expected AS ({expected})
INSERT INTO {_table(Rollup)} ({", ".join(columns)})
SELECT CASE WHEN {province} THEN %s ELSE %s END, CASE WHEN {province} THEN MIN(pr.code) ELSE %s END,
  r.period_id, r.data_state, r.province_id, NULL, NULL, MIN(r.carried_since),
  {", ".join(sums[name] for name in Rollup.SUM_FIELDS)}, %s
FROM {_table(Rollup)} r JOIN {_table(Province)} pr ON pr.id = r.province_id
WHERE r.period_id = %s AND r.level = %s
GROUP BY r.period_id, r.data_state, GROUPING SETS ((r.province_id), ())
{f"HAVING NOT {province} OR r.province_id = %s" if province_id is not None else ""}
ON CONFLICT ({", ".join(key)}) DO UPDATE SET {", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in key)}
"""
    values = [
        *expected_params,
        RollupLevel.PROVINCE.value,
        RollupLevel.NATIONAL.value,
        NATIONAL_CODE,
        stamp,
        period.pk,
        RollupLevel.DISTRICT.value,
        *([province_id] if province_id is not None else []),
    ]
    return statement, values


# --- How the statement is put together ------------------------------------------------------------------

VILLAGE_COUNTS = {"villages_reported": "TRUE", **{f: f"v.odf_status = %(odf_{f})s" for f in ODF_COUNTS}}
# What a district report adds to its district row when it counts (s.own: it is the quarter's own report and its
# status counts in the state): working-group meeting, budget, spending, and (t) its trainings.
COUNTED_REPORT = {
    "dwg_meetings_held": "COALESCE(r.wg_meeting_held, FALSE)::int",
    "dwg_attendance": "r.wg_meeting_attendance",
    "dwg_attendance_women": "r.wg_meeting_attendance_women",
    "ft_annual_allocation": "r.ft_annual_allocation",
    "ft_received": "r.ft_received",
    **{field: f"r.{field}" for field in DistrictReport.SPENT_FIELDS},
    "spent_total": " + ".join(f"COALESCE(r.{field}, 0)" for field in DistrictReport.SPENT_FIELDS),
    "trainings": "t.trainings",
    **{field: f"t.{field}" for field in TRAINED},
}


def _commune_expressions() -> dict[str, str]:
    """{rollup field: its value on a commune row} (c: the source report's commune figures, s: the source)."""
    figures = [*VillageQuarter.COUNT_FIELDS, *VILLAGE_COUNTS, *CommuneQuarter.ACTIVITY_FIELDS]
    expressions = {
        field: f"c.{field}" if field in STOCK else f"CASE WHEN s.own THEN c.{field} END" for field in figures
    }
    expressions["communes_reported"] = "1"
    expressions["odf_communes"] = "(c.villages_reported > 0 AND c.villages_reported = c.odf_villages_verified)::int"
    expressions["carried_since"] = "CASE WHEN NOT s.own THEN s.first_day END"
    return expressions


def _district_expressions() -> dict[str, str]:
    """{rollup field: its value on a district's own row, beside its commune rows} (u: the unit, r: its report of
    the quarter if any, s: its source in the state if any, t: the trainings of s if s is own)."""
    expressions = {
        "reports_expected": "u.expected::int",
        "reports_included": "COALESCE(s.own, FALSE)::int",
        "reports_submitted": "(r.status = ANY (%(counted)s::text[]))::int",
        # reports.models.submitted_on_time: the first submission's local date on or before the deadline.
        "reports_on_time": (
            "(r.status = ANY (%(counted)s::text[]) AND (r.submitted_at AT TIME ZONE %(zone)s)::date <= u.deadline)::int"
        ),
        "reports_approved": "(r.status = %(approved)s)::int",
        "carried_units": "(NOT s.own)::int",
        "carried_since": "CASE WHEN NOT s.own THEN s.first_day END",
    }
    expressions |= {field: f"CASE WHEN s.own THEN {value} END" for field, value in COUNTED_REPORT.items()}
    return expressions


def _select(scope: Scope, stamped: bool) -> str:
    """WITH ... SELECT: the rows of `scope` in COLUMNS order (and %(stamp)s last if `stamped`)."""
    ctes, rows = _parts(scope, stamped)
    return f"WITH {ctes}\n{rows}"


@functools.cache
def _parts(scope: Scope, stamped: bool) -> tuple[str, str]:
    """(the CTEs, without WITH; the SELECT of the rows of `scope` from them): see _select."""
    commune, district = _commune_expressions(), _district_expressions()
    fields = [*Rollup.SUM_FIELDS, "carried_since"]  # what the expressions must cover
    missing = [f for f in fields if f not in commune and f not in district]
    if missing:
        raise ImproperlyConfigured(
            f"The rollup SQL does not know how to compute {missing}: add them to rollups/sql.py."
        )
    states = ", ".join(f"(%(state_{i})s, %(statuses_{i})s::text[])" for i in range(len(STATUSES_BY_STATE)))
    chosen = {
        Scope.PERIOD: "p.id = %(period)s",
        Scope.DISTRICT: "p.id = %(period)s AND d.id = %(district)s",
        Scope.EVERY_PERIOD: "TRUE",
    }[scope]
    first_day = "make_date(p.year, 3 * p.quarter - 2, 1)"
    village_sums = ", ".join(f"SUM(v.{f}) AS {f}" for f in VillageQuarter.COUNT_FIELDS)
    village_counts = ", ".join(f"COUNT(*) FILTER (WHERE {c}) AS {f}" for f, c in VILLAGE_COUNTS.items())
    village_fields = [*VillageQuarter.COUNT_FIELDS, *VILLAGE_COUNTS]
    key = "period_id, state, province_id, district_id"
    # The reports whose rows are read: the sources; for every quarter, simply every counted report (each is its
    # own quarter's source), which the planner estimates far better than a join on the sources.
    read = (
        f"(SELECT id FROM {_table(DistrictReport)} WHERE status = ANY (%(counted)s::text[]))"
        if scope is Scope.EVERY_PERIOD
        else "(SELECT report_id FROM sources)"
    )
    # District rows, and for the quarter scopes their province and national sums.
    grouping = "(i.province_id, i.district_id)" + (", (i.province_id), ()" if scope is not Scope.DISTRICT else "")
    stamp = ", %(stamp)s" if stamped else ""
    ctes = f"""states (state, statuses) AS (VALUES {states}),
units AS (  -- the districts of each quarter: expected (as District.objects.active_on) or with a report
  SELECT p.id AS period_id, p.year, p.quarter, p.deadline, d.id AS district_id, d.province_id,
    (d.retired_on IS NULL OR d.retired_on > {first_day}) AND NOT COALESCE(x.retired_on > {first_day}, FALSE)
      AS expected
  FROM {_table(ReportingPeriod)} p CROSS JOIN {_table(District)} d LEFT JOIN (  -- its predecessors' last retirement
    SELECT x.to_district_id, MAX(b.retired_on) AS retired_on
    FROM {_table(District.successors.through)} x JOIN {_table(District)} b ON b.id = x.from_district_id
    GROUP BY x.to_district_id
  ) x ON x.to_district_id = d.id
  WHERE {chosen}
), {_sources_cte(scope)}, villages AS (  -- the source reports' village rows by commune
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
), trainings AS (  -- the source reports' trainings
  SELECT report_id, COUNT(*) AS trainings, {", ".join(f"SUM({c}) AS {f}" for f, c in TRAINED.items())}
  FROM {_table(Training)} WHERE report_id IN {read}
  GROUP BY report_id
), commune_rows AS MATERIALIZED (  -- stock figures always, flows from the quarter's own report only
  SELECT s.period_id, s.state, d.province_id, s.district_id, c.commune_id,
    {", ".join(f"{commune[f]} AS {f}" for f in fields if f in commune)}
  FROM sources s JOIN communes c ON c.report_id = s.report_id JOIN {_table(District)} d ON d.id = s.district_id
), district_rows AS (  -- each district's commune rows summed, and its own figures (reporting, report section)
  SELECT {key}, {", ".join(f"SUM({f}) AS {f}" for f in Rollup.SUM_FIELDS)}, MIN(carried_since) AS carried_since
  FROM (
    SELECT {key}, {", ".join((f if f in commune else "NULL") for f in fields)} FROM commune_rows
    UNION ALL
    SELECT u.period_id, st.state, u.province_id, u.district_id, {", ".join(district.get(f, "NULL") for f in fields)}
    FROM units u CROSS JOIN states st
      LEFT JOIN {_table(DistrictReport)} r ON r.district_id = u.district_id AND r.period_id = u.period_id
      LEFT JOIN sources s ON s.period_id = u.period_id AND s.state = st.state AND s.district_id = u.district_id
      LEFT JOIN trainings t ON t.report_id = s.report_id AND s.own
    WHERE u.expected OR r.id IS NOT NULL
  ) i (period_id, state, province_id, district_id, {", ".join(fields)})
  GROUP BY {key}
)"""
    rows = f"""SELECT %(level_commune)s, cm.code, i.period_id, i.state, i.province_id, i.district_id, i.commune_id,
  i.carried_since, {", ".join(f"COALESCE(i.{f}, 0)" if f in commune else "0" for f in Rollup.SUM_FIELDS)}{stamp}
FROM commune_rows i JOIN {_table(Commune)} cm ON cm.id = i.commune_id
UNION ALL
SELECT
  CASE GROUPING(i.province_id, i.district_id) WHEN 0 THEN %(level_district)s
    WHEN 1 THEN %(level_province)s ELSE %(level_national)s END,
  CASE GROUPING(i.province_id, i.district_id) WHEN 0 THEN MIN(d.code) WHEN 1 THEN MIN(pr.code)
    ELSE %(national_code)s END,
  i.period_id, i.state, i.province_id, i.district_id, NULL, MIN(i.carried_since),
  {", ".join(f"COALESCE(SUM(i.{f}), 0)" for f in Rollup.SUM_FIELDS)}{stamp}
FROM district_rows i JOIN {_table(District)} d ON d.id = i.district_id
  JOIN {_table(Province)} pr ON pr.id = i.province_id
GROUP BY i.period_id, i.state, GROUPING SETS ({grouping})"""
    return ctes, rows


def _sources_cte(scope: Scope) -> str:
    """sources: whose figures each unit's rows hold in each state (see the module docstring): (period_id, state,
    district_id, report_id, own, first_day of a carried report's quarter).

    For one quarter, the district's own report of the quarter if it counts, else (expected districts only) a
    LATERAL lookup of its latest counted report before. For every quarter, each counted report's range of
    quarters (until the district's next counted report) joined to the quarters, cheaper than 16,000 lookups."""
    reports, periods = _table(DistrictReport), _table(ReportingPeriod)
    if scope is Scope.EVERY_PERIOD:
        return f"""sources AS MATERIALIZED (  -- each unit's source report in each state: its own, or carried forward
  SELECT u.period_id, st.state, u.district_id, c.report_id, c.period_id = u.period_id AS own, c.first_day
  FROM units u CROSS JOIN states st JOIN (
    SELECT st.state, r.district_id, r.id AS report_id, r.period_id, p.year * 4 + p.quarter AS ordinal,
      make_date(p.year, 3 * p.quarter - 2, 1) AS first_day,
      LEAD(p.year * 4 + p.quarter) OVER (PARTITION BY st.state, r.district_id ORDER BY p.year, p.quarter) AS next
    FROM {reports} r JOIN {periods} p ON p.id = r.period_id JOIN states st ON r.status = ANY (st.statuses)
  ) c ON c.state = st.state AND c.district_id = u.district_id AND c.ordinal <= u.year * 4 + u.quarter
    AND (c.next IS NULL OR c.next > u.year * 4 + u.quarter)
  WHERE c.period_id = u.period_id OR u.expected
)"""
    return f"""sources AS MATERIALIZED (  -- each unit's source report in each state: its own, or carried forward
  SELECT u.period_id, st.state, u.district_id, COALESCE(o.id, c.report_id) AS report_id, o.id IS NOT NULL AS own,
    c.first_day
  FROM units u CROSS JOIN states st
    LEFT JOIN {reports} o  -- its own report, if it counts in the state
      ON o.district_id = u.district_id AND o.period_id = u.period_id AND o.status = ANY (st.statuses)
    LEFT JOIN LATERAL (  -- if its own report does not count, an expected district's latest counted report before
      SELECT r.id AS report_id, make_date(p.year, 3 * p.quarter - 2, 1) AS first_day
      FROM {reports} r JOIN {periods} p ON p.id = r.period_id
      WHERE o.id IS NULL AND u.expected AND r.district_id = u.district_id AND r.status = ANY (st.statuses)
        AND (p.year, p.quarter) < (u.year, u.quarter)
      ORDER BY p.year DESC, p.quarter DESC LIMIT 1
    ) c ON TRUE
  WHERE o.id IS NOT NULL OR c.report_id IS NOT NULL
)"""
