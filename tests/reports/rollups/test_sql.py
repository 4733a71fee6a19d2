"""The SQL rebuild (reports/rollups/sql.py, PostgreSQL) writes exactly the rows of the Python rebuild (build.py, the
reference): whole quarters, one district at a time, quarters built out of order or never built, carry-forward,
retired and succeeding districts, every report status, trainings, commune activities and the on-time rule."""

import datetime
import zoneinfo

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from reports.models import DistrictReport, ReportStatus
from reports.rollups import build as rollup
from reports.rollups import sql
from reports.rollups.models import Rollup
from tests.factories import DistrictReportFactory, ReportingPeriodFactory
from tests.reports.rollups.helpers import require_postgresql, snapshot, use_builder

TRAINING = dict(
    topic="clts", participants_provincial=1, participants_district=2, participants_commune=3, participants_village=4
)


def rows():
    """Every rollup row's content, without the row id (each path may have inserted it) and the build time."""
    return [r[1:] for r in snapshot()]


def rebuilt(monkeypatch, path, action, *args):
    """The rows left after `action(*args)` by one path, starting from no rows at all."""
    use_builder(monkeypatch, path)
    Rollup.objects.all().delete()
    action(*args)
    return rows()


@pytest.fixture
def varied(world):
    """Five quarters of 2019-2020. A: approved, submitted late, missing, returned, approved with trainings; B:
    approved every quarter until it retires during Q3 (C, its successor, is expected only from Q4), then a draft;
    C: approved in Q2 (before it is expected), submitted in Q4 (first submitted just after midnight local time
    on the day after the deadline: late, though on time by the UTC date), missing in 2020 Q1."""
    require_postgresql()
    periods = [ReportingPeriodFactory(year=2019, quarter=n) for n in (1, 2, 3, 4)]
    periods.append(ReportingPeriodFactory(year=2020, quarter=1))
    q1, q2, q3, q4, q5 = periods
    a, b, c = world.district_a, world.district_b, world.district_c
    DistrictReportFactory(district=a, period=q1, filled=True, approved=True, wg_meeting_held=True)
    DistrictReportFactory(district=a, period=q2, filled=True, submitted=True, late=True, villages__total=150)
    DistrictReportFactory(district=a, period=q4, filled=True, returned=True)
    DistrictReportFactory(district=a, period=q5, filled=True, approved=True, trainings=[TRAINING, TRAINING])
    for period in (q1, q2, q3):
        DistrictReportFactory(
            district=b, period=period, filled=True, approved=True, villages__odf_status="verified", trainings=[{}]
        )
    DistrictReportFactory(district=b, period=q4)  # a draft counts nowhere
    type(b).objects.filter(pk=b.pk).update(retired_on=datetime.date(2019, 8, 1))
    b.successors.add(c)
    DistrictReportFactory(district=c, period=q2, filled=True, approved=True)
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    just_late = datetime.datetime.combine(q4.deadline + datetime.timedelta(days=1), datetime.time(0, 30), zone)
    DistrictReportFactory(district=c, period=q4, filled=True, submitted=True, submitted_at=just_late)
    return periods


def test_whole_quarters_in_sql_are_the_python_rows(varied, monkeypatch):
    python = rebuilt(monkeypatch, "python", rollup.rebuild_all)
    assert rebuilt(monkeypatch, "sql", rollup.rebuild_all) == python
    assert any(r[7] is not None for r in python)  # carried_since: something was carried
    late = DistrictReport.objects.get(district__code="2501", period=varied[3])
    assert not late.submitted_on_time  # the local date counts: the SQL's on-time rule agrees (rows equal)


def test_quarters_built_out_of_order_or_never_carry_the_same_figures(varied, monkeypatch):
    """Carry-forward takes the latest counted report at or before the quarter, built or not: here only the
    last quarter is built, or the quarters newest first."""
    _q1, _q2, _q3, q4, q5 = varied
    python = rebuilt(monkeypatch, "python", rollup.rebuild_period, q5.pk)
    assert rebuilt(monkeypatch, "sql", rollup.rebuild_period, q5.pk) == python
    use_builder(monkeypatch, "sql")
    Rollup.objects.all().delete()
    for period in reversed(varied):
        rollup.rebuild_period(period.pk)
    newest_first = rows()
    assert rebuilt(monkeypatch, "python", rollup.rebuild_all) == newest_first
    # A quarter built alone carries what a fully built history carries.
    assert [r for r in newest_first if r[2] == q4.pk] == [
        r for r in rebuilt(monkeypatch, "sql", rollup.rebuild_period, q4.pk) if r[2] == q4.pk
    ]


