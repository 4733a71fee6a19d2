"""Rollups: every row equals the sums counted directly from the data, rates are ratios of sums,
and rebuilding (whole quarter, one district, after a state change, from stale marks) agrees.
"""

import datetime
import io
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from reports import indicators
from reports.models import CommuneQuarter, DistrictReport, OdfStatus, ReportStatus, Training, VillageQuarter
from reports.rollups import build as rollup
from reports.rollups import scheduling, storage
from reports.rollups.models import NATIONAL_CODE, DataState, Rollup, RollupLevel, StaleRollup
from tests.factories import (
    CommuneQuarterFactory,
    DistrictReportFactory,
    ReportingPeriodFactory,
    VillageQuarterFactory,
)
from tests.reports.rollups.helpers import row, snapshot

STATUSES = {
    DataState.APPROVED: {ReportStatus.APPROVED},
    DataState.PROVISIONAL: {ReportStatus.SUBMITTED, ReportStatus.APPROVED},
}


# --- The oracle: sums counted directly from the data rows, one village at a time ----------------


def direct_sums(reports, state, period):
    """Every summed field of the rollup, computed the slow obvious way from the reports' own rows."""
    sums = Counter()
    for report in reports:
        delivered = report.status in (ReportStatus.SUBMITTED, ReportStatus.APPROVED)
        sums["reports_submitted"] += delivered
        sums["reports_on_time"] += delivered and report.submitted_on_time
        sums["reports_approved"] += report.status == ReportStatus.APPROVED
        if report.status not in STATUSES[state]:
            continue
        sums["reports_included"] += 1
        by_commune = defaultdict(list)
        for village_row in VillageQuarter.objects.filter(report=report).select_related("village"):
            by_commune[village_row.village.commune_id].append(village_row)
            for field in VillageQuarter.COUNT_FIELDS:
                sums[field] += getattr(village_row, field) or 0
            sums["villages_reported"] += 1
            sums["villages_triggered"] += village_row.odf_status == OdfStatus.TRIGGERED
            sums["odf_villages_declared"] += village_row.odf_status == OdfStatus.DECLARED
            sums["odf_villages_verified"] += village_row.odf_status == OdfStatus.VERIFIED
        activities = CommuneQuarter.objects.filter(report=report)
        communes = set(by_commune) | {a.commune_id for a in activities}
        sums["communes_reported"] += len(communes)
        sums["odf_communes"] += sum(
            all(v.odf_status == OdfStatus.VERIFIED for v in rows) for rows in by_commune.values()
        )
        for activity in activities:
            for field in CommuneQuarter.ACTIVITY_FIELDS:
                sums[field] += getattr(activity, field) or 0
        for training in Training.objects.filter(report=report):
            sums["trainings"] += 1
            sums["trained_provincial"] += training.participants_provincial
            sums["trained_district"] += training.participants_district
            sums["trained_commune"] += training.participants_commune
            sums["trained_village"] += training.participants_village
            sums["trained_women"] += training.women
        sums["dwg_meetings_held"] += bool(report.wg_meeting_held)
        sums["dwg_attendance"] += report.wg_meeting_attendance or 0
        sums["dwg_attendance_women"] += report.wg_meeting_attendance_women or 0
        for field in ("ft_annual_allocation", "ft_received", *DistrictReport.SPENT_FIELDS):
            sums[field] += getattr(report, field) or 0
        sums["spent_total"] += report.spent_total or 0
    return sums


def assert_row_equals(rollup_row, sums, expected):
    found = {field: getattr(rollup_row, field) for field in Rollup.SUM_FIELDS}
    wanted = {field: sums.get(field, 0) for field in Rollup.SUM_FIELDS} | {"reports_expected": expected}
    assert found == wanted, {f: (found[f], wanted[f]) for f in found if found[f] != wanted[f]}


