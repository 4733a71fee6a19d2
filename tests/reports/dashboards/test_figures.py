"""Figure builders: for a small known set of rollup rows, the numbers in each figure dict are the expected ones.

Rows are made directly (no reports), so each number here can be checked by hand. Every figure is
also validated against plotly.py's schema, so a typo in a property name fails here, not in a browser.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import plotly.graph_objects as go
import pytest
from django.utils import timezone

from reports.dashboards import figures as charts
from reports.dashboards.build import Projection
from reports.models import ReportingPeriod
from reports.rollups.models import DataState, Rollup, RollupLevel
from tests.factories import DistrictFactory, ProvinceFactory

pytestmark = pytest.mark.django_db


def make_row(period, level=RollupLevel.DISTRICT, code="0508", state=DataState.APPROVED, **sums):
    sums.setdefault("reports_expected", 1)
    sums.setdefault("reports_included", 1)
    sums.setdefault("reports_approved", 1)
    return Rollup.objects.create(
        level=level, code=code, period=period, data_state=state, built_at=timezone.now(), **sums
    )


def period(year, quarter):
    return ReportingPeriod.objects.get_or_create(
        year=year, quarter=quarter, defaults={"deadline": datetime.date(year, 12, 1)}
    )[0]


@pytest.fixture
def rows():
    """District 0508 in three quarters: Q3 2024, Q4 2024, Q1 2025 (approved)."""
    return [
        make_row(
            period(2024, 3),
            households_total=200,
            hh_improved_own=80,
            hh_improved_shared=20,
            idpoor_households=40,
            idpoor_improved=10,
            odf_villages_verified=2,
            odf_villages_declared=1,
            triggering_events=3,
            triggering_women=30,
            triggering_men=20,
            trained_provincial=1,
            trained_district=4,
            trained_commune=10,
            trained_village=25,
            ft_received=Decimal("1000"),
            spent_total=Decimal("400"),
            reports_submitted=1,
            reports_on_time=1,
        ),
        make_row(
            period(2024, 4),
            households_total=200,
            hh_improved_own=100,
            hh_improved_shared=30,
            idpoor_households=40,
            idpoor_improved=20,
            odf_villages_verified=3,
            odf_villages_declared=2,
            triggering_events=1,
            triggering_women=12,
            triggering_men=8,
            trained_district=2,
            ft_received=Decimal("500"),
            spent_total=Decimal("700"),
            reports_submitted=1,
            reports_on_time=0,
        ),
        make_row(
            period(2025, 1),
            households_total=250,
            hh_improved_own=150,
            hh_improved_shared=25,
            idpoor_households=50,
            idpoor_improved=30,
            odf_villages_verified=5,
            odf_villages_declared=0,
            trained_commune=6,
            trained_village=40,
            ft_received=Decimal("800"),
            spent_total=Decimal("200"),
            reports_submitted=1,
            reports_on_time=1,
        ),
    ]


def trace(figure, name):
    found = [t for t in figure["data"] if t["name"] == name]
    assert len(found) == 1, [t["name"] for t in figure["data"]]
    return found[0]


def valid(figure):
    go.Figure(figure)  # raises ValueError on any property plotly.js does not know
    return figure


def test_coverage_figure_plots_coverage_basic_sanitation_and_plan_target(rows):
    figure = valid(
        charts.coverage_figure(rows, language="en", plan_targets={2024: Decimal("60"), 2025: 75}, goal_year=2030)
    )
    assert trace(figure, "Sanitation coverage (%)")["x"] == ["Q3 2024", "Q4 2024", "Q1 2025"]
    assert trace(figure, "Sanitation coverage (%)")["y"] == [50.0, 65.0, 70.0]
    assert trace(figure, "Basic sanitation (%)")["y"] == [40.0, 50.0, 60.0]
    assert trace(figure, "District plan target (%)")["y"] == [60.0, 60.0, 75.0]
    assert "2030" in figure["layout"]["annotations"][0]["text"]
    assert figure["layout"]["font"]["family"] == "Noto Sans, Noto Sans Khmer, sans-serif"


def test_odf_figure_stacks_verified_and_declared_villages(rows):
    figure = valid(charts.odf_figure(rows, language="en", plan_targets={2025: 8}))
    assert trace(figure, "Verified ODF villages")["y"] == [2, 3, 5]
    assert trace(figure, "Declared, not yet verified")["y"] == [1, 2, 0]
    assert trace(figure, "District plan target: ODF villages")["y"] == [None, None, 8]
    assert figure["layout"]["barmode"] == "stack"


def test_idpoor_figure_sets_idpoor_coverage_beside_overall(rows):
    figure = valid(charts.idpoor_figure(rows, language="en"))
    assert trace(figure, "All households (%)")["y"] == [50.0, 65.0, 70.0]
    assert trace(figure, "IDPoor households (%)")["y"] == [25.0, 50.0, 60.0]
    assert trace(figure, "IDPoor households (%)")["fill"] == "tonexty"  # the gap is shaded


def test_triggering_figure_counts_events_and_participants(rows):
    figure = valid(charts.triggering_figure(rows, language="en"))
    assert trace(figure, "Triggering events")["y"] == [3, 1, 0]
    assert trace(figure, "Participants: women")["y"] == [30, 12, 0]
    assert trace(figure, "Participants: men")["y"] == [20, 8, 0]


def test_training_figure_sums_the_cascade_by_level_year_to_date(rows):
    figure = valid(charts.training_figure(rows[2:], rows[:1], language="en", year=2025))
    assert trace(figure, "2025 to date")["y"] == ["Provincial", "District", "Commune", "Village"]
    assert trace(figure, "2025 to date")["x"] == [0, 0, 6, 40]
    # Last year's same quarters: Q1 2024 only, which is not among the rows given here.
    assert trace(figure, "2024 to date")["x"] == [1, 4, 10, 25]


def test_budget_figure_shows_received_spent_and_utilisation_year_to_date(rows):
    figure = valid(charts.budget_figure(rows[:2], language="en"))
    assert trace(figure, "Received (USD)")["y"] == [1000.0, 500.0]
    assert trace(figure, "Spent (USD)")["y"] == [400.0, 700.0]
    # Year to date: 400/1000 = 40%, then (400+700)/(1000+500) = 73.33%.
    assert trace(figure, "Utilisation, year to date (%)")["y"] == [40.0, 73.33]


def test_reporting_figure_shows_reporting_and_on_time_rates(rows):
    figure = valid(charts.reporting_figure(rows, language="en"))
    assert trace(figure, "Reporting rate (%)")["y"] == [100.0, 100.0, 100.0]
    assert trace(figure, "On-time rate (%)")["y"] == [100.0, 0.0, 100.0]


def test_league_figure_orders_units_by_coverage_with_last_years_dot():
    province = ProvinceFactory(code="05", name_latin="Kampong Speu")
    first = DistrictFactory(province=province, code="0501", name_latin="Basedth")
    second = DistrictFactory(province=province, code="0508", name_latin="Thpong")
    q = period(2025, 1)
    rows = [
        make_row(q, code="0501", district=first, households_total=100, hh_improved_own=30),
        make_row(q, code="0508", district=second, households_total=100, hh_improved_own=45, hh_improved_shared=5),
    ]
    figure = valid(charts.league_figure(rows, language="en", baseline={"0508": 40.0}, axis_title="District"))
    bars = trace(figure, "Sanitation coverage (%)")
    assert bars["y"] == ["Thpong", "Basedth"] and bars["x"] == [50.0, 30.0]
    assert trace(figure, "End of last year (%)")["x"] == [40.0, None]


def test_projection_figure_puts_each_year_on_a_bar_against_the_target_year():
    projections = [
        Projection(code="05", name="Kampong Speu", coverage=90.0, rate=5.0, year=2027),
        Projection(code="25", name="Tbong Khmum", coverage=70.0, rate=2.5, year=2037),
        Projection(code="04", name="Kampong Chhnang", coverage=60.0, rate=-1.0, year=None),
    ]
    figure = valid(charts.projection_figure(projections, language="en", target_year=2030))
    bars = figure["data"][0]
    assert bars["y"] == ["Kampong Speu", "Tbong Khmum", "Kampong Chhnang"]
    assert [None if x is None else bars["base"] + x for x in bars["x"]] == [2027, 2037, None]
    assert figure["layout"]["shapes"][0]["x0"] == 2030.5  # the end of the target year
    table = charts.figure_table(figure)
    assert table["rows"] == [["Kampong Speu", 2027], ["Tbong Khmum", 2037], ["Kampong Chhnang", None]]


def test_progress_figure_projects_the_current_rate_and_the_rate_needed(rows):
    figure = valid(charts.progress_figure(rows, language="en", target_year=2026, rate_per_year=10.0))
    assert trace(figure, "Sanitation coverage (%)")["y"] == [50.0, 65.0, 70.0]
    current = trace(figure, "At the current rate (%)")
    # From 70% at the end of Q1 2025, +10 points a year = +2.5 a quarter: 100% in Q1 2028, so the future
    # quarters run to the end of 2028 (the later of the target year and the projected year).
    assert current["x"][0] == "Q1 2025" and current["x"][-1] == "Q4 2028"
    assert current["y"][:5] == [70.0, 72.5, 75.0, 77.5, 80.0]
    assert current["y"][12:] == [100.0, 100.0, 100.0, 100.0]
    # 30 points in the 1.75 years left to the end of 2026: 17.14 a year, 100% at Q4 2026.
    needed = trace(figure, "Needed for the target (%)")
    assert needed["y"][-1] == 100.0 and needed["y"][1] == pytest.approx(74.29, abs=0.01)


def test_provisional_points_are_marked_and_listed(rows):
    q = period(2025, 2)
    provisional = make_row(
        q, state=DataState.PROVISIONAL, households_total=100, hh_improved_own=80, reports_included=1, reports_approved=0
    )
    figure = valid(charts.coverage_figure([rows[-1], provisional], language="en"))
    line = trace(figure, "Sanitation coverage (%)")
    assert line["marker"]["symbol"] == ["circle", "circle-open"]
    assert line["customdata"] == ["", " (provisional)"]
    assert figure["layout"]["meta"]["provisional"] == ["Q2 2025"]
    bars = trace(charts.odf_figure([rows[-1], provisional], language="en"), "Verified ODF villages")
    assert bars["marker"]["pattern"]["shape"] == ["", "/"]
    # An approved-state row, or a provisional one whose reports are all approved, is not marked.
    assert not charts.has_unapproved(rows[0])
    assert not charts.has_unapproved(SimpleNamespace(is_provisional=True, reports_included=2, reports_approved=2))


def test_labels_axis_titles_and_hover_text_follow_the_language(rows):
    english = charts.coverage_figure(rows, language="en")
    khmer = charts.coverage_figure(rows, language="km")
    assert khmer["data"][0]["x"][0] != english["data"][0]["x"][0]  # "Q3 2024" in Khmer
    assert "2024" in khmer["data"][0]["x"][0]
    assert khmer["layout"]["xaxis"]["title"]["text"] != english["layout"]["xaxis"]["title"]["text"]
    assert khmer["data"][0]["name"] != english["data"][0]["name"]
    assert khmer["data"][0]["hovertemplate"] != english["data"][0]["hovertemplate"]


def test_figure_table_lists_every_trace_by_category(rows):
    table = charts.figure_table(charts.odf_figure(rows, language="en"))
    assert table["columns"] == ["Quarter", "Verified ODF villages", "Declared, not yet verified"]
    assert table["rows"] == [["Q3 2024", 2, 1], ["Q4 2024", 3, 2], ["Q1 2025", 5, 0]]


def test_figures_are_plain_json(rows):
    import json

    for figure in (
        charts.coverage_figure(rows, language="en"),
        charts.budget_figure(rows, language="en"),
        charts.training_figure(rows, language="en", year=2025),
    ):
        assert json.loads(json.dumps(figure)) == figure


@pytest.mark.parametrize("rate", [-1.0, 0.0, None])
def test_progress_figure_after_a_target_year_now_past_ends(rows, rate):
    """Found under load: a quarter after the target year with coverage not rising looped for ever."""
    later = make_row(period(2026, 1), households_total=200, hh_improved_own=140)
    figure = valid(charts.progress_figure([*rows, later], language="en", target_year=2025, rate_per_year=rate))
    current = [t for t in figure["data"] if t["name"] == "At the current rate (%)"]
    assert not current or current[0]["x"][-1] == "Q4 2026"
    assert [t for t in figure["data"] if t["name"] == "Needed for the target (%)"] == []
