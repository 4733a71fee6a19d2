"""Rollups: village and commune data summed up to commune, district, province and national rows.

The rebuild of reports.rollups.models, by one of two paths that compute the same rows:
  - in SQL (PostgreSQL, see ROWS_IN_SQL): one statement per quarter, or per district of a quarter, computes
    the rows and upserts them (sql.py); a district's province and national rows are then summed from the
    district rows by one more statement (sql.upper_sql);
  - in Python (the reference: SQLite, and a draft's own figures in report_rows): five grouped queries read the
    quarterly data (source_queries: never a Python loop over villages), the commune groups are added up to
    district rows in Python (a few thousand dicts for the whole country), storage.py writes them, and the
    district rows are summed into province and national rows in the database.
Rows are upserted under their unique key and rows no longer backed by data are deleted, all in one
transaction, so running a rebuild twice, or two at once, leaves the same rows. The tests hold the two paths
equal, row for row.

Carry-forward: an expected district without a report counted in a data state keeps the stock figures
(Rollup.STOCK_FIELDS) of its latest report counted in that state at or before the quarter, whether or not
the quarters in between were built; both paths follow that rule.

Concurrency (PostgreSQL): transaction-scoped advisory locks, always taken in this order:
  1. the period, shared by district rebuilds and exclusive for a whole-period rebuild;
  2. the district-quarter, so two rebuilds of one district read and write one after the other;
  3. the period's upper rows, held while province and national rows are summed from district rows,
     so the last summation of a period sees every district row committed before it.
SQLite serialises writers by itself.

Staleness: a report that changes state marks its district-quarter stale in the same transaction
(scheduling.mark_stale); a rebuild removes the marks it saw when it started, and only if they have not been
marked again since, so a change that lands during a rebuild is never forgotten.
"""

import datetime
import functools
import logging
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, MutableMapping
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Exists, Min, Model, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from districts.models import District
from reports import indicators, quarters
from reports.models import (
    COUNTED_STATUSES,
    CommuneQuarter,
    DistrictReport,
    ReportingPeriod,
    ReportStatus,
    Training,
    VillageQuarter,
    submitted_on_time,
)
from reports.rollups import sql, storage
from reports.rollups.models import NATIONAL_CODE, DataState, Rollup, RollupLevel, StaleRollup

logger = logging.getLogger(__name__)

# Where the rows are computed: None, in SQL on PostgreSQL (sql.py) and in Python elsewhere; True or False to
# choose (the tests run both paths on PostgreSQL). The Python path is the reference; a draft's own figures
# (report_rows) always take it.
ROWS_IN_SQL: bool | None = None

# The report statuses whose figures each data state counts (draft and returned reports count nowhere), and the
# other definitions of what is counted: shared with the SQL path, in sql.py.
STATUSES_BY_STATE = sql.STATUSES_BY_STATE
STATES = list(STATUSES_BY_STATE)

VILLAGE_SUMS = {f"sum_{f}": Sum(f) for f in VillageQuarter.COUNT_FIELDS}
VILLAGE_COUNTS = {
    "villages_reported": Count("id"),
    **{field: Count("id", filter=Q(odf_status=status)) for field, status in sql.ODF_COUNTS.items()},
}
ACTIVITY_SUMS = {f"sum_{f}": Sum(f) for f in CommuneQuarter.ACTIVITY_FIELDS}
TRAINING_SUMS = {"trainings": Count("id"), **{field: Sum(source) for field, source in sql.TRAINED.items()}}
REPORT_FIELDS = [
    "id",
    "district_id",
    "status",
    "submitted_at",
    "wg_meeting_held",
    "wg_meeting_attendance",
    "wg_meeting_attendance_women",
    "ft_annual_allocation",
    "ft_received",
    *DistrictReport.SPENT_FIELDS,
]

# repair_stale rebuilds a whole quarter at once when this many of its districts are stale.
WHOLE_PERIOD_AT = 20

