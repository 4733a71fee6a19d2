"""Rollups: village and commune data summed up to commune, district, province and national rows.

The only writer of reports.rollups.models. Each rebuild reads the quarterly data with five grouped
queries (source_queries: never a Python loop over villages), adds the commune groups up to district
rows in Python (a few thousand dicts for the whole country), and sums the district rows into province
and national rows in the database. Rows are upserted
under their unique key and rows no longer backed by data are deleted, all in one transaction,
so running a rebuild twice, or two at once, leaves the same rows.

Concurrency (PostgreSQL): transaction-scoped advisory locks, always taken in this order:
  1. the period, shared by district rebuilds and exclusive for a whole-period rebuild;
  2. the district-quarter, so two rebuilds of one district read and write one after the other;
  3. the period's upper rows, held while province and national rows are summed from district rows,
     so the last summation of a period sees every district row committed before it.
SQLite serialises writers by itself.

Staleness: a report that changes state marks its district-quarter stale in the same transaction
(mark_stale); a rebuild removes the marks it saw when it started, and only if they have not been
marked again since, so a change that lands during a rebuild is never forgotten.
"""

import datetime
import functools
import io
import logging
import operator
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, MutableMapping, Sequence
from decimal import Decimal
from typing import Any, cast

from django.db import connection, transaction
from django.db.models import Count, Exists, Field, Model, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from districts.models import District
from reports import indicators
from reports.models import (
    COUNTED_STATUSES,
    CommuneQuarter,
    DistrictReport,
    OdfStatus,
    ReportingPeriod,
    ReportStatus,
    Training,
    VillageQuarter,
    submitted_on_time,
)
from reports.rollups.models import NATIONAL_CODE, DataState, Rollup, RollupLevel, StaleRollup

logger = logging.getLogger(__name__)

# The report statuses whose figures each data state counts. Draft and returned reports count nowhere.
STATUSES_BY_STATE = {
    DataState.APPROVED: (ReportStatus.APPROVED,),
    DataState.PROVISIONAL: COUNTED_STATUSES,
}
STATES = list(STATUSES_BY_STATE)

VILLAGE_SUMS = {f"sum_{f}": Sum(f) for f in VillageQuarter.COUNT_FIELDS}
VILLAGE_COUNTS = {
    "villages_reported": Count("id"),
    "villages_triggered": Count("id", filter=Q(odf_status=OdfStatus.TRIGGERED)),
    "odf_villages_declared": Count("id", filter=Q(odf_status=OdfStatus.DECLARED)),
    "odf_villages_verified": Count("id", filter=Q(odf_status=OdfStatus.VERIFIED)),
}
ACTIVITY_SUMS = {f"sum_{f}": Sum(f) for f in CommuneQuarter.ACTIVITY_FIELDS}
TRAINING_SUMS = {
    "trainings": Count("id"),
    "trained_provincial": Sum("participants_provincial"),
    "trained_district": Sum("participants_district"),
    "trained_commune": Sum("participants_commune"),
    "trained_village": Sum("participants_village"),
    "trained_women": Sum("women"),
}
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

# Advisory-lock namespaces (see the module docstring for the order).
LOCK_PERIOD, LOCK_DISTRICT, LOCK_UPPER = 1, 2, 3
# From this many rows, _upsert loads them with COPY (PostgreSQL); fewer go in one INSERT ... VALUES.
COPY_FROM_ROWS = 500
# repair_stale rebuilds a whole quarter at once when this many of its districts are stale.
WHOLE_PERIOD_AT = 20

# One grouped row of a source query: {field or alias: value}.
Group = Mapping[str, Any]
# A unit's summed counts (int) and amounts (Decimal) by rollup field; a missing field is 0.
Sums = defaultdict[str, int | Decimal]
# One rollup row as written: its values in ROW_FIELDS order (key, ids, built_at, then the sums).
RowValues = tuple[str | int | Decimal | datetime.datetime | None, ...]


# --- Rebuilding -------------------------------------------------------------------------------


