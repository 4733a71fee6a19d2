"""Plotly building blocks shared by the figure builders: colours, layout, axes, traces, provisional marks.

Plain dicts only (no plotly import); every label is translated under the language active when called.
"""

from django.utils.translation import gettext as _

from reports.quarters import label as quarter_label

FONT = "Noto Sans, Noto Sans Khmer, sans-serif"
# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
BLUE, ORANGE, GREEN, SKY, VERMILION, PURPLE, YELLOW, GREY = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#56B4E9",
    "#D55E00",
    "#CC79A7",
    "#F0E442",
    "#7f7f7f",
)


def has_unapproved(row):
    """True when a provisional row counts reports submitted but not yet approved (its figures may change)."""
    return bool(row is not None and row.is_provisional and row.reports_included > row.reports_approved)


def rounded(value, digits=2):
    return None if value is None else round(float(value), digits)


def quarter_labels(rows):
    return [quarter_label(row.period.year, row.period.quarter) for row in rows]


def layout_with(**extra):
    layout = {
        "font": {"family": FONT, "size": 13},
        "margin": {"l": 56, "r": 16, "t": 40, "b": 48},
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        "hovermode": "x unified",
        "hoverlabel": {"font": {"family": FONT}},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "separators": ".,",
    }
    for key, value in extra.items():
        layout[key] = {**layout[key], **value} if isinstance(value, dict) and key in layout else value
    return layout


def axis(title, **extra):
    return {"title": {"text": title}, "gridcolor": "#e5e5e5", "zeroline": False, "automargin": True, **extra}


def quarter_axis(**extra):
    """The category axis of quarters: at most about eight labels, whatever the number of quarters."""
    return axis(_("Quarter"), type="category", nticks=8, **extra)


def percent_axis(title):
    return axis(title, range=[0, 105], ticksuffix="%")


def provisional_meta(rows, labels):
    """Which categories hold unapproved figures: read by figure_table and the page's legend."""
    return {"provisional": [label for row, label in zip(rows, labels, strict=False) if has_unapproved(row)]}


def mark_provisional(rows, trace, kind="line"):
    """Mark the points of rows with unapproved figures: open markers on lines, hatching on bars."""
    flags = [has_unapproved(row) for row in rows]
    if not any(flags):
        return trace
    note = " " + _("(provisional)")
    trace["customdata"] = [note if flag else "" for flag in flags]
    trace["hovertemplate"] = trace["hovertemplate"].replace("<extra></extra>", "%{customdata}<extra></extra>")
    marker = trace.setdefault("marker", {})
    if kind == "line":
        marker["symbol"] = ["circle-open" if flag else "circle" for flag in flags]
        marker["size"] = [10 if flag else 6 for flag in flags]
    else:
        marker["pattern"] = {"shape": ["/" if flag else "" for flag in flags], "solidity": 0.35}
    return trace


def line_trace(name, x, y, color, fmt, **extra):
    return {
        "type": "scatter",
        "mode": "lines+markers",
        "name": name,
        "x": x,
        "y": y,
        "line": {"color": color, "width": 2.5},
        "marker": {"color": color, "size": 6},
        "hovertemplate": f"{name}: %{{y:{fmt}}}<extra></extra>",
        **extra,
    }


def bar_trace(name, x, y, color, fmt, **extra):
    return {
        "type": "bar",
        "name": name,
        "x": x,
        "y": y,
        "marker": {"color": color},
        "hovertemplate": f"{name}: %{{y:{fmt}}}<extra></extra>",
        **extra,
    }


def reference_line(*, axis, at, width=1.5):
    """A dotted grey line across the plot: horizontal (axis "y") or vertical (axis "x") at `at`."""
    across = "x" if axis == "y" else "y"
    line = {"color": GREY, "dash": "dot", "width": width}
    return {"type": "line", f"{across}ref": "paper", f"{across}0": 0, f"{across}1": 1, f"{axis}ref": axis,
            f"{axis}0": at, f"{axis}1": at, "line": line}  # fmt: skip


def note(text, **position):
    """A small grey annotation without an arrow, placed by `position` (xref, x, yref, y, anchors)."""
    return {"showarrow": False, "font": {"size": 11, "color": GREY}, "text": text, **position}


def path_trace(name, x, y, color, dash, *, hover_name=None):
    """A dashed or dotted line without markers (a target or a projected path); hovering names it `hover_name`
    (default: `name` without its " (%)")."""
    hover = (hover_name or name.replace(" (%)", "")) + ": %{y:.1f}%<extra></extra>"
    line = {"color": color, "dash": dash, "width": 2}
    return {"type": "scatter", "mode": "lines", "name": name, "x": x, "y": y, "line": line, "hovertemplate": hover}
