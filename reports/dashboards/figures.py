"""Figure builders: plain Plotly figure dicts from rollup rows, for the dashboards and the PDFs.

Each builder is `(rows..., *, language, ...) -> dict` with "data" and "layout" only: no HTML, no
plotly import, so the dashboards embed it with json_script and the PDFs draw the same dict
(reports/documents/print_charts.py). Rows are reports.models.Rollup rows (with `.period`, and `.unit` for league
charts), oldest first; a builder plots exactly the rows it is given. Every label, axis title and
hover text is translated under `language`. Rates come from the rows' indicator properties or
reports.indicators: nothing here divides.

figure_table(figure) turns any figure of this module back into the table of its numbers, so a
chart's table view and CSV download can never disagree with the chart.
"""

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from reports import indicators
from reports.dashboards.plotting import (
    BLUE,
    GREEN,
    ORANGE,
    PURPLE,
    SKY,
    VERMILION,
    axis,
    bar_trace,
    has_unapproved,
    layout_with,
    line_trace,
    mark_provisional,
    note,
    path_trace,
    percent_axis,
    provisional_meta,
    quarter_axis,
    quarter_label,
    quarter_labels,
    reference_line,
    rounded,
)

# --- Trend charts (one unit over the quarters) ------------------------------------------------------


def coverage_figure(rows, *, language, plan_targets=None, goal_year=None):
    """Sanitation coverage and basic sanitation (%) per quarter.

    plan_targets: {year: District Sanitation Plan coverage target (%)} (a district's), drawn as a
    step for each quarter of the year. goal_year: the national target year, noted on the 100% line.
    """
    with translation.override(language):
        x = quarter_labels(rows)
        data = [
            mark_provisional(
                rows,
                line_trace(
                    _("Sanitation coverage (%)"),
                    x,
                    [rounded(r.sanitation_coverage) for r in rows],
                    BLUE,
                    ".1f",
                    hovertemplate=_("Sanitation coverage") + ": %{y:.1f}%<extra></extra>",
                ),
            ),
            mark_provisional(
                rows,
                line_trace(
                    _("Basic sanitation (%)"),
                    x,
                    [rounded(r.basic_sanitation) for r in rows],
                    GREEN,
                    ".1f",
                    hovertemplate=_("Basic sanitation") + ": %{y:.1f}%<extra></extra>",
                ),
            ),
        ]
        if plan_targets:
            target = [rounded(plan_targets.get(r.period.year)) for r in rows]
            if any(value is not None for value in target):
                trace = path_trace(
                    _("District plan target (%)"), x, target, VERMILION, "dash", hover_name=_("District plan target")
                )
                trace["line"]["shape"] = "hv"
                data.append(trace)
        layout = layout_with(
            xaxis=quarter_axis(), yaxis=percent_axis(_("Households (%)")), meta=provisional_meta(rows, x)
        )
        if goal_year:
            layout["shapes"] = [reference_line(axis="y", at=100)]
            text = _("National goal: 100%% by %(year)s") % {"year": goal_year}
            layout["annotations"] = [note(text, xref="paper", x=0, xanchor="left", yref="y", y=100, yanchor="bottom")]
        return {"data": data, "layout": layout}


def odf_figure(rows, *, language, plan_targets=None):
    """ODF villages per quarter: verified, and declared but not yet verified (stacked).

    plan_targets: {year: District Sanitation Plan ODF-villages target}.
    """
    with translation.override(language):
        x = quarter_labels(rows)
        data = [
            mark_provisional(
                rows,
                bar_trace(_("Verified ODF villages"), x, [r.odf_villages_verified for r in rows], GREEN, ",d"),
                "bar",
            ),
            mark_provisional(
                rows,
                bar_trace(_("Declared, not yet verified"), x, [r.odf_villages_declared for r in rows], SKY, ",d"),
                "bar",
            ),
        ]
        if plan_targets:
            target = [plan_targets.get(r.period.year) for r in rows]
            if any(value is not None for value in target):
                data.append(
                    {
                        "type": "scatter",
                        "mode": "lines",
                        "name": _("District plan target: ODF villages"),
                        "x": x,
                        "y": target,
                        "line": {"color": VERMILION, "dash": "dash", "shape": "hv"},
                        "hovertemplate": _("District plan target") + ": %{y:,d}<extra></extra>",
                    }
                )
        layout = layout_with(
            barmode="stack",
            xaxis=quarter_axis(),
            yaxis=axis(_("Villages"), rangemode="tozero"),
            meta=provisional_meta(rows, x),
        )
        return {"data": data, "layout": layout}