# One grouped row of a source query: {field or alias: value}.
Group = Mapping[str, Any]
# A unit's summed counts (int) and amounts (Decimal) by rollup field; a missing field is 0.
Sums = defaultdict[str, int | Decimal]


# --- Rebuilding -------------------------------------------------------------------------------


def rebuild_district_quarter(district_id: int, period_id: int) -> int:
    """Rebuild one district-quarter: its commune and district rows, then its province's row and the nation's;
    then the same for each later quarter that carries the district's figures forward (see carried_later()).

    Both data states. If the quarter was never built as a whole, builds the whole quarter instead
    (the province and national rows are sums of all district rows, so those must exist).
    Each quarter is its own transaction; the later ones are marked stale in the first, so a failure
    part way leaves them to the periodic repair. Returns the number of rows written.
    """
    written, later = _rebuild_district_quarter(district_id, period_id, follow=True)
    for later_id in later:
        written += _rebuild_district_quarter(district_id, later_id, follow=False)[0]
    return written


def _rebuild_district_quarter(district_id: int, period_id: int, *, follow: bool) -> tuple[int, list[int]]:
    """(rows written, later quarters marked stale because they carry this district's figures; [] unless follow)."""
    period = ReportingPeriod.objects.filter(pk=period_id).first()
    district = District.objects.filter(pk=district_id).values("id", "province_id").first()
    if period is None or district is None:
        return 0, []  # deleted since the task was queued: nothing to roll up
    if Rollup.objects.filter(level=RollupLevel.NATIONAL, period=period).count() < len(STATES):
        written = rebuild_period(period_id, follow=[district_id] if follow else ())
        return written, carried_later(district_id, period) if follow else []
    with transaction.atomic():
        storage.advisory_lock(storage.LOCK_PERIOD, period_id, shared=True)
        storage.advisory_lock(storage.LOCK_DISTRICT, period_id, district_id)
        seen = storage.marks_seen(period_id, district_id=district_id)
        stamp = timezone.now()
        in_sql = _rows_in_sql()
        if in_sql:
            written = _write_in_sql(sql.Scope.DISTRICT, period, stamp, district_id=district_id)
        else:
            rows = _commune_and_district_rows(period, stamp, district_id=district_id)
            storage.upsert(rows)
            written = len(rows)
        storage.delete_unbuilt(
            Rollup.objects.filter(
                period=period, level__in=[RollupLevel.COMMUNE, RollupLevel.DISTRICT], district_id=district_id
            ),
            stamp,
        )
        storage.advisory_lock(storage.LOCK_UPPER, period_id)
        written += (_rebuild_upper_sql if in_sql else _rebuild_upper)(
            period, stamp, province_id=district["province_id"]
        )
        storage.clear_marks(seen)
        later = _mark_carried_later(period, [district_id]).get(district_id, []) if follow else []
    return written, later


def rebuild_period(period_id: int, follow: Collection[int] = ()) -> int:
    """Rebuild every row of one quarter (both data states). Returns the number of rows written.

    `follow`: districts whose changed figures later quarters may carry forward: those later district-quarters
    are marked stale in the same transaction, for the caller or the periodic repair to rebuild.
    """
    period = ReportingPeriod.objects.filter(pk=period_id).first()
    if period is None:
        return 0
    with transaction.atomic():
        storage.advisory_lock(storage.LOCK_PERIOD, period_id)
        seen = storage.marks_seen(period_id)
        stamp = timezone.now()
        if _rows_in_sql():
            # One statement writes every level, the upper rows included: their lock is taken first (the
            # exclusive period lock already keeps every district rebuild of the quarter out).
            storage.advisory_lock(storage.LOCK_UPPER, period_id)
            written = _write_in_sql(sql.Scope.PERIOD, period, stamp)
            storage.delete_unbuilt(Rollup.objects.filter(period=period), stamp)
        else:
            rows = _commune_and_district_rows(period, stamp)
            storage.upsert(rows)
            storage.delete_unbuilt(
                Rollup.objects.filter(period=period, level__in=[RollupLevel.COMMUNE, RollupLevel.DISTRICT]), stamp
            )
            storage.advisory_lock(storage.LOCK_UPPER, period_id)
            written = len(rows) + _rebuild_upper(period, stamp)
            storage.delete_unbuilt(
                Rollup.objects.filter(period=period, level__in=[RollupLevel.PROVINCE, RollupLevel.NATIONAL]), stamp
            )
        storage.clear_marks(seen)
        if follow:
            _mark_carried_later(period, follow)
    return written