def assert_rollups_equal_direct_counts(period, districts, provinces):
    first_day = period.bounds[0]
    reports = list(DistrictReport.objects.filter(period=period).select_related("period"))
    for state in DataState:

        def expected(units):
            return sum(d.retired_on is None or d.retired_on > first_day for d in units)

        for district in districts:
            mine = [r for r in reports if r.district_id == district.pk]
            if not mine and not expected([district]):
                # Retired before the quarter and nothing filed: no row.
                assert not Rollup.objects.filter(level=RollupLevel.DISTRICT, code=district.code, period=period).exists()
                continue
            assert_row_equals(
                row(RollupLevel.DISTRICT, district.code, period, state),
                direct_sums(mine, state, period),
                expected([district]),
            )
        for province in provinces:
            members = [d for d in districts if d.province_id == province.pk]
            mine = [r for r in reports if r.district.province_id == province.pk]
            assert_row_equals(
                row(RollupLevel.PROVINCE, province.code, period, state),
                direct_sums(mine, state, period),
                expected(members),
            )
        national = row(RollupLevel.NATIONAL, NATIONAL_CODE, period, state)
        sums = direct_sums(reports, state, period)
        assert_row_equals(national, sums, expected(districts))
        # Rates are the ratio of the summed counts, computed by the indicator module.
        assert national.sanitation_coverage == indicators.sanitation_coverage(
            improved_own=sums["hh_improved_own"],
            improved_shared=sums["hh_improved_shared"],
            total=sums["households_total"],
        )
        assert national.idpoor_coverage == indicators.ratio_pct(sums["idpoor_improved"], sums["idpoor_households"])
        assert national.open_defecation == indicators.ratio_pct(sums["hh_open_defecation"], sums["households_total"])
        assert national.budget_utilisation == indicators.ratio_pct(sums["spent_total"], sums["ft_received"])
        # Commune rows: one per commune with data in the state, equal to that commune's own rows.
        for commune_row in Rollup.objects.filter(level=RollupLevel.COMMUNE, period=period, data_state=state):
            village_rows = VillageQuarter.objects.filter(
                report__period=period, village__commune__code=commune_row.code, report__status__in=STATUSES[state]
            )
            totals = {f: sum(getattr(v, f) or 0 for v in village_rows) for f in VillageQuarter.COUNT_FIELDS}
            assert {f: getattr(commune_row, f) for f in totals} == totals
            assert commune_row.villages_reported == len(village_rows)
            assert commune_row.odf_communes == int(
                bool(village_rows) and all(v.odf_status == OdfStatus.VERIFIED for v in village_rows)
            )


# --- Random data: the rollup equals a direct count -----------------------------------------------

counts = st.one_of(st.none(), st.integers(0, 400))
village_strategy = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {
            **{field: counts for field in VillageQuarter.COUNT_FIELDS},
            "odf_status": st.sampled_from(["", *OdfStatus.values]),
        }
    ),
)
money = st.one_of(st.none(), st.decimals(0, 5000, places=2))
activity_strategy = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {
            **{field: counts for field in CommuneQuarter.ACTIVITY_FIELDS if field != "commune_budget"},
            "commune_budget": money,
        }
    ),
)
training_strategy = st.fixed_dictionaries(
    {
        "topic": st.just("clts"),
        "participants_provincial": st.integers(0, 5),
        "participants_district": st.integers(0, 9),
        "participants_commune": st.integers(0, 30),
        "participants_village": st.integers(0, 40),
        "women": st.integers(0, 30),
    }
)
report_strategy = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {
            "status": st.sampled_from(ReportStatus.values),
            "late": st.booleans(),
            "wg_meeting_held": st.one_of(st.none(), st.booleans()),
            "wg_meeting_attendance": counts,
            "ft_annual_allocation": money,
            "ft_received": money,
            **{field: money for field in DistrictReport.SPENT_FIELDS},
            "trainings": st.lists(training_strategy, max_size=2),
        }
    ),
)