def idpoor_figure(rows, *, language):
    """IDPoor coverage beside sanitation coverage of all households (%), the gap shaded between them."""
    with translation.override(language):
        x = quarter_labels(rows)
        overall = line_trace(_("All households (%)"), x, [rounded(r.sanitation_coverage) for r in rows], BLUE, ".1f")
        poor = line_trace(
            _("IDPoor households (%)"),
            x,
            [rounded(r.idpoor_coverage) for r in rows],
            ORANGE,
            ".1f",
            fill="tonexty",
            fillcolor="rgba(230,159,0,0.15)",
        )
        for trace in (overall, poor):
            trace["hovertemplate"] = trace["name"].replace(" (%)", "") + ": %{y:.1f}%<extra></extra>"
            mark_provisional(rows, trace)
        layout = layout_with(
            xaxis=quarter_axis(),
            yaxis=percent_axis(_("Households with an improved latrine (%)")),
            meta=provisional_meta(rows, x),
        )
        return {"data": [overall, poor], "layout": layout}


def triggering_figure(rows, *, language):
    """CLTS triggering: participants (women, men; stacked bars) and events (line, right axis) per quarter."""
    with translation.override(language):
        x = quarter_labels(rows)
        data = [
            mark_provisional(
                rows, bar_trace(_("Participants: women"), x, [r.triggering_women for r in rows], PURPLE, ",d"), "bar"
            ),
            mark_provisional(
                rows, bar_trace(_("Participants: men"), x, [r.triggering_men for r in rows], SKY, ",d"), "bar"
            ),
            mark_provisional(
                rows,
                line_trace(_("Triggering events"), x, [r.triggering_events for r in rows], VERMILION, ",d", yaxis="y2"),
            ),
        ]
        layout = layout_with(
            barmode="stack",
            xaxis=quarter_axis(),
            yaxis=axis(_("Participants"), rangemode="tozero"),
            yaxis2=axis(_("Events"), overlaying="y", side="right", rangemode="tozero", showgrid=False),
            meta=provisional_meta(rows, x),
        )
        layout["margin"] = {**layout["margin"], "r": 56}
        return {"data": data, "layout": layout}


TRAINING_LEVELS = [
    ("trained_provincial", gettext_lazy("Provincial")),
    ("trained_district", gettext_lazy("District")),
    ("trained_commune", gettext_lazy("Commune")),
    ("trained_village", gettext_lazy("Village")),
]


def training_figure(rows, previous_rows=(), *, language, year):
    """The training cascade: people trained by level, year to date (`rows`, the quarters of `year` up to the
    selected one) beside the same quarters of the year before (`previous_rows`). Horizontal bars."""
    with translation.override(language):
        levels = [str(label) for _field, label in TRAINING_LEVELS]
        data = []
        for label, chosen, color in ((str(year - 1), previous_rows, "#b9b9b9"), (str(year), rows, BLUE)):
            if label == str(year - 1) and not chosen:
                continue
            name = _("%(year)s to date") % {"year": label}
            data.append(
                {
                    "type": "bar",
                    "orientation": "h",
                    "name": name,
                    "y": levels,
                    "x": [sum(getattr(r, field) for r in chosen) for field, _label in TRAINING_LEVELS],
                    "marker": {"color": color},
                    "hovertemplate": f"{name}: %{{x:,d}}<extra></extra>",
                }
            )
        layout = layout_with(
            barmode="group",
            hovermode="y unified",
            xaxis=axis(_("People trained"), rangemode="tozero"),
            yaxis=axis(_("Level"), autorange="reversed"),
            meta={"provisional": levels if any(has_unapproved(r) for r in rows) else []},
        )
        return {"data": data, "layout": layout}