def rebuild_district_quarter(district_id: int, period_id: int) -> int:
    """Rebuild one district-quarter: its commune and district rows, then its province's row and the nation's.

    Both data states. If the quarter was never built as a whole, builds the whole quarter instead
    (the province and national rows are sums of all district rows, so those must exist).
    Returns the number of rows written.
    """
    period = ReportingPeriod.objects.filter(pk=period_id).first()
    district = District.objects.filter(pk=district_id).values("id", "province_id").first()
    if period is None or district is None:
        return 0  # deleted since the task was queued: nothing to roll up
    if Rollup.objects.filter(level=RollupLevel.NATIONAL, period=period).count() < len(STATES):
        return rebuild_period(period_id)
    with transaction.atomic():
        _advisory_lock(LOCK_PERIOD, period_id, shared=True)
        _advisory_lock(LOCK_DISTRICT, period_id, district_id)
        seen = _marks_seen(period_id, district_id=district_id)
        stamp = timezone.now()
        rows = _commune_and_district_rows(period, stamp, district_id=district_id)
        _upsert(rows)
        _delete_unbuilt(
            Rollup.objects.filter(
                period=period, level__in=[RollupLevel.COMMUNE, RollupLevel.DISTRICT], district_id=district_id
            ),
            stamp,
        )
        _advisory_lock(LOCK_UPPER, period_id)
        written = len(rows) + _rebuild_upper(period, stamp, province_id=district["province_id"])
        _clear_marks(seen)
    return written


def rebuild_period(period_id: int) -> int:
    """Rebuild every row of one quarter (both data states). Returns the number of rows written."""
    period = ReportingPeriod.objects.filter(pk=period_id).first()
    if period is None:
        return 0
    with transaction.atomic():
        _advisory_lock(LOCK_PERIOD, period_id)
        seen = _marks_seen(period_id)
        stamp = timezone.now()
        rows = _commune_and_district_rows(period, stamp)
        _upsert(rows)
        _delete_unbuilt(
            Rollup.objects.filter(period=period, level__in=[RollupLevel.COMMUNE, RollupLevel.DISTRICT]), stamp
        )
        _advisory_lock(LOCK_UPPER, period_id)
        written = len(rows) + _rebuild_upper(period, stamp)
        _delete_unbuilt(
            Rollup.objects.filter(period=period, level__in=[RollupLevel.PROVINCE, RollupLevel.NATIONAL]), stamp
        )
        _clear_marks(seen)
    return written


def rebuild_all(progress: Callable[[int, int, ReportingPeriod], object] | None = None) -> int:
    """Rebuild every quarter, oldest first, one transaction each. `progress(done, total, period)` after each.

    Returns the number of rows written.
    """
    periods = list(ReportingPeriod.objects.order_by("year", "quarter"))
    written = 0
    for done, period in enumerate(periods, start=1):
        written += rebuild_period(period.pk)
        if progress:
            progress(done, len(periods), period)
    return written


def repair_stale() -> dict[str, int]:
    """Rebuild every stale district-quarter (a whole quarter when many of its districts are stale).

    Returns {"rebuilt": district-quarters covered, "failed": how many could not be rebuilt}; a
    failure is logged and its mark kept for the next run.
    """
    by_period: defaultdict[int, list[int]] = defaultdict(list)
    for district_id, period_id in StaleRollup.objects.order_by("period_id", "district_id").values_list(
        "district_id", "period_id"
    ):
        by_period[period_id].append(district_id)
    rebuilt = failed = 0
    for period_id, district_ids in by_period.items():
        jobs: list[tuple[Callable[..., int], tuple[int, ...]]] = (
            [(rebuild_period, (period_id,))]
            if len(district_ids) >= WHOLE_PERIOD_AT
            else [(rebuild_district_quarter, (district_id, period_id)) for district_id in district_ids]
        )
        for function, args in jobs:
            try:
                function(*args)
            except Exception:
                logger.exception("Rollup repair of %s%r failed; it stays marked stale.", function.__name__, args)
                failed += 1 if function is rebuild_district_quarter else len(district_ids)
            else:
                rebuilt += 1 if function is rebuild_district_quarter else len(district_ids)
    return {"rebuilt": rebuilt, "failed": failed}


# --- One report as it stands ---------------------------------------------------------------------