@pytest.mark.slow  # 25 random quarters
@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=st.data())
def test_every_row_equals_the_sum_counted_directly_from_villages(world, builder, data):
    districts = [world.district_a, world.district_b, world.district_c]
    provinces = [world.province_p, world.province_q]
    with transaction.atomic():
        period = ReportingPeriodFactory(year=2023, quarter=2)
        # Sometimes district B was retired before the quarter: not expected, yet its report (if any) still counts.
        if data.draw(st.booleans(), label="retire B"):
            type(world.district_b).objects.filter(pk=world.district_b.pk).update(retired_on=datetime.date(2023, 1, 1))
        for district in districts:
            report = data.draw(report_strategy, label=f"report {district.code}")
            if report is None:
                continue
            status, late, trainings = report.pop("status"), report.pop("late"), report.pop("trainings")
            made = DistrictReportFactory(
                district=district, period=period, status=status, on_time=not late, trainings=trainings, **report
            )
            for commune in district.communes.order_by("code"):
                activities = data.draw(activity_strategy, label=f"activities {commune.code}")
                if activities is not None:
                    CommuneQuarterFactory(report=made, commune=commune, **activities)
                for village in commune.villages.order_by("code"):
                    figures = data.draw(village_strategy, label=f"village {village.code}")
                    if figures is not None:
                        VillageQuarterFactory(report=made, village=village, **figures)
        for district in districts:
            district.refresh_from_db()

        rollup.rebuild_period(period.pk)
        assert_rollups_equal_direct_counts(period, districts, provinces)

        # One district's report changes state; its incremental rebuild leaves what a full rebuild would.
        changed = data.draw(
            st.sampled_from(list(DistrictReport.objects.filter(period=period)))
            if DistrictReport.objects.filter(period=period).exists()
            else st.none(),
            label="changed",
        )
        if changed is not None:
            changed.status = data.draw(st.sampled_from(ReportStatus.values), label="new status")
            changed.save()
            rollup.rebuild_district_quarter(changed.district_id, period.pk)
            assert_rollups_equal_direct_counts(period, districts, provinces)
            incremental = [r[1:] for r in snapshot()]
            rollup.rebuild_period(period.pk)
            assert [r[1:] for r in snapshot()] == incremental
        transaction.set_rollback(True)


# --- Specific cases -------------------------------------------------------------------------------


def test_district_coverage_is_the_ratio_of_sums_not_the_mean_of_villages(world):
    period = ReportingPeriodFactory()
    # A big village at 10% and a small one at 100%: the commune has 19 of 100 households covered, not 55%.
    figures = {
        "05080101": dict(total=90, own=9, shared=0, unimproved=81),
        "05080102": dict(total=10, own=5, shared=5, unimproved=0),
    }
    DistrictReportFactory(district=world.district_a, period=period, filled=True, approved=True, villages=figures)
    rollup.rebuild_period(period.pk)
    for level, code in (
        (RollupLevel.COMMUNE, "050801"),
        (RollupLevel.DISTRICT, "0508"),
        (RollupLevel.PROVINCE, "05"),
        (RollupLevel.NATIONAL, NATIONAL_CODE),
    ):
        assert row(level, code, period).sanitation_coverage == 19.0
        assert row(level, code, period).households_total == 100


def test_only_approved_reports_count_unless_provisional_is_asked_for(world):
    period = ReportingPeriodFactory()
    DistrictReportFactory(district=world.district_a, period=period, filled=True, approved=True)
    DistrictReportFactory(district=world.district_b, period=period, filled=True, submitted=True)
    DistrictReportFactory(district=world.district_c, period=period, filled=True, returned=True)
    rollup.rebuild_period(period.pk)
    approved, provisional = (row(RollupLevel.NATIONAL, NATIONAL_CODE, period, s) for s in DataState)
    assert approved.households_total == 400 and approved.reports_included == 1
    assert provisional.households_total == 800 and provisional.reports_included == 2
    assert provisional.is_provisional and not approved.is_provisional
    for national in (approved, provisional):
        # Reporting counts describe the workflow and are the same in both states; returned is not delivered.
        assert (national.reports_expected, national.reports_submitted, national.reports_approved) == (3, 2, 1)
        assert national.reporting_completeness == pytest.approx(200 / 3)
    assert not Rollup.objects.filter(level=RollupLevel.COMMUNE, code__startswith="2501").exists()
    assert not Rollup.objects.filter(
        level=RollupLevel.COMMUNE, code__startswith="0501", data_state=DataState.APPROVED
    ).exists()
    assert Rollup.objects.for_state(provisional=True).filter(level=RollupLevel.COMMUNE).count() == 4
    assert list(Rollup.objects.for_unit(world.district_c).for_state().values_list("reports_included", flat=True)) == [0]


