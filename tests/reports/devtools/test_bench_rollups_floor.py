"""bench_rollups' floor: one SQL statement (reports/rollups/sql.py over every quarter, or one) that must write
exactly the rows either rebuild path writes, carry-forward included (PostgreSQL only, as the benchmark)."""

import datetime

import pytest
from django.db import connection

from reports.devtools.management.commands import bench_rollups
from reports.rollups import build as rollup
from reports.rollups.models import DataState, RollupLevel
from tests.factories import DistrictReportFactory, ReportingPeriodFactory
from tests.reports.rollups.helpers import BUILDERS, require_postgresql, use_builder


@pytest.fixture(params=BUILDERS)
def quarters(world, monkeypatch, request):
    """A: approved, submitted late, missing, returned; B: approved every quarter (trainings in Q2), retired during
    Q3 yet reporting in Q4; C: approved in Q2 only, a draft in Q4. Rolled up by each rebuild path in turn."""
    require_postgresql()
    use_builder(monkeypatch, request.param)
    q1, q2, q3, q4 = (ReportingPeriodFactory(year=2019, quarter=n) for n in (1, 2, 3, 4))
    a, b, c = world.district_a, world.district_b, world.district_c
    DistrictReportFactory(district=a, period=q1, filled=True, approved=True)
    DistrictReportFactory(district=a, period=q2, filled=True, submitted=True, late=True, villages__total=150)
    DistrictReportFactory(district=a, period=q4, filled=True, returned=True)
    for period in (q1, q2, q3, q4):
        DistrictReportFactory(
            district=b,
            period=period,
            filled=True,
            approved=True,
            villages__odf_status="verified",
            trainings=[{}, {"women": 3}] if period == q2 else [],
        )
    type(b).objects.filter(pk=b.pk).update(retired_on=datetime.date(2019, 8, 1))
    DistrictReportFactory(district=c, period=q2, filled=True, approved=True)
    DistrictReportFactory(district=c, period=q4, filled=True)
    rollup.rebuild_all()
    return q1, q2, q3, q4


def floor_rows(command, **where):
    with connection.cursor() as cursor:
        conditions = " AND ".join(f"{column} = %s" for column in where)
        cursor.execute(
            f"SELECT level, code, data_state, carried_units, carried_since, households_total, latrines_built "
            f"FROM {bench_rollups.FLOOR_TABLE} WHERE {conditions} ORDER BY level, code, data_state",
            list(where.values()),
        )
        return cursor.fetchall()


def test_the_floor_writes_the_rebuilds_rows_field_by_field_carry_forward_included(quarters, world):
    q1, q2, q3, q4 = quarters
    command = bench_rollups.Command()
    command._create_floor_table()

    command._floor()  # every quarter
    assert command._compare_with_floor() == {}
    # It carries: A's Q1 figures into Q2's approved rows (Q2 is only submitted) and into both states in Q3.
    carried = floor_rows(command, level=RollupLevel.DISTRICT, code="0508", period_id=q3.pk)
    assert [(state, units, since) for _level, _code, state, units, since, *_ in carried] == [
        (DataState.APPROVED, 1, q1.bounds[0]),
        (DataState.PROVISIONAL, 1, q2.bounds[0]),
    ]
    assert all(latrines == 0 for *_, latrines in carried)  # flows are not carried

    command._floor(q4)  # one quarter
    assert command._compare_with_floor() == {}
    assert {code for _level, code, *_ in floor_rows(command, level=RollupLevel.DISTRICT, period_id=q4.pk)} == {
        "0508",
        "0501",
        "2501",
    }