def report_rows(report: DistrictReport) -> tuple[Rollup | None, list[Rollup]]:
    """(district row, [commune rows]) of one report in any status, as unsaved Rollup objects.

    The rollup tables hold submitted and approved reports only, and a draft's PDF prints its own
    figures: these are summed by the very queries and arithmetic of a rebuild, counting this report
    whatever its status. Four queries.
    """
    state = DataState.APPROVED if report.status == ReportStatus.APPROVED else DataState.PROVISIONAL
    rows = _commune_and_district_rows(
        report.period, timezone.now(), district_id=report.district_id, counting={state: (report.status,)}
    )
    communes = {commune.pk: commune for commune in report.district.communes.all()}
    district, commune_rows = None, []
    for values in rows:
        row = Rollup(**dict(zip(_ROW_ATTRIBUTES, values, strict=True)))
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
) -> list[RowValues]:
    """Rollup rows (tuples) for the communes and districts of a quarter, or of one district.

    `counting`: {data state: the report statuses it adds up}; a row for every state in it.
    """
    queries = source_queries(period, district_id, statuses=tuple({s for group in counting.values() for s in group}))
    districts = {d["id"]: d for d in queries["districts"]}
    reports = {r["district_id"]: r for r in queries["reports"]}
    trainings = {t["report_id"]: t for t in queries["trainings"]}

    communes: dict[DataState, defaultdict[int, Sums]] = {
        state: defaultdict(lambda: defaultdict(int)) for state in counting
    }  # state -> commune id -> sums
    commune_keys: dict[int, tuple[str, int]] = {}  # commune id -> (code, district id)
    for groups, commune_field in ((queries["villages"], "village__commune"), (queries["activities"], "commune")):
        for group in groups:
            commune_id = group[f"{commune_field}_id"]
            commune_keys[commune_id] = (group[f"{commune_field}__code"], group["report__district_id"])
            for state in _states_counting(group["report__status"], counting):
                _add(communes[state][commune_id], group)

    rows: list[RowValues] = []
    for state in counting:
        by_district: defaultdict[int, Sums] = defaultdict(lambda: defaultdict(int))
        for commune_id, sums in communes[state].items():
            code, owner = commune_keys[commune_id]
            sums["communes_reported"] = 1
            sums["odf_communes"] = int(0 < sums["villages_reported"] == sums["odf_villages_verified"])
            _add(by_district[owner], sums)
            rows.append(
                _row(
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
            rows.append(
                _row(
                    RollupLevel.DISTRICT,
                    district["code"],
                    period,
                    state,
                    stamp,
                    sums,
                    district_id=owner,
                    province_id=district["province_id"],
                )
            )
    return rows


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
    sums = {f"sum_{f}": Sum(f) for f in Rollup.SUM_FIELDS if f != "reports_expected"}
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
    rows: list[RowValues] = []
    for group in in_provinces.values("province_id", "province__code", "data_state").annotate(**sums).order_by():
        values = _strip(group) | {"reports_expected": expected_by_province.get(group["province_id"], 0)}
        rows.append(
            _row(
                RollupLevel.PROVINCE,
                group["province__code"],
                period,
                group["data_state"],
                stamp,
                values,
                province_id=group["province_id"],
            )
        )
    national_expected = expected.count()
    for national in district_rows.values("data_state").annotate(**sums).order_by():
        rows.append(
            _row(
                RollupLevel.NATIONAL,
                NATIONAL_CODE,
                period,
                national["data_state"],
                stamp,
                _strip(national) | {"reports_expected": national_expected},
            )
        )
    _upsert(rows)
    return len(rows)


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


def _row(
    level: str,
    code: str,
    period: ReportingPeriod,
    state: str,
    stamp: datetime.datetime,
    sums: Mapping[str, int | Decimal],
    province_id: int | None = None,
    district_id: int | None = None,
    commune_id: int | None = None,
) -> RowValues:
    """One rollup row as a tuple in ROW_FIELDS order; `sums` is a defaultdict(int) or has every sum field."""
    return (level, code, period.pk, state, province_id, district_id, commune_id, stamp, *_sum_values(sums))


_sum_values = operator.itemgetter(*Rollup.SUM_FIELDS)
ROW_FIELDS = [
    "level",
    "code",
    "period",
    "data_state",
    "province",
    "district",
    "commune",
    "built_at",
    *Rollup.SUM_FIELDS,
]
_ROW_ATTRIBUTES = [
    f"{name}_id" if name in ("period", "province", "district", "commune") else name for name in ROW_FIELDS
]


def _upsert(rows: list[RowValues]) -> None:
    """Insert rows, or update them where their (level, code, period, data_state) exists.

    INSERT ... ON CONFLICT DO UPDATE written from the model's metadata rather than with bulk_create(
    update_conflicts=True), which builds the same statement but prepares its ~190,000 parameters one
    field at a time: with it a national quarter (3,500 rows of 54 columns) took 1.2 s to rebuild, not
    0.3 s; even a plain multi-row VALUES statement of that size took 0.4-0.6 s to write. On PostgreSQL
    many rows are therefore streamed with COPY into a temporary table and upserted from there in one
    statement (about 0.1 s per national quarter); a few rows (one district's) go in one VALUES
    statement. SQLite gets executemany.
    """
    if not rows:
        return
    # A fixed order, so two writers of overlapping rows lock them in the same order (no deadlock).
    rows.sort(key=lambda row: (row[0], row[1], row[3]))
    quote, meta = connection.ops.quote_name, Rollup._meta
    columns = [quote(_column(name)) for name in ROW_FIELDS]
    key = [quote(_column(name)) for name in Rollup.KEY_FIELDS]
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in columns if column not in key)
    insert = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) %s ON CONFLICT ({', '.join(key)}) "
        f"DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(rows) < COPY_FROM_ROWS:
            from psycopg2.extras import execute_values

            execute_values(cursor.cursor, insert % "VALUES %s", rows, page_size=COPY_FROM_ROWS)
        elif connection.vendor == "postgresql":
            buffer = io.StringIO()
            for row in rows:
                buffer.write("\t".join([r"\N" if value is None else str(value) for value in row]))
                buffer.write("\n")
            buffer.seek(0)
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS rollup_load ON COMMIT DELETE ROWS AS "
                f"SELECT {', '.join(columns)} FROM {quote(meta.db_table)} WITH NO DATA"
            )
            cursor.cursor.copy_expert(f"COPY rollup_load ({', '.join(columns)}) FROM STDIN", buffer)
            cursor.execute(insert % f"SELECT {', '.join(columns)} FROM rollup_load")
            cursor.execute("DELETE FROM rollup_load")
        else:
            stamp_at = ROW_FIELDS.index("built_at")
            stamp = connection.ops.adapt_datetimefield_value(cast(datetime.datetime, rows[0][stamp_at]))
            rows = [(*row[:stamp_at], stamp, *row[stamp_at + 1 :]) for row in rows]
            cursor.executemany(insert % f"VALUES ({', '.join(['%s'] * len(columns))})", rows)