def _rows_in_sql() -> bool:
    """Whether this rebuild computes its rows in SQL (see ROWS_IN_SQL)."""
    return connection.vendor == "postgresql" if ROWS_IN_SQL is None else ROWS_IN_SQL


def _write_in_sql(
    scope: sql.Scope, period: ReportingPeriod | None, stamp: datetime.datetime, district_id: int | None = None
) -> int:
    """Compute and upsert the rows of a quarter or of one district of it in one statement. Returns the rows written.

    JIT stays as the server has it: a national quarter's statement is estimated at about 30,000 (cost units),
    under the default jit_above_cost of 100,000, so it is not compiled (the benchmark's floor over all quarters is).
    """
    with connection.cursor() as cursor:
        cursor.execute(sql.upsert_sql(scope), sql.parameters(period.pk if period else None, district_id, stamp))
        return cursor.rowcount


def _rebuild_upper_sql(period: ReportingPeriod, stamp: datetime.datetime, province_id: int | None = None) -> int:
    """_rebuild_upper in one statement (sql.upper_sql). Returns the number of rows written."""
    statement, values = sql.upper_sql(period, stamp, province_id)
    with connection.cursor() as cursor:
        cursor.execute(statement, values)
        return cursor.rowcount


def rebuild_all(progress: Callable[[int, int, ReportingPeriod], object] | None = None) -> int:
    """Rebuild every quarter, oldest first, one transaction each. `progress(done, total, period)` after each.
    Returns the number of rows written.
    """
    periods = list(ReportingPeriod.objects.order_by("year", "quarter"))
    if periods and _rows_in_sql():
        written = _rebuild_all_sql(periods)
        if progress:
            progress(len(periods), len(periods), periods[-1])
        return written
    written = 0
    for done, period in enumerate(periods, start=1):
        written += rebuild_period(period.pk)
        if progress:
            progress(done, len(periods), period)
    return written


def _rebuild_all_sql(periods: list[ReportingPeriod]) -> int:
    """rebuild_all on PostgreSQL: every row of every quarter in one statement (sql.Scope.EVERY_PERIOD: each
    counted report's range of quarters joined once, rather than a lookup per district and quarter), one
    transaction. Holds every quarter's locks meanwhile (a few seconds on the national dataset; district
    rebuilds wait). Returns the number of rows written."""
    with transaction.atomic():
        for period in periods:  # each quarter's two locks in the order rebuild_period takes them
            storage.advisory_lock(storage.LOCK_PERIOD, period.pk)
            storage.advisory_lock(storage.LOCK_UPPER, period.pk)
        seen = storage.marks_seen()
        stamp = timezone.now()
        with connection.cursor() as cursor:
            # The planner overestimates the rows of this statement and would spend seconds compiling it.
            cursor.execute("SET LOCAL jit = off")
        written = _write_in_sql(sql.Scope.EVERY_PERIOD, None, stamp)
        storage.delete_unbuilt(Rollup.objects.all(), stamp)
        storage.clear_marks(seen)
    return written