def budget_figure(rows, *, language):
    """Functional-transfer budget received and spent per quarter (bars, USD), and utilisation year to date
    (spent / received since the first quarter of the rows' year; line, right axis). `rows`: one year's quarters."""
    with translation.override(language):
        x = quarter_labels(rows)
        received = spent = 0
        utilisation = []
        for row in rows:
            received += row.ft_received
            spent += row.spent_total
            utilisation.append(rounded(indicators.budget_utilisation(spent=spent, received=received)))
        data = [
            mark_provisional(
                rows, bar_trace(_("Received (USD)"), x, [rounded(r.ft_received) for r in rows], SKY, ",.0f"), "bar"
            ),
            mark_provisional(
                rows, bar_trace(_("Spent (USD)"), x, [rounded(r.spent_total) for r in rows], BLUE, ",.0f"), "bar"
            ),
            mark_provisional(
                rows,
                line_trace(
                    _("Utilisation, year to date (%)"),
                    x,
                    utilisation,
                    ORANGE,
                    ".1f",
                    yaxis="y2",
                    hovertemplate=_("Utilisation, year to date") + ": %{y:.1f}%<extra></extra>",
                ),
            ),
        ]
        layout = layout_with(
            barmode="group",
            xaxis=quarter_axis(),
            yaxis=axis(_("USD"), rangemode="tozero", tickprefix="$"),
            yaxis2=axis(
                _("Utilisation (%)"), overlaying="y", side="right", ticksuffix="%", range=[0, 110], showgrid=False
            ),
            meta=provisional_meta(rows, x),
        )
        layout["margin"] = {**layout["margin"], "r": 56}
        return {"data": data, "layout": layout}


def reporting_figure(rows, *, language):
    """Reporting rate and on-time rate (%) of the district reports per quarter."""
    with translation.override(language):
        x = quarter_labels(rows)
        data = [
            bar_trace(
                _("Reporting rate (%)"),
                x,
                [rounded(r.reporting_completeness) for r in rows],
                BLUE,
                ".0f",
                hovertemplate=pgettext("dashboard", "Reporting rate") + ": %{y:.0f}%<extra></extra>",
            ),
            bar_trace(
                _("On-time rate (%)"),
                x,
                [rounded(r.reporting_timeliness) for r in rows],
                GREEN,
                ".0f",
                hovertemplate=pgettext("dashboard", "On-time rate") + ": %{y:.0f}%<extra></extra>",
            ),
        ]
        layout = layout_with(
            barmode="group",
            xaxis=quarter_axis(),
            yaxis=percent_axis(_("Reports expected (%)")),
            meta={"provisional": []},
        )
        return {"data": data, "layout": layout}


def odf_funnel_figure(counts, *, language):
    """The ODF funnel of one quarter (reports.odf.funnel.Counts): villages declared, verified, certified and
    slipped in the quarter, and certified villages re-verified (bars, one per step)."""
    with translation.override(language):
        steps = [
            (_("Declared ODF"), counts.declared),
            (_("Verified"), counts.verified),
            (_("Certified"), counts.certified),
            (_("Slipped back"), counts.slipped),
            (_("Re-verified"), counts.reverified),
        ]
        data = [
            {
                "type": "bar",
                "name": _("Villages"),
                "x": [label for label, _value in steps],
                "y": [value for _label, value in steps],
                "marker": {"color": GREEN},
                "hovertemplate": "%{x}: %{y:,}<extra></extra>",
            }
        ]
        layout = layout_with(
            xaxis=axis(_("Step in the quarter"), type="category"),
            yaxis=axis(_("Villages"), rangemode="tozero"),
            meta={"provisional": []},
        )
        return {"data": data, "layout": layout}