@pytest.mark.parametrize("first", ["python", "sql"])
def test_district_rebuilds_in_sql_are_the_python_rows(varied, world, monkeypatch, first):
    """A report changes state; the other path's incremental rebuild (later quarters carrying it included) leaves
    the rows a full rebuild by the first leaves, and writes as many rows."""
    q1, q2, *_ = varied
    second = "sql" if first == "python" else "python"
    for report, status in (
        (DistrictReport.objects.get(district=world.district_a, period=q1), ReportStatus.SUBMITTED),
        (DistrictReport.objects.get(district=world.district_a, period=q2), ReportStatus.APPROVED),
        (DistrictReport.objects.get(district=world.district_c, period=q2), ReportStatus.DRAFT),
    ):
        use_builder(monkeypatch, first)
        rollup.rebuild_all()
        report.status = status
        report.save()
        use_builder(monkeypatch, second)
        written = rollup.rebuild_district_quarter(report.district_id, report.period_id)
        incremental = rows()
        use_builder(monkeypatch, first)
        assert rollup.rebuild_district_quarter(report.district_id, report.period_id) == written
        assert rows() == incremental
        rollup.rebuild_all()
        assert rows() == incremental


def test_both_paths_count_as_many_rows_written(varied, monkeypatch):
    use_builder(monkeypatch, "python")
    python = [rollup.rebuild_period(period.pk) for period in varied]
    use_builder(monkeypatch, "sql")
    assert [rollup.rebuild_period(period.pk) for period in varied] == python
    assert sum(python) == Rollup.objects.count()


def test_a_sum_field_without_an_sql_expression_is_an_error(monkeypatch):
    monkeypatch.setattr(Rollup, "SUM_FIELDS", [*Rollup.SUM_FIELDS, "latrines_rebuilt"])
    sql._parts.cache_clear()
    try:
        with pytest.raises(ImproperlyConfigured, match="latrines_rebuilt"):
            sql.upsert_sql.__wrapped__(sql.Scope.PERIOD)
    finally:
        sql._parts.cache_clear()


def test_a_full_rebuild_in_one_statement_clears_what_it_covered_and_drops_rows_without_data(varied, world, monkeypatch):
    """rebuild_all on PostgreSQL is one statement over every quarter: it clears the stale marks of every quarter,
    and deletes the rows whose report was reopened."""
    from reports.rollups.models import StaleRollup

    q1, q2, *_ = varied
    use_builder(monkeypatch, "sql")
    rollup.rebuild_all()
    reopened = DistrictReport.objects.get(district=world.district_a, period=q2)
    DistrictReport.objects.filter(pk=reopened.pk).update(status=ReportStatus.DRAFT)
    DistrictReport.objects.filter(period=q1).update(status=ReportStatus.DRAFT)
    now = datetime.datetime.now(datetime.UTC)
    for period in varied:
        StaleRollup.objects.create(district=reopened.district, period=period, marked_at=now)
    rebuilt_rows = rollup.rebuild_all()
    assert not StaleRollup.objects.exists()
    assert rebuilt_rows == Rollup.objects.count()
    assert rows() == rebuilt(monkeypatch, "python", rollup.rebuild_all)
    assert not Rollup.objects.filter(period=q1, level="commune").exists()  # nothing counted in Q1 any more


def test_the_rollup_table_leaves_room_on_its_pages_for_updates_in_place(db):
    """fillfactor 50 (migration reports/0003): a rebuild's updates stay on their page (HOT), see bench_rollups."""
    from django.db import connection

    require_postgresql()
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [Rollup._meta.db_table])
        assert "fillfactor=50" in cursor.fetchone()[0]