def test_districts_without_a_report_have_a_row_showing_the_missing_report(world):
    period = ReportingPeriodFactory()
    DistrictReportFactory(district=world.district_a, period=period, filled=True, approved=True)
    rollup.rebuild_period(period.pk)
    missing = row(RollupLevel.DISTRICT, "2501", period)
    assert (missing.reports_expected, missing.reports_submitted, missing.households_total) == (1, 0, 0)
    assert missing.sanitation_coverage is None  # a rate over nothing is undefined, not 0%
    assert row(RollupLevel.PROVINCE, "25", period).reporting_completeness == 0.0
    assert row(RollupLevel.PROVINCE, "05", period).reporting_completeness == 50.0


def test_timeliness_uses_the_first_submission_against_the_deadline(world):
    period = ReportingPeriodFactory()
    DistrictReportFactory(district=world.district_a, period=period, filled=True, approved=True)
    DistrictReportFactory(district=world.district_b, period=period, filled=True, approved=True, late=True)
    rollup.rebuild_period(period.pk)
    province = row(RollupLevel.PROVINCE, "05", period)
    assert (province.reports_submitted, province.reports_on_time) == (2, 1)
    assert province.reporting_timeliness == 50.0


def test_retired_district_keeps_its_report_but_is_not_expected_after_retirement(world):
    period = ReportingPeriodFactory(year=2023, quarter=1)
    world.district_b.retired_on = datetime.date(2022, 12, 23)
    world.district_b.save()
    DistrictReportFactory(district=world.district_b, period=period, filled=True, approved=True)
    rollup.rebuild_period(period.pk)
    retired = row(RollupLevel.DISTRICT, "0501", period)
    assert (retired.reports_expected, retired.reports_included, retired.households_total) == (0, 1, 400)
    assert row(RollupLevel.PROVINCE, "05", period).reports_expected == 1
    assert row(RollupLevel.NATIONAL, NATIONAL_CODE, period).reports_expected == 2


def test_odf_commune_needs_every_village_row_verified(world):
    period = ReportingPeriodFactory()
    verified = dict(odf_status=OdfStatus.VERIFIED, unimproved=50)
    DistrictReportFactory(
        district=world.district_a,
        period=period,
        filled=True,
        approved=True,
        villages={
            "05080101": verified,
            "05080102": verified,  # commune A1: all verified
            "05080201": verified,
            "05080202": dict(odf_status=OdfStatus.DECLARED),
        },
    )  # A2: one declared
    rollup.rebuild_period(period.pk)
    assert row(RollupLevel.COMMUNE, "050801", period).odf_communes == 1
    assert row(RollupLevel.COMMUNE, "050802", period).odf_communes == 0
    district = row(RollupLevel.DISTRICT, "0508", period)
    assert (district.odf_communes, district.communes_reported) == (1, 2)
    assert (district.odf_villages_verified, district.odf_villages_declared) == (3, 1)