def repair_stale() -> dict[str, int]:
    """Rebuild every stale district-quarter, oldest quarter first (a whole quarter when many of its districts
    are stale), so a quarter that carries figures forward is rebuilt after the quarter it carries them from.

    Returns {"rebuilt": district-quarters covered, "failed": how many could not be rebuilt}; a
    failure is logged and its mark kept for the next run. Each quarter is visited once per run: a
    rebuild marks only later quarters stale.
    """
    rebuilt = failed = 0
    visited: set[int] = set()
    while True:
        marks = StaleRollup.objects.exclude(period_id__in=visited).order_by("period__year", "period__quarter")
        first = marks.values_list("period_id", flat=True).first()
        if first is None:
            return {"rebuilt": rebuilt, "failed": failed}
        visited.add(first)
        district_ids = list(marks.filter(period_id=first).order_by("district_id").values_list("district_id", flat=True))
        jobs: list[tuple[Callable[..., int], tuple[Any, ...]]] = (
            [(rebuild_period, (first, district_ids))]
            if len(district_ids) >= WHOLE_PERIOD_AT
            else [(rebuild_district_quarter, (district_id, first)) for district_id in district_ids]
        )
        for function, args in jobs:
            covered = 1 if function is rebuild_district_quarter else len(district_ids)
            try:
                function(*args)
            except Exception:
                logger.exception("Rollup repair of %s%r failed; it stays marked stale.", function.__name__, args)
                failed += covered
            else:
                rebuilt += covered


# --- Carrying figures forward ---------------------------------------------------------------------


def carried_later(district_id: int, period: ReportingPeriod) -> list[int]:
    """Ids of the built quarters after `period`, oldest first, whose rows of the district carry its figures
    from `period` (or would, now): every later quarter up to the first in which the district's own report
    counts in both data states. One query."""
    later = (
        Rollup.objects.filter(level=RollupLevel.DISTRICT, district_id=district_id)
        .filter(Q(period__year__gt=period.year) | Q(period__year=period.year, period__quarter__gt=period.quarter))
        .order_by("period__year", "period__quarter")
        .values_list("period_id", "reports_included")
    )
    included: dict[int, int] = {}  # chronological: a dict keeps the order of its keys
    for period_id, reports_included in later:
        included[period_id] = included.get(period_id, 0) + reports_included
    chain: list[int] = []
    for period_id, counted in included.items():
        if counted >= len(STATES):
            break  # its own figures in every state: the chain ends before it
        chain.append(period_id)
    return chain


def _mark_carried_later(period: ReportingPeriod, district_ids: Collection[int]) -> dict[int, list[int]]:
    """Mark stale the later district-quarters that carry these districts' figures of `period`.
    Returns {district id: [later period ids]}."""
    chains = {district_id: carried_later(district_id, period) for district_id in district_ids}
    now = timezone.now()
    StaleRollup.objects.bulk_create(
        [
            StaleRollup(district_id=district_id, period_id=later_id, marked_at=now)
            for district_id, chain in chains.items()
            for later_id in chain
        ],
        update_conflicts=True,
        unique_fields=["district", "period"],
        update_fields=["marked_at"],
    )
    return chains


