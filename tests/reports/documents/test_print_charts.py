"""Print charts: the dashboards' figures drawn as SVG shapes with their text as HTML, for WeasyPrint.

The rows are test_figures' (district 0508 in Q3 2024, Q4 2024 and Q1 2025), so every figure the PDFs
print is drawn here from the same builders the dashboards use.
"""

import re
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from reports.dashboards import figures as charts
from reports.documents import print_charts
from reports.rollups.models import DataState
from tests.factories import DistrictFactory, ProvinceFactory
from tests.reports.dashboards.test_figures import make_row, period, rows  # noqa: F401 - the rows fixture

pytestmark = pytest.mark.django_db


def rects(chart):
    """(x, y, width, height) of every filled bar of a chart's SVG (not the hatching drawn over provisional ones)."""
    found = re.findall(r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="#', chart.svg)
    return [tuple(float(v) for v in match) for match in found]


def label_texts(chart, kind=None):
    return [label.text for label in chart.labels if kind is None or label.kind == kind]


@pytest.mark.parametrize("language", ["en", "km"])
def test_every_figure_the_pdfs_print_is_drawn_with_its_text_outside_the_svg(rows, language):  # noqa: F811
    figures = {
        "coverage": charts.coverage_figure(rows, language=language, plan_targets={2024: 60.0}, goal_year=2025),
        "odf": charts.odf_figure(rows, language=language, plan_targets={2025: 6}),
        "reporting": charts.reporting_figure(rows, language=language),
        "budget": charts.budget_figure(rows[-1:], language=language),
        "idpoor": charts.idpoor_figure(rows, language=language),
        "triggering": charts.triggering_figure(rows, language=language),
    }
    for name, figure in figures.items():
        chart = print_charts.draw(figure, 688, 240, name=name)
        assert "<text" not in chart.svg, name  # WeasyPrint would not shape Khmer there
        assert [item.name for item in chart.legend] == [trace["name"] for trace in figure["data"]], name
        assert set(figure["data"][0]["x"][-1:]) <= set(label_texts(chart, "tick-x")), name  # the last quarter named
    with translation.override(language):
        assert charts.quarter_label(2025, 1) in label_texts(print_charts.draw(figures["coverage"], 688, 240))


def test_stacked_bars_reach_the_sum_and_grouped_bars_stand_side_by_side(rows):  # noqa: F811
    odf = print_charts.draw(charts.odf_figure(rows, language="en"), 688, 240)
    # Q4 2024: 3 verified + 2 declared stacked; the y axis runs to 5, so the stack fills the plot's height.
    plot_top, plot_bottom = odf_bounds = _plot_bounds(odf)
    q4 = [r for r in rects(odf) if abs(r[0] - rects(odf)[1][0]) < 0.5]
    assert sum(r[3] for r in q4) == pytest.approx(plot_bottom - plot_top, abs=0.5), odf_bounds
    assert "5" in label_texts(odf, "tick-y")
    reporting = print_charts.draw(charts.reporting_figure(rows, language="en"), 688, 240)
    xs = sorted({r[0] for r in rects(reporting)})
    assert len(xs) == 6  # two bars for each of three quarters, none on top of another


def _plot_bounds(chart):
    """(top, bottom) of the plot: the highest gridline and the x axis line."""
    ys = [
        float(y) for y in re.findall(r'<line x1="[\d.]+" y1="([\d.]+)" x2="[\d.]+" y2="\1" stroke="#e3e6ea"', chart.svg)
    ]
    return min(ys), max(ys)


def test_a_quarter_without_a_figure_breaks_the_line_instead_of_dropping_to_zero(rows):  # noqa: F811
    figure = charts.coverage_figure(rows, language="en")
    figure["data"][0]["y"][1] = None
    chart = print_charts.draw(figure, 688, 240)
    coverage_paths = re.findall(r'<path d="(M[^"]+)" fill="none" stroke="#0072B2"', chart.svg)
    assert coverage_paths == []  # two points with a gap between them: no line segment of two points
    figure["data"][0]["y"][1] = 40.0
    assert len(re.findall(r'fill="none" stroke="#0072B2"', print_charts.draw(figure, 688, 240).svg)) == 1


def test_provisional_figures_are_hatched_and_open_and_say_so(rows):  # noqa: F811
    provisional = make_row(
        period(2025, 2),
        state=DataState.PROVISIONAL,
        households_total=100,
        hh_improved_own=80,
        odf_villages_verified=4,
        reports_included=1,
        reports_approved=0,
    )
    odf = print_charts.draw(charts.odf_figure([rows[-1], provisional], language="en"), 688, 240, name="odf")
    assert odf.provisional and 'fill="url(#hatch-odf)"' in odf.svg and '<pattern id="hatch-odf"' in odf.svg
    coverage = print_charts.draw(charts.coverage_figure([rows[-1], provisional], language="en"), 688, 240)
    assert coverage.provisional and 'fill="#ffffff" stroke="#0072B2"' in coverage.svg  # an open circle


def test_league_chart_has_a_row_per_unit_with_its_name_as_text():
    province = ProvinceFactory(code="05", name_latin="Kampong Speu")
    names = ["Basedth", "Thpong", "Oudong <script>alert(1)</script>"]
    units = []
    for number, name in enumerate(names, start=1):
        district = DistrictFactory(province=province, code=f"050{number}", name_latin=name)
        units.append(
            make_row(
                period(2025, 1),
                code=district.code,
                district=district,
                households_total=100,
                hh_improved_own=20 * number,
            )  # fmt: skip
        )
    figure = charts.league_figure(units, language="en", baseline={"0501": 10.0}, axis_title="District")
    chart = print_charts.draw(figure, 688)
    assert label_texts(chart, "category") == [names[2], names[1], names[0]]  # highest coverage first
    assert chart.height >= 3 * print_charts._HorizontalChart.ROW
    widths = [r[2] for r in rects(chart)]
    assert widths[0] == pytest.approx(3 * widths[2], rel=0.02)  # 60% against 20%
    assert "<path" in chart.svg  # the diamond of last year's figure
    html = render_to_string(
        "reports/documents/_chart.html",
        {"name": "league", "charts": {"league": chart}, "chart_titles": {"league": "League"}, "chart_captions": {}},
    )
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_budget_chart_puts_utilisation_on_a_right_hand_axis(rows):  # noqa: F811
    rows[-1].ft_received, rows[-1].spent_total = Decimal("800"), Decimal("200")
    chart = print_charts.draw(charts.budget_figure(rows, language="en"), 336, 220)
    assert "$800" in label_texts(chart, "tick-y") or "$1,000" in label_texts(chart, "tick-y")
    assert "100%" in label_texts(chart, "tick-y2")


def test_a_figure_with_something_it_cannot_draw_is_refused_not_misdrawn(rows):  # noqa: F811
    figure = charts.coverage_figure(rows, language="en")
    figure["data"][0]["type"] = "pie"
    with pytest.raises(print_charts.UnsupportedFigure):
        print_charts.draw(figure, 688, 240)
