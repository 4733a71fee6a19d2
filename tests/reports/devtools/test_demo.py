"""The demo reports: the reference report's figures, every validation rule, the budget rule, idempotence.

The national gazetteer and the demo are loaded once for the module (about 10 s) and rolled back after it;
each test runs in its own savepoint on top.
"""

from collections import defaultdict

import pytest
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone, translation

from districts.gazetteer import load_bundled_gazetteer
from districts.models import Village
from reports import indicators, quarters
from reports.devtools.demo import PILOT_DISTRICTS, DemoSummary, load_demo_reports
from reports.entry import validation
from reports.models import (
    CommuneQuarter,
    DistrictPlanTarget,
    DistrictReport,
    OdfStatus,
    ReportingPeriod,
    ReportStatus,
    Training,
    VillageQuarter,
)
from tests.reports.pages import csv_table

APPROVED_QUARTERS = [(y, q) for y in range(2016, 2020) for q in (1, 2, 3, 4)][:14]  # 2016 Q1 .. 2019 Q2
ODF_ORDER = [OdfStatus.NOT_TRIGGERED, OdfStatus.TRIGGERED, OdfStatus.DECLARED, OdfStatus.VERIFIED]
VALUES = VillageQuarter.COUNT_FIELDS + ["odf_status", "odf_status_date"]

pytestmark = pytest.mark.slow  # the gazetteer and demo load


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        load_bundled_gazetteer()
        summary = load_demo_reports()
        yield summary
        transaction.set_rollback(True)


@pytest.fixture
def rows(demo, db):
    """{district code: {(year, quarter): {village code: values}}} for every demo village row."""
    found = defaultdict(lambda: defaultdict(dict))
    for row in VillageQuarter.objects.values(
        "report__district__code", "report__period__year", "report__period__quarter", "village__code", *VALUES
    ):
        period = (row["report__period__year"], row["report__period__quarter"])
        found[row["report__district__code"]][period][row["village__code"]] = row
    return found


def coverage(code, year, quarter):
    totals = VillageQuarter.objects.filter(
        report__district__code=code,
        report__period__year=year,
        report__period__quarter=quarter,
    ).aggregate(own=Sum("hh_improved_own"), shared=Sum("hh_improved_shared"), total=Sum("households_total"))
    return indicators.sanitation_coverage(
        improved_own=totals["own"], improved_shared=totals["shared"], total=totals["total"]
    )


def verified_villages(code, year, quarter):
    return VillageQuarter.objects.filter(
        report__district__code=code,
        report__period__year=year,
        report__period__quarter=quarter,
        odf_status=OdfStatus.VERIFIED,
    ).count()


def test_coverage_follows_the_learning_event_report(demo, db):
    assert coverage("0508", 2016, 1) == pytest.approx(29.0, abs=0.05)  # Thpong
    assert coverage("0508", 2019, 2) == pytest.approx(64.0, abs=0.05)
    assert coverage("2501", 2016, 1) == pytest.approx(44.0, abs=0.05)  # Dambae
    assert coverage("2501", 2019, 2) == pytest.approx(64.61, abs=0.005)
    assert round(coverage("2501", 2019, 2), 2) == 64.61
    assert coverage("2504", 2019, 2) == pytest.approx(81.0, abs=0.05)  # Ou Reang Ov


def test_dambae_has_twelve_verified_odf_villages_in_2019_q2(demo, db):
    assert verified_villages("2501", 2019, 2) == 12


def test_other_districts_start_at_25_to_50_percent_and_rise_12_to_25_points(demo, db):
    for code, figures in PILOT_DISTRICTS.items():
        if figures is None:
            start, end = coverage(code, 2016, 1), coverage(code, 2019, 2)
            assert 25 <= start <= 50 and 12 <= end - start <= 25, code


def test_district_coverage_and_verified_villages_never_decrease(demo, db):
    for code in PILOT_DISTRICTS:
        figures = [coverage(code, *period) for period in APPROVED_QUARTERS]
        assert figures == sorted(figures), code
        verified = [verified_villages(code, *period) for period in APPROVED_QUARTERS]
        assert verified == sorted(verified), code
        assert (
            0.05
            <= verified[-1]
            / len(
                VillageQuarter.objects.filter(
                    report__district__code=code, report__period__year=2019, report__period__quarter=2
                )
            )
            <= 0.15
        ), code