def _carry_sources(
    period: ReportingPeriod, counting: Mapping[DataState, Collection[str]], needing: Mapping[DataState, Collection[int]]
) -> dict[tuple[str, int], tuple[datetime.date, Group, list[Group]]]:
    """{(data state, district id): (first day of the quarter the figures are from, the district's stock figures,
    its communes' stock figures)} for the districts of `needing` ({state: district ids}) that have a report
    counted in the state (`counting`) at or before `period`: the latest such report's figures, as its own
    quarter's rows hold them, whether or not the quarters in between were built. Four queries (none if
    nothing is needed)."""
    wanted = {district_id for ids in needing.values() for district_id in ids}
    if not wanted:
        return {}
    at_or_before = Q(period__year__lt=period.year) | Q(period__year=period.year, period__quarter__lte=period.quarter)
    latest = {
        f"source_{index}": Subquery(
            DistrictReport.objects.filter(at_or_before, district_id=OuterRef("pk"), status__in=counting[state])
            .order_by("-period__year", "-period__quarter")
            .values("id")[:1]
        )
        for index, state in enumerate(needing)
    }
    found = District.objects.filter(pk__in=wanted).annotate(**latest).values("id", *latest)
    chosen: dict[tuple[str, int], int] = {}
    for district in found:
        for index, (state, ids) in enumerate(needing.items()):
            if district[f"source_{index}"] is not None and district["id"] in ids:
                chosen[(state, district["id"])] = district[f"source_{index}"]
    if not chosen:
        return {}
    report_ids = set(chosen.values())
    first_days = {
        report["id"]: quarters.quarter_bounds(report["period__year"], report["period__quarter"])[0]
        for report in DistrictReport.objects.filter(pk__in=report_ids).values("id", "period__year", "period__quarter")
    }
    # Each source report's commune groups (villages, activities), as its own quarter's commune rows sum them.
    communes: defaultdict[int, dict[int, Sums]] = defaultdict(dict)
    codes: dict[int, str] = {}
    villages = (
        VillageQuarter.objects.filter(report_id__in=report_ids)
        .values("report_id", "village__commune_id", "village__commune__code")
        .annotate(**VILLAGE_SUMS, **VILLAGE_COUNTS)
        .order_by()
    )
    for group in villages:
        codes[group["village__commune_id"]] = group["village__commune__code"]
        _add(communes[group["report_id"]].setdefault(group["village__commune_id"], defaultdict(int)), group)
    # A commune with activities only is reported too (its stock figures are 0 but communes_reported).
    for activity in CommuneQuarter.objects.filter(report_id__in=report_ids).values(
        "report_id", "commune_id", "commune__code"
    ):
        codes[activity["commune_id"]] = activity["commune__code"]
        communes[activity["report_id"]].setdefault(activity["commune_id"], defaultdict(int))
    sources: dict[int, tuple[datetime.date, Group, list[Group]]] = {}
    for report_id in report_ids:
        district_stock: Sums = defaultdict(int)
        commune_stock: list[Group] = []
        for commune_id, sums in communes[report_id].items():
            sums["communes_reported"] = 1
            sums["odf_communes"] = int(0 < sums["villages_reported"] == sums["odf_villages_verified"])
            stock = {field: sums[field] for field in Rollup.STOCK_FIELDS}
            _add(district_stock, stock)
            commune_stock.append({"commune_id": commune_id, "code": codes[commune_id], **stock})
        sources[report_id] = (first_days[report_id], district_stock, commune_stock)
    return {key: sources[report_id] for key, report_id in chosen.items()}


# --- One report as it stands ---------------------------------------------------------------------


def report_rows(report: DistrictReport) -> tuple[Rollup | None, list[Rollup]]:
    """(district row, [commune rows]) of one report in any status, as unsaved Rollup objects.

    The rollup tables hold submitted and approved reports only, and a draft's PDF prints its own
    figures: these are summed by the very queries and arithmetic of a rebuild, counting this report
    whatever its status. Four queries.
    """
    state = DataState.APPROVED if report.status == ReportStatus.APPROVED else DataState.PROVISIONAL
    rows = _commune_and_district_rows(
        report.period, timezone.now(), district_id=report.district_id, counting={state: (report.status,)}, carry=False
    )
    communes = {commune.pk: commune for commune in report.district.communes.all()}
    district, commune_rows = None, []
    for values in rows:
        row = Rollup(**dict(zip(storage.ROW_ATTRIBUTES, values, strict=True)))
        row.period, row.district = report.period, report.district
        if row.level == RollupLevel.DISTRICT:
            district = row
        else:
            assert row.commune_id is not None  # a commune row names its commune
            row.commune = communes[row.commune_id]
            commune_rows.append(row)
    return district, sorted(commune_rows, key=lambda row: row.code)


# --- Reading ------------------------------------------------------------------------------------


