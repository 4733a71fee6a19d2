"""Carry-forward: a district without a report counted in a quarter keeps its latest earlier stock figures
(households by latrine type, ODF villages ...) in the province and national rows, marked; flow figures
(latrines built, activities, money) are the quarter's own reports only. The incremental rebuild of a
changed quarter also rebuilds the later quarters that carry its figures, and nothing else.
"""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from reports.models import CommuneQuarter, DistrictReport, ReportStatus, VillageQuarter
from reports.rollups import build as rollup
from reports.rollups import scheduling, tasks
from reports.rollups.models import NATIONAL_CODE, DataState, Rollup, RollupLevel, StaleRollup
from tests.factories import CommuneQuarterFactory, DistrictReportFactory, ReportingPeriodFactory, VillageQuarterFactory
from tests.reports.rollups.helpers import row, snapshot, use_broker
from tests.reports.rollups.test_build import STATUSES, direct_sums
from tests.reports.rollups.test_tasks import CLOSED_PORT_BROKER

# Every test here runs on both rebuild paths (conftest.builder): Python, and SQL on PostgreSQL.
pytestmark = pytest.mark.usefixtures("builder")

REPORTING_FIELDS = ["reports_expected", "reports_included", "reports_submitted", "reports_on_time", "reports_approved"]
FLOW_FIELDS = [
    f for f in Rollup.SUM_FIELDS if f not in Rollup.STOCK_FIELDS and f not in REPORTING_FIELDS + ["carried_units"]
]


def figures(rollup_row, fields):
    return {field: getattr(rollup_row, field) for field in fields}


def change_status(report, status):
    """What the workflow does to the rollups: change state and schedule the rebuild, in one transaction."""
    with transaction.atomic():
        report.status = status
        report.save()
        scheduling.schedule_rebuild(report=report)


@pytest.fixture
def three_quarters(world):
    """District A reports in Q1 and Q3 and misses Q2; district B reports every quarter (all approved)."""
    q1, q2, q3 = (ReportingPeriodFactory(year=2019, quarter=n) for n in (1, 2, 3))
    a1 = DistrictReportFactory(district=world.district_a, period=q1, filled=True, approved=True)
    DistrictReportFactory(
        district=world.district_a, period=q3, filled=True, approved=True, villages__total=150, villages__own=90
    )
    for period in (q1, q2, q3):
        DistrictReportFactory(district=world.district_b, period=period, filled=True, approved=True)
    rollup.rebuild_all()
    return q1, q2, q3, a1


def test_a_missed_quarter_carries_the_districts_stock_from_its_last_report_and_marks_it(three_quarters, world):
    q1, q2, q3, _a1 = three_quarters
    for state in DataState:
        own, carried = row(RollupLevel.DISTRICT, "0508", q1, state), row(RollupLevel.DISTRICT, "0508", q2, state)
        assert figures(carried, Rollup.STOCK_FIELDS) == figures(own, Rollup.STOCK_FIELDS)
        assert carried.households_total == 400 and carried.villages_reported == 4
        assert all(getattr(carried, field) == 0 for field in FLOW_FIELDS)  # nothing built or spent that we know of
        assert (carried.reports_included, carried.carried_units, carried.carried_since) == (0, 1, q1.bounds[0])
        assert carried.oldest_carried_quarter == (2019, 1)
        # Its communes too, each marked.
        communes = Rollup.objects.filter(
            level=RollupLevel.COMMUNE, period=q2, data_state=state, district=world.district_a
        )
        assert sorted(c.code for c in communes) == ["050801", "050802"]
        assert {c.carried_since for c in communes} == {q1.bounds[0]}
        assert sum(c.households_total for c in communes) == 400

        province = row(RollupLevel.PROVINCE, "05", q2, state)
        assert (province.households_total, province.reports_included, province.carried_units) == (800, 1, 1)
        assert province.carried_since == q1.bounds[0]
        assert province.latrines_built == row(RollupLevel.DISTRICT, "0501", q2, state).latrines_built
        # Q3: A reported again, nothing is carried.
        q3_province = row(RollupLevel.PROVINCE, "05", q3, state)
        assert (q3_province.households_total, q3_province.carried_units, q3_province.carried_since) == (1000, 0, None)


def test_a_figure_is_carried_through_several_missed_quarters_from_the_last_report(world):
    periods = [ReportingPeriodFactory(year=2019, quarter=n) for n in (1, 2, 3, 4)]
    DistrictReportFactory(district=world.district_a, period=periods[0], filled=True, approved=True)
    DistrictReportFactory(district=world.district_a, period=periods[2], filled=True)  # a draft counts nowhere
    rollup.rebuild_all()
    for period in periods[1:]:
        national = row(RollupLevel.NATIONAL, NATIONAL_CODE, period)
        assert (national.households_total, national.carried_units, national.carried_since) == (
            400,
            1,
            periods[0].bounds[0],
        )
    # Districts B and C never reported: excluded, neither carried nor counted.
    assert row(RollupLevel.DISTRICT, "0501", periods[3]).carried_since is None