def test_every_active_village_and_commune_has_a_row_each_approved_quarter(demo, db):
    for report in DistrictReport.objects.filter(status=ReportStatus.APPROVED).select_related("district"):
        communes = report.district.communes.active()
        assert report.commune_quarters.count() == communes.count()
        assert report.village_quarters.count() == Village.objects.active().filter(commune__in=communes).count()
    assert DistrictReport.objects.filter(status=ReportStatus.APPROVED).count() == 15 * 14


def test_every_village_row_passes_validation_without_warnings(rows):
    for code, periods in rows.items():
        for period, villages in periods.items():
            previous = periods.get(quarters.previous_quarter(*period), {})
            for village, values in villages.items():
                assert validation.village_errors(values) == {}, (code, period, village)
                assert validation.village_missing(values) == [], (code, period, village)
                assert validation.village_warnings(values, previous.get(village)) == [], (code, period, village)
                assert values["hh_handwashing"] <= values["households_total"]
                assert 60 <= values["households_total"] <= 350


def test_latrines_built_match_the_new_improved_households(rows):
    for periods in rows.values():
        for period, villages in periods.items():
            previous = periods.get(quarters.previous_quarter(*period))
            for village, values in villages.items():
                if previous:
                    before = previous[village]
                    gained = (
                        values["hh_improved_own"]
                        + values["hh_improved_shared"]
                        - before["hh_improved_own"]
                        - before["hh_improved_shared"]
                    )
                    assert values["latrines_built"] == gained >= 0


def test_odf_status_only_moves_forward_and_is_dated_in_the_quarter_it_changed(rows):
    for periods in rows.values():
        for period, villages in periods.items():
            previous = periods.get(quarters.previous_quarter(*period), {})
            first, last = quarters.quarter_bounds(*period)
            for village, values in villages.items():
                status, day = values["odf_status"], values["odf_status_date"]
                before = previous.get(village, {"odf_status": OdfStatus.NOT_TRIGGERED, "odf_status_date": None})
                assert ODF_ORDER.index(status) >= ODF_ORDER.index(before["odf_status"])
                if status == before["odf_status"]:
                    assert day == before["odf_status_date"]
                else:
                    assert first <= day <= last
                if status in (OdfStatus.DECLARED, OdfStatus.VERIFIED):
                    assert values["hh_open_defecation"] == 0


def test_budget_and_district_section_of_every_approved_report(demo, db):
    reports = DistrictReport.objects.filter(status=ReportStatus.APPROVED).select_related("period")
    unspent = {}
    for report in reports.order_by("district__code", "period__year", "period__quarter"):
        assert (
            validation.budget_error(
                spent=report.spent_total, received=report.ft_received, carried_over=report.ft_carried_over
            )
            is None
        )
        key = (report.district_id, report.period.year)
        assert report.ft_carried_over == unspent.get(key, 0)
        unspent[key] = report.ft_received + report.ft_carried_over - report.spent_total
        assert report.ft_annual_allocation == 700 and report.ft_received == 175
        first, last = report.period.bounds
        assert report.wg_meeting_held and first <= report.wg_meeting_date <= last
        assert report.wg_meeting_attendance_women <= report.wg_meeting_attendance
        assert 2 <= report.active_suppliers <= 6 and 5 <= report.active_masons <= 20
        assert validation.district_section_missing(report) == []
        assert "(demo)" in report.achievements


def test_commune_activities_and_trainings_are_complete_and_consistent(demo, db):
    approved = CommuneQuarter.objects.filter(report__status=ReportStatus.APPROVED)
    assert not approved.filter(Q(**{f"{f}__isnull": True for f in CommuneQuarter.ACTIVITY_FIELDS}, _connector=Q.OR))
    for training in Training.objects.all():
        assert validation.participants_error(women=training.women, participants=training.participants) is None
    assert demo.trainings == Training.objects.count() > 0


def test_plan_targets_for_each_pilot_district_and_year(demo, db):
    targets = DistrictPlanTarget.objects.filter(district__code__in=PILOT_DISTRICTS)
    assert targets.count() == 15 * 4
    assert set(targets.values_list("budget", flat=True)) == {700}
    thpong_2019 = targets.get(district__code="0508", year=2019)
    assert thpong_2019.coverage_pct > 64 and thpong_2019.odf_villages >= verified_villages("0508", 2019, 2)