def budget_year_to_date(row: Rollup) -> dict[str, Decimal | float | None]:
    """Functional-transfer budget of a rollup row's unit from the year's first quarter to the row's quarter.

    One query. Returns {"received", "spent", "utilisation"} (utilisation from the summed amounts).
    """
    sums = Rollup.objects.filter(
        level=row.level,
        code=row.code,
        data_state=row.data_state,
        period__year=row.period.year,
        period__quarter__lte=row.period.quarter,
    ).aggregate(received=Sum("ft_received"), spent=Sum("spent_total"))
    return {**sums, "utilisation": indicators.budget_utilisation(spent=sums["spent"], received=sums["received"])}


# --- How the rows are computed ------------------------------------------------------------------


def source_queries(
    period: ReportingPeriod, district_id: int | None = None, statuses: Collection[str] = COUNTED_STATUSES
) -> dict[str, QuerySet[Model, Group]]:
    """The five grouped queries a rebuild reads, unevaluated: {name: queryset of dicts}.

    Districts (every one expected to report, i.e. existing during the quarter (active_on), and any with a
    report), their reports, trainings by report, village sums by commune and commune activities.
    The village and activity groups are split by report status: each data state adds up the groups
    of the statuses it counts. `statuses`: the report statuses whose figures are read.
    """
    in_scope = {"report__period": period, "report__status__in": statuses}
    expected = District.objects.active_on(period.bounds[0]).values("pk")
    districts = District.objects.filter(
        Q(pk__in=expected) | Q(pk__in=DistrictReport.objects.filter(period=period).values("district_id"))
    ).annotate(expected=Exists(expected.filter(pk=OuterRef("pk"))))
    reports = DistrictReport.objects.filter(period=period)
    if district_id is not None:
        in_scope["report__district_id"] = district_id
        districts, reports = districts.filter(pk=district_id), reports.filter(district_id=district_id)
    return {
        "districts": districts.values("id", "code", "province_id", "expected"),
        "reports": reports.values(*REPORT_FIELDS),
        "trainings": Training.objects.filter(**in_scope).values("report_id").annotate(**TRAINING_SUMS).order_by(),
        "villages": (
            VillageQuarter.objects.filter(**in_scope)
            .values("report__district_id", "village__commune_id", "village__commune__code", "report__status")
            .annotate(**VILLAGE_SUMS, **VILLAGE_COUNTS)
            .order_by()
        ),
        "activities": (
            CommuneQuarter.objects.filter(**in_scope)
            .values("report__district_id", "commune_id", "commune__code", "report__status")
            .annotate(**ACTIVITY_SUMS)
            .order_by()
        ),
    }