# --- Comparisons across units (one quarter) ------------------------------------------------------------


def league_figure(rows, *, language, baseline=None, axis_title=None):
    """Sanitation coverage of each unit's row (horizontal bars, highest first) and, from `baseline`
    ({unit code: coverage % at the end of last year}), where it stood at the end of last year (dots)."""
    with translation.override(language):
        rows = sorted(rows, key=lambda r: (r.sanitation_coverage is None, -(r.sanitation_coverage or 0), r.code))
        names = [r.unit.name for r in rows]
        data = [
            mark_provisional(
                rows,
                {
                    "type": "bar",
                    "orientation": "h",
                    "name": _("Sanitation coverage (%)"),
                    "y": names,
                    "x": [rounded(r.sanitation_coverage) for r in rows],
                    "marker": {"color": BLUE},
                    "hovertemplate": _("Sanitation coverage") + ": %{x:.1f}%<extra></extra>",
                },
                "bar",
            )
        ]
        if baseline is not None:
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "name": _("End of last year (%)"),
                    "y": names,
                    "x": [rounded(baseline.get(r.code)) for r in rows],
                    "marker": {"color": VERMILION, "size": 9, "symbol": "diamond"},
                    "hovertemplate": _("End of last year") + ": %{x:.1f}%<extra></extra>",
                }
            )
        layout = layout_with(
            hovermode="y unified",
            barmode="overlay",
            xaxis=axis(_("Households with an improved latrine (%)"), range=[0, 105], ticksuffix="%"),
            yaxis=axis(axis_title or _("Unit"), autorange="reversed", type="category"),
            meta=provisional_meta(rows, names),
            height=max(260, 60 + 24 * len(rows)),
        )
        return {"data": data, "layout": layout}


def projection_figure(projections, *, language, target_year):
    """Per unit, the year 100% coverage is reached at the current rate (reports.dashboards.build.Projection rows),
    against the national target year (a vertical line). Units with no projection get no bar."""
    with translation.override(language):
        projections = sorted(projections, key=lambda p: (p.year is None, p.year or 0, p.name))
        names = [p.name for p in projections]
        years = [p.year for p in projections]
        known = [y for y in years if y is not None] + [target_year]
        floor = min(known) - 1
        late = [p.year is not None and p.year > target_year for p in projections]
        # xgettext:no-python-format
        reached = _("Year 100% coverage is reached")
        data = [
            {
                "type": "bar",
                "orientation": "h",
                "name": reached,
                "y": names,
                "x": [None if y is None else y - floor for y in years],
                "base": floor,
                "customdata": [[p.coverage_label, p.rate_label] for p in projections],
                "marker": {"color": [VERMILION if is_late else GREEN for is_late in late]},
                "hovertemplate": (
                    reached + ": %{x}<br>" + _("Coverage now") + ": %{customdata[0]}"
                    "<br>" + _("Rate (points a year)") + ": %{customdata[1]}<extra></extra>"
                ),
            }
        ]
        layout = layout_with(
            hovermode="closest",
            showlegend=False,
            xaxis=axis(_("Year"), tickformat="d", dtick=1 if max(known) - floor <= 12 else 5),
            yaxis=axis(_("Province"), autorange="reversed", type="category"),
            height=max(260, 60 + 24 * len(projections)),
            shapes=[reference_line(axis="x", at=target_year + 0.5, width=2)],
            annotations=[
                note(
                    _("National target: end of %(year)s") % {"year": target_year},
                    yref="paper",
                    y=1,
                    yanchor="bottom",
                    x=target_year + 0.5,
                )
            ],
            meta={"provisional": [], "table": "projection"},
        )
        layout["margin"] = {**layout["margin"], "t": 28}
        return {"data": data, "layout": layout}


