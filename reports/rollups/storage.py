"""How rollup rows are written and guarded: rows as tuples, the upsert, stale marks, advisory locks.

The rebuild (build.py) computes rows; this module writes them. Lock order and staleness are explained
in build.py's docstring.
"""

import datetime
import operator
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import cast

from django.db import connection
from django.db.models import Field, Q, QuerySet

from reports.models import ReportingPeriod
from reports.rollups.models import Rollup, StaleRollup

# Advisory-lock namespaces (see the module docstring for the order).
LOCK_PERIOD, LOCK_DISTRICT, LOCK_UPPER = 1, 2, 3
# From this many rows, _upsert loads them with COPY (PostgreSQL); fewer go in one INSERT ... VALUES.
COPY_FROM_ROWS = 500

# One rollup row as written: its values in ROW_FIELDS order (key, ids, built_at, carried_since, then the sums).
RowValues = tuple[str | int | Decimal | datetime.date | None, ...]


def row_values(
    level: str,
    code: str,
    period: ReportingPeriod,
    state: str,
    stamp: datetime.datetime,
    sums: Mapping[str, int | Decimal],
    province_id: int | None = None,
    district_id: int | None = None,
    commune_id: int | None = None,
    carried_since: datetime.date | None = None,
) -> RowValues:
    """One rollup row as a tuple in ROW_FIELDS order; `sums` is a defaultdict(int) or has every sum field."""
    return (
        level,
        code,
        period.pk,
        state,
        province_id,
        district_id,
        commune_id,
        stamp,
        carried_since,
        *_sum_values(sums),
    )


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
    "carried_since",
    *Rollup.SUM_FIELDS,
]
ROW_ATTRIBUTES = [
    f"{name}_id" if name in ("period", "province", "district", "commune") else name for name in ROW_FIELDS
]


def upsert(rows: list[RowValues]) -> None:
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
            one_row = f"({', '.join(['%s'] * len(columns))})"
            cursor.execute(insert % f"VALUES {', '.join([one_row] * len(rows))}", [v for row in rows for v in row])
        elif connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS rollup_load ON COMMIT DELETE ROWS AS "
                f"SELECT {', '.join(columns)} FROM {quote(meta.db_table)} WITH NO DATA"
            )
            with cursor.cursor.copy(f"COPY rollup_load ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
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


def delete_unbuilt(rows: QuerySet[Rollup], stamp: datetime.datetime) -> None:
    """Delete rows of the rebuilt scope that this build did not write: their data is gone (e.g. reopened)."""
    rows.exclude(built_at=stamp).delete()


def marks_seen(period_id: int | None = None, district_id: int | None = None) -> list[tuple[int, datetime.datetime]]:
    """(pk, marked_at) of the stale marks of a quarter (or of every quarter), or of one district of it."""
    marks = StaleRollup.objects.all() if period_id is None else StaleRollup.objects.filter(period_id=period_id)
    if district_id is not None:
        marks = marks.filter(district_id=district_id)
    return list(marks.values_list("pk", "marked_at"))


CLEAR_MARKS_AT_ONCE = 400


def clear_marks(seen: Sequence[tuple[int, datetime.datetime]]) -> None:
    """Delete the marks this rebuild covered, unless marked again since it started (in statements of
    CLEAR_MARKS_AT_ONCE marks: a full rebuild may see every district-quarter's)."""
    for start in range(0, len(seen), CLEAR_MARKS_AT_ONCE):
        condition = Q()
        for pk, marked_at in seen[start : start + CLEAR_MARKS_AT_ONCE]:
            condition |= Q(pk=pk, marked_at__lte=marked_at)
        StaleRollup.objects.filter(condition).delete()


def advisory_lock(namespace: int, period_id: int, district_id: int = 0, shared: bool = False) -> None:
    """A PostgreSQL advisory lock held to the end of the transaction; nothing on other databases."""
    if connection.vendor != "postgresql":
        return
    key = (namespace << 56) | (period_id << 28) | district_id
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_advisory_xact_lock{'_shared' if shared else ''}(%s)", [key])