def _commune_and_district_rows(
    period: ReportingPeriod,
    stamp: datetime.datetime,
    district_id: int | None = None,
    counting: Mapping[DataState, Collection[str]] = STATUSES_BY_STATE,
    carry: bool = True,
) -> list[storage.RowValues]:
    """Rollup rows (tuples) for the communes and districts of a quarter, or of one district.

    `counting`: {data state: the report statuses it adds up}; a row for every state in it. With `carry`,
    an expected district without a report counted in a state gets the stock figures of its latest report
    counted in the state at or before the quarter (see Rollup.STOCK_FIELDS, _carry_sources): its district
    row and one row per commune, marked with carried_since; its flow figures stay 0.
    """
    queries = source_queries(period, district_id, statuses=tuple({s for group in counting.values() for s in group}))
    districts = {d["id"]: d for d in queries["districts"]}
    reports = {r["district_id"]: r for r in queries["reports"]}
    trainings = {t["report_id"]: t for t in queries["trainings"]}

    communes, commune_keys = _commune_sums(queries, counting)
    earlier = {}
    if carry:  # the expected districts whose own report does not count in a state
        needing = {
            state: [
                owner
                for owner, district in districts.items()
                if district["expected"] and (reports[owner]["status"] if owner in reports else None) not in statuses
            ]
            for state, statuses in counting.items()
        }
        earlier = _carry_sources(period, counting, needing)

    rows: list[storage.RowValues] = []
    for state in counting:
        by_district: defaultdict[int, Sums] = defaultdict(lambda: defaultdict(int))
        for commune_id, sums in communes[state].items():
            code, owner = commune_keys[commune_id]
            sums["communes_reported"] = 1
            sums["odf_communes"] = int(0 < sums["villages_reported"] == sums["odf_villages_verified"])
            _add(by_district[owner], sums)
            rows.append(
                storage.row_values(
                    RollupLevel.COMMUNE,
                    code,
                    period,
                    state,
                    stamp,
                    sums,
                    commune_id=commune_id,
                    district_id=owner,
                    province_id=districts[owner]["province_id"],
                )
            )
        for owner, district in districts.items():
            sums = by_district[owner]
            _add_report(sums, reports.get(owner), trainings, counting[state], period, district)
            source = None if sums["reports_included"] or not district["expected"] else earlier.get((state, owner))
            carried_since = None
            if source is not None:
                carried_since, district_source, commune_sources = source
                rows += _carried_commune_rows(commune_sources, period, state, stamp, district, carried_since)
                sums.update({field: district_source[field] for field in Rollup.STOCK_FIELDS})
                sums["carried_units"] = 1
            rows.append(
                storage.row_values(
                    RollupLevel.DISTRICT,
                    district["code"],
                    period,
                    state,
                    stamp,
                    sums,
                    district_id=owner,
                    province_id=district["province_id"],
                    carried_since=carried_since,
                )
            )
    return rows


def _carried_commune_rows(
    sources: list[Group],
    period: ReportingPeriod,
    state: str,
    stamp: datetime.datetime,
    district: Group,
    carried_since: datetime.date,
) -> list[storage.RowValues]:
    """A carried-forward district's commune rows: the stock figures of its source report's communes."""
    return [
        storage.row_values(
            RollupLevel.COMMUNE,
            source["code"],
            period,
            state,
            stamp,
            defaultdict(int, {field: source[field] for field in Rollup.STOCK_FIELDS}),
            commune_id=source["commune_id"],
            district_id=district["id"],
            province_id=district["province_id"],
            carried_since=carried_since,
        )
        for source in sources
    ]


def _commune_sums(
    queries: Mapping[str, Any], counting: Mapping[DataState, Collection[str]]
) -> tuple[dict[DataState, defaultdict[int, Sums]], dict[int, tuple[str, int]]]:
    """({state: {commune id: sums}}, {commune id: (code, district id)}) from the village and activity groups."""
    communes: dict[DataState, defaultdict[int, Sums]] = {
        state: defaultdict(lambda: defaultdict(int)) for state in counting
    }
    commune_keys: dict[int, tuple[str, int]] = {}
    for groups, commune_field in ((queries["villages"], "village__commune"), (queries["activities"], "commune")):
        for group in groups:
            commune_id = group[f"{commune_field}_id"]
            commune_keys[commune_id] = (group[f"{commune_field}__code"], group["report__district_id"])
            for state in _states_counting(group["report__status"], counting):
                _add(communes[state][commune_id], group)
    return communes, commune_keys