def test_trainings_meetings_and_budget_are_summed_by_level_and_sex(world):
    period = ReportingPeriodFactory()
    training = dict(
        topic="clts",
        participants_provincial=1,
        participants_district=4,
        participants_commune=10,
        participants_village=5,
        women=9,
    )
    DistrictReportFactory(
        district=world.district_a,
        period=period,
        filled=True,
        approved=True,
        trainings=[training, training],
        wg_meeting_held=True,
        wg_meeting_attendance=20,
        wg_meeting_attendance_women=8,
    )
    DistrictReportFactory(district=world.district_c, period=period, filled=True, approved=True, trainings=[training])
    rollup.rebuild_period(period.pk)
    national = row(RollupLevel.NATIONAL, NATIONAL_CODE, period)
    assert (national.trainings, national.trained_provincial, national.trained_commune, national.trained_women) == (
        3,
        3,
        30,
        27,
    )
    assert (national.dwg_meetings_held, national.dwg_attendance, national.dwg_attendance_women) == (1, 20, 8)
    assert national.triggering_events == 2 * 4 and national.commune_budget == Decimal("480.00")
    assert national.ft_received == Decimal("350.00")
    assert national.spent_total == Decimal("121.00")
    assert national.budget_utilisation == pytest.approx(121 / 3.5)


def test_budget_year_to_date_sums_the_quarters_of_the_year(world):
    q1, q2 = ReportingPeriodFactory(year=2024, quarter=1), ReportingPeriodFactory(year=2024, quarter=2)
    ReportingPeriodFactory(year=2023, quarter=4)
    DistrictReportFactory(
        district=world.district_a,
        period=q1,
        filled=True,
        approved=True,
        ft_received=Decimal(100),
        spent_triggering=Decimal(10),
        spent_training=None,
    )
    DistrictReportFactory(
        district=world.district_a,
        period=q2,
        filled=True,
        approved=True,
        ft_received=Decimal(300),
        spent_triggering=Decimal(190),
        spent_training=None,
    )
    rollup.rebuild_all()
    ytd = rollup.budget_year_to_date(row(RollupLevel.DISTRICT, "0508", q2))
    assert (ytd["received"], ytd["spent"], ytd["utilisation"]) == (Decimal(400), Decimal(200), 50.0)
    assert rollup.budget_year_to_date(row(RollupLevel.NATIONAL, NATIONAL_CODE, q1))["utilisation"] == 10.0


def test_reopening_an_approved_report_removes_it_from_the_approved_rows(world):
    period = ReportingPeriodFactory()
    report = DistrictReportFactory(district=world.district_a, period=period, filled=True, approved=True)
    DistrictReportFactory(district=world.district_b, period=period, filled=True, approved=True)
    rollup.rebuild_period(period.pk)
    assert row(RollupLevel.PROVINCE, "05", period).households_total == 800
    report.status = ReportStatus.DRAFT
    report.save()
    rollup.rebuild_district_quarter(world.district_a.pk, period.pk)
    assert row(RollupLevel.PROVINCE, "05", period).households_total == 400
    assert row(RollupLevel.DISTRICT, "0508", period).households_total == 0
    assert not Rollup.objects.filter(level=RollupLevel.COMMUNE, code__startswith="0508").exists()


def test_first_district_rebuild_of_a_quarter_builds_the_whole_quarter(world):
    period = ReportingPeriodFactory()
    DistrictReportFactory(district=world.district_a, period=period, filled=True, approved=True)
    # District C's report was never rolled up yet: e.g. loaded by a script.
    DistrictReportFactory(district=world.district_c, period=period, filled=True, approved=True)
    rollup.rebuild_district_quarter(world.district_a.pk, period.pk)
    assert row(RollupLevel.NATIONAL, NATIONAL_CODE, period).households_total == 800
    assert Rollup.objects.filter(period=period, level=RollupLevel.DISTRICT).count() == 2 * 3


def test_schedule_rebuild_marks_stale_then_rebuilds_after_commit(world, django_capture_on_commit_callbacks):
    period = ReportingPeriodFactory()
    report = DistrictReportFactory(district=world.district_a, period=period, filled=True)
    rollup.rebuild_period(period.pk)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            report.status = ReportStatus.SUBMITTED
            report.save()
            scheduling.schedule_rebuild(report=report)
            assert StaleRollup.objects.filter(district=world.district_a, period=period).exists()
    assert len(callbacks) == 1
    assert row(RollupLevel.NATIONAL, NATIONAL_CODE, period, DataState.PROVISIONAL).households_total == 400
    assert not StaleRollup.objects.exists()  # the rebuild cleared the mark it covered