def _column(name: str) -> str:
    """The database column of a Rollup field (each of ROW_FIELDS is a concrete field, so it has one)."""
    field = Rollup._meta.get_field(name)
    assert isinstance(field, Field) and field.column is not None
    return field.column


def _delete_unbuilt(rows: QuerySet[Rollup], stamp: datetime.datetime) -> None:
    """Delete rows of the rebuilt scope that this build did not write: their data is gone (e.g. reopened)."""
    rows.exclude(built_at=stamp).delete()


def _marks_seen(period_id: int, district_id: int | None = None) -> list[tuple[int, datetime.datetime]]:
    marks = StaleRollup.objects.filter(period_id=period_id)
    if district_id is not None:
        marks = marks.filter(district_id=district_id)
    return list(marks.values_list("pk", "marked_at"))


def _clear_marks(seen: Sequence[tuple[int, datetime.datetime]]) -> None:
    """Delete the marks this rebuild covered, unless marked again since it started."""
    if seen:
        condition = Q()
        for pk, marked_at in seen:
            condition |= Q(pk=pk, marked_at__lte=marked_at)
        StaleRollup.objects.filter(condition).delete()


def _advisory_lock(namespace: int, period_id: int, district_id: int = 0, shared: bool = False) -> None:
    """A PostgreSQL advisory lock held to the end of the transaction; nothing on other databases."""
    if connection.vendor != "postgresql":
        return
    key = (namespace << 56) | (period_id << 28) | district_id
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_advisory_xact_lock{'_shared' if shared else ''}(%s)", [key])