def _add_report(
    sums: MutableMapping[str, int | Decimal],
    report: Group | None,
    trainings: Mapping[int, Group],
    counted: Collection[str],
    period: ReportingPeriod,
    district: Group,
) -> None:
    """Add a district's report (None: no report) to its district row's sums; its figures only if its
    status is among `counted`."""
    sums["reports_expected"] = int(district["expected"])
    if report is None:
        return
    delivered = report["status"] in COUNTED_STATUSES
    sums["reports_submitted"] = int(delivered)
    sums["reports_on_time"] = int(delivered and submitted_on_time(report["submitted_at"], period.deadline))
    sums["reports_approved"] = int(report["status"] == ReportStatus.APPROVED)
    if report["status"] not in counted:
        return
    sums["reports_included"] = 1
    sums["dwg_meetings_held"] = int(bool(report["wg_meeting_held"]))
    sums["dwg_attendance"] = report["wg_meeting_attendance"] or 0
    sums["dwg_attendance_women"] = report["wg_meeting_attendance_women"] or 0
    for field in ("ft_annual_allocation", "ft_received", *DistrictReport.SPENT_FIELDS):
        sums[field] = report[field] or Decimal(0)
    sums["spent_total"] = sum(sums[field] for field in DistrictReport.SPENT_FIELDS)
    _add(sums, trainings.get(report["id"], {}))


def _rebuild_upper(period: ReportingPeriod, stamp: datetime.datetime, province_id: int | None = None) -> int:
    """Upsert province rows (all, or one) and the national row, summed from the district rows in the database.

    Reports expected come from the gazetteer, so a district added since the quarter was built counts.
    Returns the number of rows written.
    """
    sums = {f"sum_{f}": Sum(f) for f in Rollup.SUM_FIELDS if f != "reports_expected"} | {
        "oldest_carried": Min("carried_since")
    }
    district_rows = Rollup.objects.filter(period=period, level=RollupLevel.DISTRICT)
    expected = District.objects.active_on(period.bounds[0])
    in_provinces = district_rows if province_id is None else district_rows.filter(province_id=province_id)
    expected_by_province = dict(
        (expected if province_id is None else expected.filter(province_id=province_id))
        .values("province_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("province_id", "n")
    )
    rows: list[storage.RowValues] = []
    for group in in_provinces.values("province_id", "province__code", "data_state").annotate(**sums).order_by():
        values = _strip(group) | {"reports_expected": expected_by_province.get(group["province_id"], 0)}
        rows.append(
            storage.row_values(
                RollupLevel.PROVINCE,
                group["province__code"],
                period,
                group["data_state"],
                stamp,
                values,
                province_id=group["province_id"],
                carried_since=_oldest_carried(group),
            )
        )
    national_expected = expected.count()
    for national in district_rows.values("data_state").annotate(**sums).order_by():
        rows.append(
            storage.row_values(
                RollupLevel.NATIONAL,
                NATIONAL_CODE,
                period,
                national["data_state"],
                stamp,
                _strip(national) | {"reports_expected": national_expected},
                carried_since=_oldest_carried(national),
            )
        )
    storage.upsert(rows)
    return len(rows)


def _oldest_carried(group: Group) -> datetime.date | None:
    """The MIN(carried_since) of an upper-level aggregate (its alias is not in the typed keys of values())."""
    return group["oldest_carried"]


def _states_counting(status: str, counting: Mapping[DataState, Collection[str]]) -> list[DataState]:
    return [state for state, statuses in counting.items() if status in statuses]


def _strip(group: Group) -> Sums:
    """{field: value} from an aggregate's sum_ aliases; a sum over nothing is 0."""
    return defaultdict(
        int, {key.removeprefix("sum_"): value or 0 for key, value in group.items() if key.startswith("sum_")}
    )


def _add(target: MutableMapping[str, int | Decimal], group: Group) -> None:
    """Add a group's counts (sum_ aliases stripped, None as 0) into target."""
    for key, name in _field_names(tuple(group)):
        value = group[key]
        if value is not None:
            target[name] += value


@functools.lru_cache(maxsize=64)
def _field_names(keys: tuple[str, ...]) -> list[tuple[str, str]]:
    """[(key, rollup field)] for the keys of a group that name a rollup field, with or without sum_."""
    return [(key, key.removeprefix("sum_")) for key in keys if key.removeprefix("sum_") in ROLLUP_FIELD_SET]


ROLLUP_FIELD_SET = frozenset(Rollup.SUM_FIELDS)