def test_a_submitted_report_is_provisional_while_the_approved_state_carries_the_last_approved(three_quarters, world):
    q1, q2, _q3, _a1 = three_quarters
    DistrictReportFactory(
        district=world.district_a, period=q2, filled=True, submitted=True, villages__total=200, villages__own=100
    )
    rollup.rebuild_district_quarter(world.district_a.pk, q2.pk)
    provisional = row(RollupLevel.DISTRICT, "0508", q2, DataState.PROVISIONAL)
    approved = row(RollupLevel.DISTRICT, "0508", q2, DataState.APPROVED)
    assert (provisional.households_total, provisional.carried_since) == (800, None)
    assert (approved.households_total, approved.carried_since, approved.reports_submitted) == (400, q1.bounds[0], 1)


def test_approving_the_missed_report_replaces_the_carried_figures_on_commit(
    three_quarters, world, django_capture_on_commit_callbacks
):
    _q1, q2, q3, _a1 = three_quarters
    q3_built = set(Rollup.objects.filter(period=q3).values_list("built_at", flat=True))
    report = DistrictReportFactory(
        district=world.district_a, period=q2, filled=True, villages__total=120, villages__own=60
    )
    with django_capture_on_commit_callbacks(execute=True):
        change_status(report, ReportStatus.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        change_status(report, ReportStatus.APPROVED)
    for state in DataState:
        district = row(RollupLevel.DISTRICT, "0508", q2, state)
        assert (district.households_total, district.carried_units, district.carried_since) == (480, 0, None)
        province = row(RollupLevel.PROVINCE, "05", q2, state)
        assert (province.households_total, province.reports_included, province.carried_units) == (880, 2, 0)
    # Q3 holds A's own report in both states: it carries nothing from Q2 and was not touched.
    assert set(Rollup.objects.filter(period=q3).values_list("built_at", flat=True)) == q3_built
    assert not StaleRollup.objects.exists()


def test_a_changed_quarter_rebuilds_the_later_quarters_that_carry_it_and_no_others(three_quarters, world):
    q1, q2, q3, a1 = three_quarters
    untouched = {
        "Q3": set(Rollup.objects.filter(period=q3).values_list("id", "built_at")),
        "other districts' Q2 rows": set(
            Rollup.objects.filter(period=q2, level__in=[RollupLevel.COMMUNE, RollupLevel.DISTRICT])
            .exclude(district=world.district_a)
            .values_list("id", "built_at")
        ),
    }
    VillageQuarter.objects.filter(report=a1).update(households_total=110)
    rollup.rebuild_district_quarter(world.district_a.pk, q1.pk)
    assert row(RollupLevel.DISTRICT, "0508", q2).households_total == 440  # carried from the corrected Q1
    assert row(RollupLevel.NATIONAL, NATIONAL_CODE, q2).households_total == 840
    assert set(Rollup.objects.filter(period=q3).values_list("id", "built_at")) == untouched["Q3"]
    assert (
        set(
            Rollup.objects.filter(period=q2, level__in=[RollupLevel.COMMUNE, RollupLevel.DISTRICT])
            .exclude(district=world.district_a)
            .values_list("id", "built_at")
        )
        == untouched["other districts' Q2 rows"]
    )
    assert rollup.carried_later(world.district_a.pk, q1) == [q2.pk]
    # The same rows as a rebuild of everything.
    incremental = [r[1:] for r in snapshot()]
    rollup.rebuild_all()
    assert [r[1:] for r in snapshot()] == incremental


def test_with_the_broker_down_the_repair_carries_the_change_into_later_quarters(transactional_db, world):
    periods = [ReportingPeriodFactory(year=2019, quarter=n) for n in (1, 2, 3)]
    report = DistrictReportFactory(district=world.district_a, period=periods[0], filled=True)
    rollup.rebuild_all()
    with use_broker(CLOSED_PORT_BROKER):
        change_status(report, ReportStatus.SUBMITTED)  # the rebuild cannot be queued
    assert row(RollupLevel.NATIONAL, NATIONAL_CODE, periods[2], DataState.PROVISIONAL).households_total == 0
    assert tasks.repair_stale_rollups.apply().get()["failed"] == 0
    for period in periods:
        assert row(RollupLevel.NATIONAL, NATIONAL_CODE, period, DataState.PROVISIONAL).households_total == 400
    assert not StaleRollup.objects.exists()


def test_the_draft_pdf_of_a_report_shows_its_own_figures_never_carried_ones(three_quarters, world):
    _q1, q2, _q3, _a1 = three_quarters
    draft = DistrictReportFactory(district=world.district_a, period=q2)
    district, communes = rollup.report_rows(draft)
    assert (district.households_total, district.carried_since, communes) == (0, None, [])


# --- Random reporting patterns: the rollup equals a direct computation from each district's latest report -----

village_figures = st.fixed_dictionaries(
    {
        **{field: st.one_of(st.none(), st.integers(0, 300)) for field in VillageQuarter.COUNT_FIELDS},
        "odf_status": st.sampled_from(["", "triggered", "declared", "verified"]),
    }
)
QUARTERS = 4


def expected_rows(reports, districts, periods, state):
    """{(province code or KH, period index): {field: value}}: each district's stock figures from its latest
    report counted in `state` up to the quarter, flow figures from the quarter's own report, summed."""
    totals = {}
    for index, period in enumerate(periods):
        for district in districts:
            own = [r for r in reports if r.district_id == district.pk and r.period_id == period.pk]
            sums = direct_sums(own, state, period)  # reporting counts and, if counted, every figure
            carried_since = None
            if not sums["reports_included"]:
                earlier = [
                    (j, r)
                    for j, p in enumerate(periods[:index])
                    for r in reports
                    if r.district_id == district.pk and r.period_id == p.pk and r.status in STATUSES[state]
                ]
                if earlier:
                    j, latest = earlier[-1]
                    stock = direct_sums([latest], state, periods[j])
                    sums.update({field: stock[field] for field in Rollup.STOCK_FIELDS})
                    sums["carried_units"] = 1
                    carried_since = periods[j].bounds[0]
            for key in ((district.province.code, index), (NATIONAL_CODE, index)):
                unit = totals.setdefault(key, {"carried_since": None})
                for field in Rollup.SUM_FIELDS:
                    if field != "reports_expected":
                        unit[field] = unit.get(field, 0) + sums.get(field, 0)
                if carried_since and (unit["carried_since"] is None or carried_since < unit["carried_since"]):
                    unit["carried_since"] = carried_since
    return totals


def assert_upper_rows_match(reports, districts, periods):
    for state in DataState:
        for (code, index), wanted in expected_rows(reports, districts, periods, state).items():
            level = RollupLevel.NATIONAL if code == NATIONAL_CODE else RollupLevel.PROVINCE
            found = row(level, code, periods[index], state)
            got = {field: getattr(found, field) for field in wanted}
            assert got == wanted, (code, index, state, {f: (got[f], wanted[f]) for f in got if got[f] != wanted[f]})


@pytest.mark.slow  # 15 random reporting patterns of three districts over four quarters
@hypothesis_settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=st.data())
def test_stock_is_carried_from_each_districts_latest_report_and_flow_is_the_quarters_own(world, data):
    districts = [world.district_a, world.district_b, world.district_c]
    with transaction.atomic():
        periods = [ReportingPeriodFactory(year=2020, quarter=n) for n in range(1, QUARTERS + 1)]
        for period in periods:
            for district in districts:
                status = data.draw(st.one_of(st.none(), st.sampled_from(ReportStatus.values)), label="status")
                if status is None:
                    continue
                report = DistrictReportFactory(district=district, period=period, status=status)
                for commune in district.communes.order_by("code"):
                    CommuneQuarterFactory(
                        report=report, commune=commune, triggering_events=data.draw(st.integers(0, 5))
                    )
                    for village in commune.villages.order_by("code"):
                        VillageQuarterFactory(report=report, village=village, **data.draw(village_figures))
        rollup.rebuild_all()
        reports = list(DistrictReport.objects.select_related("district__province"))
        assert_upper_rows_match(reports, districts, periods)

        # One report of an early quarter changes state: the incremental rebuild (the changed quarter and the
        # later ones carrying it) leaves what a rebuild of everything leaves.
        changed = data.draw(st.sampled_from(reports), label="changed") if reports else None
        if changed is not None:
            changed.status = data.draw(st.sampled_from(ReportStatus.values), label="new status")
            changed.save()
            rollup.rebuild_district_quarter(changed.district_id, changed.period_id)
            incremental = [r[1:] for r in snapshot()]
            assert_upper_rows_match(
                list(DistrictReport.objects.select_related("district__province")), districts, periods
            )
            rollup.rebuild_all()
            assert [r[1:] for r in snapshot()] == incremental
        assert CommuneQuarter.objects.exists() or not reports
        transaction.set_rollback(True)