def progress_figure(rows, *, language, target_year, rate_per_year):
    """National coverage per quarter, then two paths from the last row's quarter: at `rate_per_year`
    (percentage points a year, the current rate) and the one needed to reach 100% by the end of
    `target_year`. The future quarters run to the later of the target year and the projected year
    (at most 20 years on)."""
    with translation.override(language):
        x = quarter_labels(rows)
        data = [
            mark_provisional(
                rows,
                line_trace(
                    _("Sanitation coverage (%)"),
                    x,
                    [rounded(r.sanitation_coverage) for r in rows],
                    BLUE,
                    ".1f",
                    hovertemplate=_("Sanitation coverage") + ": %{y:.1f}%<extra></extra>",
                ),
            )
        ]
        layout = layout_with(
            xaxis=quarter_axis(), yaxis=percent_axis(_("Households (%)")), meta=provisional_meta(rows, x)
        )
        if rows and rows[-1].sanitation_coverage is not None:
            data += _paths_to_target(rows[-1], x[-1], target_year=target_year, rate_per_year=rate_per_year)
            at = quarter_label(target_year, 4)
            layout["shapes"] = [reference_line(axis="x", at=at)]
            text = _("Target year %(year)s") % {"year": target_year}
            layout["annotations"] = [note(text, xref="x", x=at, yref="paper", y=0.02, xanchor="right")]
        return {"data": data, "layout": layout}


def _paths_to_target(last, last_label, *, target_year, rate_per_year):
    """From the last row's quarter: coverage at the current rate and on the path needed for 100% by the end of
    `target_year`, to the later of the target year and the projected year (at most 20 years on)."""
    year, quarter, coverage = last.period.year, last.period.quarter, last.sanitation_coverage
    projected = indicators.projected_full_coverage_year(
        coverage=coverage, rate_per_year=rate_per_year, year=year, quarter=quarter
    )
    # Never before the last row's own year: a quarter after a target year now past would otherwise never end.
    end_year = max(year, min(max(target_year, projected or target_year), year + 20))
    future, (y, q) = [last_label], (year, quarter)
    while (y, q) < (end_year, 4):
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
        future.append(quarter_label(y, q))
    needed = indicators.required_rate_per_year(coverage=coverage, year=year, quarter=quarter, target_year=target_year)
    paths = []
    for name, rate, color, dash in (
        (_("At the current rate (%)"), rate_per_year, ORANGE, "dash"),
        (_("Needed for the target (%)"), needed, VERMILION, "dot"),
    ):
        if rate is not None:
            path = [
                rounded(indicators.coverage_after_quarters(coverage=coverage, rate_per_year=rate, quarters=k))
                for k in range(len(future))
            ]
            paths.append(path_trace(name, future, path, color, dash))
    return paths


# --- The numbers behind a figure -----------------------------------------------------------------------


def figure_table(figure):
    """{"columns": [...], "rows": [[category, value, ...], ...], "provisional": [category, ...]} from a figure
    of this module: one column per trace (its name), one row per category (quarter, unit or level) in
    first-seen order. Empty cells are None."""
    data = figure["data"]
    layout = figure["layout"]
    horizontal = any(trace.get("orientation") == "h" for trace in data)
    axis = layout.get("yaxis" if horizontal else "xaxis", {})
    columns = [axis.get("title", {}).get("text", "")]
    values = {}
    for index, trace in enumerate(data):
        columns.append(trace["name"])
        keys, numbers = (trace["y"], trace["x"]) if horizontal else (trace["x"], trace["y"])
        base = trace.get("base")
        for key, number in zip(keys, numbers, strict=False):
            if base is not None and number is not None:
                number = base + number
            values.setdefault(key, [None] * len(data))[index] = number
    return {
        "columns": columns,
        "rows": [[key, *numbers] for key, numbers in values.items()],
        "provisional": list(layout.get("meta", {}).get("provisional", [])),
    }