def test_a_mark_renewed_during_a_rebuild_survives_it(world):
    period = ReportingPeriodFactory()
    report = DistrictReportFactory(district=world.district_a, period=period, filled=True, approved=True)
    scheduling.mark_stale(report=report)
    seen = storage.marks_seen(period.pk, district_id=world.district_a.pk)
    scheduling.mark_stale(report=report)  # the report changed again while the rebuild was reading
    StaleRollup.objects.update(marked_at=seen[0][1] + datetime.timedelta(seconds=1))
    storage.clear_marks(seen)
    assert StaleRollup.objects.count() == 1


@pytest.mark.parametrize("whole_period_at", [1, 100])
def test_repair_rebuilds_every_stale_district_quarter(world, monkeypatch, whole_period_at):
    monkeypatch.setattr(rollup, "WHOLE_PERIOD_AT", whole_period_at)
    q1, q2 = ReportingPeriodFactory(year=2024, quarter=1), ReportingPeriodFactory(year=2024, quarter=2)
    rollup.rebuild_all()
    reports = [
        DistrictReportFactory(district=world.district_a, period=q1, filled=True, approved=True),
        DistrictReportFactory(district=world.district_b, period=q2, filled=True, approved=True),
        DistrictReportFactory(district=world.district_c, period=q2, filled=True, approved=True),
    ]
    for report in reports:
        scheduling.mark_stale(report=report)
    # District A's Q1 figures are carried into Q2: by its own rebuild (one district at a time), or as a
    # fourth stale mark the whole-quarter rebuild of Q1 left on Q2 (whole quarters).
    assert rollup.repair_stale() == {"rebuilt": 4 if whole_period_at == 1 else 3, "failed": 0}
    assert not StaleRollup.objects.exists()
    assert row(RollupLevel.NATIONAL, NATIONAL_CODE, q1).households_total == 400
    national = row(RollupLevel.NATIONAL, NATIONAL_CODE, q2)
    assert (national.households_total, national.reports_included, national.carried_units) == (1200, 2, 1)
    assert national.carried_since == q1.bounds[0]
    assert row(RollupLevel.PROVINCE, "25", q2).households_total == 400


def test_repair_keeps_the_mark_of_a_rebuild_that_failed(world, monkeypatch):
    period = ReportingPeriodFactory()
    report = DistrictReportFactory(district=world.district_a, period=period, filled=True, approved=True)
    scheduling.mark_stale(report=report)

    def broken(*args):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(rollup, "rebuild_district_quarter", broken)
    assert rollup.repair_stale() == {"rebuilt": 0, "failed": 1}
    assert StaleRollup.objects.count() == 1


def test_rebuild_rollups_command_rebuilds_every_quarter(world):
    periods = [ReportingPeriodFactory(year=2024, quarter=q) for q in (1, 2, 3)]
    for period in periods:
        DistrictReportFactory(district=world.district_a, period=period, filled=True, approved=True)
    out, err = io.StringIO(), io.StringIO()
    call_command("rebuild_rollups", stdout=out, stderr=err)
    assert "3 quarters" in out.getvalue()
    assert err.getvalue() == ""  # no progress bar when the output is not a terminal
    for period in periods:
        assert row(RollupLevel.NATIONAL, NATIONAL_CODE, period).households_total == 400


def test_rebuild_rollups_progress_bar_on_a_terminal(world):
    from reports.management.commands.rebuild_rollups import ProgressBar

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    bar = ProgressBar(terminal, width=10)
    bar(1, 4, ReportingPeriodFactory(year=2024, quarter=1))
    bar(4, 4, ReportingPeriodFactory(year=2024, quarter=4))
    bar.close()
    assert "\r" in terminal.getvalue() and "1/4" in terminal.getvalue() and "4/4" in terminal.getvalue()
    assert terminal.getvalue().endswith("\n")