def test_periods_closed_until_2019_q2_and_drafts_only_where_work_is_in_progress(demo, db):
    assert list(ReportingPeriod.objects.open().values_list("year", "quarter")) == [(2019, 4), (2019, 3)]
    assert ReportingPeriod.objects.count() == 16
    q3 = DistrictReport.objects.filter(period__year=2019, period__quarter=3)
    assert sorted(q3.values_list("district__code", flat=True)) == ["0401", "2502", "2503", "2505"]
    assert set(q3.values_list("status", "is_demo")) == {(ReportStatus.DRAFT, True)}
    for report in q3.annotate(n=Count("commune_quarters")):
        entered = report.village_quarters.values("village__commune").distinct().count()
        assert entered == report.n == (report.district.communes.active().count() + 1) // 2
    assert not DistrictReport.objects.filter(
        period__year=2019, period__quarter__gte=3, district__code__in=["0508", "2501"]
    ).exists()


def test_a_second_load_changes_nothing(demo, db):
    assert demo.reports == 15 * 14 + 4 and demo.village_rows == VillageQuarter.objects.count()
    counts = [m.objects.count() for m in (DistrictReport, VillageQuarter, CommuneQuarter, Training, ReportingPeriod)]
    assert load_demo_reports() == DemoSummary()
    assert [
        m.objects.count() for m in (DistrictReport, VillageQuarter, CommuneQuarter, Training, ReportingPeriod)
    ] == counts


def test_kampong_speu_while_2019_q3_comes_in_rests_on_carried_figures_and_says_so(demo, db, client_for):
    """Step 7's scenario: Thpong alone has reported 2019 Q3. Before carry-forward the province's headline
    coverage was Thpong's own (65.0 % against 57.5 % in Q2, "+10.4 points", "100 % in 2022")."""

    from django.urls import reverse

    from districts.models import Province
    from districts.roles import Role
    from reports.dashboards import build as dashboards
    from reports.rollups.build import rebuild_all
    from tests.conftest import _persona

    q2, q3 = (ReportingPeriod.objects.get(year=2019, quarter=n) for n in (2, 3))
    thpong_q2 = DistrictReport.objects.get(district__code="0508", period=q2)
    report = DistrictReport.objects.create(
        district=thpong_q2.district, period=q3, status=ReportStatus.SUBMITTED, submitted_at=timezone.now()
    )
    rows = list(VillageQuarter.objects.filter(report=thpong_q2))
    for row in rows:
        row.pk, row.report = None, report
    VillageQuarter.objects.bulk_create(rows)
    rebuild_all()

    province = Province.objects.get(code="05")
    with translation.override("en"):
        q2_data = dashboards.load("province", province, provisional=True, year=2019, quarter=2)
        q3_data = dashboards.load("province", province, provisional=True, year=2019, quarter=3)
    kpis = {k["key"]: k for k in q3_data["kpis"]}
    q2_kpis = {k["key"]: k for k in q2_data["kpis"]}
    assert abs(float(kpis["coverage"]["value"].rstrip("%")) - float(q2_kpis["coverage"]["value"].rstrip("%"))) <= 1
    assert (
        "1 reported this quarter, 6 carried forward from earlier quarters (oldest: Q2 2019)"
        in (q3_data["basis"]["stock"])
    )
    assert q3_data["basis"]["without_figures"].startswith("1 district has no figures yet and is left out:")
    assert kpis["projection"]["value"] == "—" and "fewer than half" in kpis["projection"]["note"]

    reviewer = _persona("pdrd_kspeu_test", Role.PDRD_REVIEWER, province=province)
    client = client_for(reviewer)
    page = client.get(reverse("reports:dashboard_province", args=["05"]) + "?quarter=2019Q3&provisional=1")
    assert "1 reported this quarter, 6 carried forward" in page.content.decode()
    league = client.get(
        reverse("reports:dashboard_province_csv", args=["05", "league"]) + "?quarter=2019Q3&provisional=1"
    )
    _about, lines = csv_table(league.content)
    table = [dict(zip(lines[0], line, strict=True)) for line in lines[1:]]
    assert sum(int(r["reported_units"]) for r in table) == 1
    assert sum(int(r["carried_forward_units"]) for r in table) == 6
    assert {r["oldest_carried_quarter"] for r in table if r["carried_forward_units"] == "1"} == {"2019Q2"}
    print(
        "Kampong Speu 2019 Q3 (provisional), after carry-forward:",
        kpis["coverage"]["value"],
        kpis["coverage"]["note"],
        kpis["projection"]["value"],
        kpis["projection"]["note"],
        "| Q2:",
        q2_kpis["coverage"]["value"],
        q2_kpis["projection"]["value"],
        "|",
        q3_data["basis"]["stock"],
        q3_data["basis"]["without_figures"],
    )
