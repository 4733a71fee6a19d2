"""Charts for the PDFs without a browser: the dashboards' Plotly figure dicts drawn as SVG shapes plus HTML text.

draw(figure, width, height) reads a figure of reports.dashboards.figures (the same dict the dashboards plot)
and returns a PrintChart: an inline SVG holding only shapes (gridlines, bars, lines, markers, reference
lines) and, beside it, every piece of text (tick labels, axis titles, notes, the legend) as positioned HTML.
WeasyPrint draws the SVG as vectors and shapes the text with Pango/HarfBuzz like the rest of the page, so
Khmer is shaped correctly (WeasyPrint does not shape Khmer inside SVG <text>) and no Chromium is started.

It understands what the figure builders use: vertical bars (grouped, stacked or overlaid), horizontal bars,
lines and markers (dashes, steps, gaps, open markers for provisional points, a right-hand axis), hatched
bars for provisional figures, reference lines and notes. Anything else raises UnsupportedFigure, so a new
kind of chart fails in the tests rather than printing wrong.

Coordinates are CSS pixels (1/96 in); the SVG's viewBox equals its size, so strokes are never scaled.
"""

import math
import re
from dataclasses import dataclass, field

from django.utils.safestring import mark_safe

FONT_PX = 9.5  # 7.1 pt: tick labels and notes
LINE_PX = 13
GRID = "#e3e6ea"
AXIS = "#8a9096"
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_DASHES = {"solid": "", "dash": "6 4", "dot": "1.5 3", "dashdot": "6 3 1.5 3"}


class UnsupportedFigure(ValueError):
    """The figure uses something this renderer does not draw."""


@dataclass
class Label:
    text: str
    style: str  # absolute position and size, in px
    kind: str  # tick-x | tick-y | tick-y2 | axis-title | note | category


@dataclass
class LegendItem:
    name: str
    swatch: str  # a small inline SVG


@dataclass
class PrintChart:
    width: int
    height: int
    svg: str
    labels: list = field(default_factory=list)
    legend: list = field(default_factory=list)
    provisional: bool = False


def draw(figure, width, height=None, *, name="chart"):
    """A PrintChart of `figure` (a reports.dashboards.figures dict) `width` px wide.

    `height` is the plot's height for vertical charts; horizontal bar charts (one row per unit) take the
    height their rows need. `name` (letters, digits, hyphens) must be unique in the document: it names
    the chart's hatching pattern.
    """
    traces = figure["data"]
    for trace in traces:
        if trace.get("type") not in ("bar", "scatter"):
            raise UnsupportedFigure(f"trace type {trace.get('type')!r}")
    if any(trace.get("orientation") == "h" for trace in traces):
        chart = _HorizontalChart(figure, width)
    else:
        chart = _VerticalChart(figure, width, height or 230)
    chart.hatch_id = "hatch-" + re.sub(r"[^A-Za-z0-9-]", "-", name)
    return chart.draw()


# --- Scales ------------------------------------------------------------------------------------------------


def nice_ticks(low, high, count=5):
    """Round tick values from `low` to at least `high`: steps of 1, 2 or 5 times a power of ten."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks, value = [], first
    while value < high + step * 0.5 and len(ticks) < 50:
        ticks.append(round(value, 10))
        if value >= high:
            break
        value += step
    return ticks


def _value_range(axis, values, *, zero=True):
    """(low, high, ticks) of a numeric axis: the axis' own range when it has one, else from the values."""
    if "range" in axis:
        low, high = axis["range"]
        ticks = [t for t in nice_ticks(low, min(high, 100) if high > 100 else high) if low <= t <= high]
        return low, high, ticks
    present = [v for v in values if v is not None]
    low = min([0.0, *present]) if zero else min(present, default=0.0)
    high = max(present, default=1.0)
    ticks = nice_ticks(low, high if high > low else low + 1)
    return ticks[0], ticks[-1], ticks


def _tick_text(value, axis):
    number = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return f"{axis.get('tickprefix', '')}{number}{axis.get('ticksuffix', '')}"


def _colour(value, default=AXIS):
    return value if isinstance(value, str) and _COLOUR.fullmatch(value) else default


def _per_point(value, index, default):
    if isinstance(value, list):
        return value[index] if index < len(value) else default
    return default if value is None else value


def _title(axis):
    return (axis.get("title") or {}).get("text", "")


def _text_px(text):
    """A generous estimate of a label's width at FONT_PX (no font metrics here)."""
    return len(str(text)) * FONT_PX * 0.58 + 4


def _place(left, top, width=None, *, right=None, bottom=None, align="left"):
    parts = []
    if right is not None:
        parts.append(f"right:{right:.1f}px")
    else:
        parts.append(f"left:{left:.1f}px")
    parts.append(f"bottom:{bottom:.1f}px" if bottom is not None else f"top:{top:.1f}px")
    if width is not None:
        parts.append(f"width:{width:.1f}px")
    parts.append(f"text-align:{align}")
    return ";".join(parts)


# --- SVG pieces ----------------------------------------------------------------------------------------------


def _svg_line(x1, y1, x2, y2, colour, width=0.75, dash=""):
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" '
        f'stroke-width="{width}"{dash_attr}/>'
    )


def _svg_rect(x, y, w, h, colour, hatch_id=None):
    rect = f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{max(h, 0):.1f}" fill="{colour}"'
    if not hatch_id:
        return rect + "/>"
    # Provisional: a paler bar with hatching and a dashed outline, readable in black and white too.
    return (
        rect
        + ' fill-opacity="0.45"/>'
        + f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{max(h, 0):.1f}" '
        f'fill="url(#{hatch_id})" stroke="{colour}" stroke-width="0.8" stroke-dasharray="2 1.5"/>'
    )


def _svg_marker(x, y, symbol, size, colour):
    r = max(size, 4) / 2.6
    if symbol.startswith("diamond"):
        h, w = r * 1.3, r * 1.1
        shape = f'<path d="M{x:.1f} {y - h:.1f} L{x + w:.1f} {y:.1f} L{x:.1f} {y + h:.1f} L{x - w:.1f} {y:.1f} Z"'
    else:
        shape = f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}"'
    if symbol.endswith("-open"):
        return shape + f' fill="#ffffff" stroke="{colour}" stroke-width="1.3"/>'
    return shape + f' fill="{colour}"/>'


def _svg_document(width, height, body, hatch_id=None):
    hatch = (
        f'<defs><pattern id="{hatch_id}" width="5" height="5" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="5" stroke="#ffffff" stroke-width="2"/>'
        "</pattern></defs>"
        if hatch_id
        else ""
    )
    return mark_safe(  # noqa: S308 - numbers and checked colours only; no text from the data
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-shapes" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">{hatch}{"".join(body)}</svg>'
    )


def _swatch(trace):
    """The legend's key for a trace: a filled square for bars, the line (with its dash and marker) otherwise."""
    marker = trace.get("marker") or {}
    colour = _colour(marker.get("color") if isinstance(marker.get("color"), str) else None, None) or _colour(
        (trace.get("line") or {}).get("color")
    )
    if trace["type"] == "bar":
        body = f'<rect x="4" y="1" width="10" height="8" fill="{colour}"/>'
    else:
        mode = trace.get("mode", "lines")
        body = ""
        if "lines" in mode:
            dash = _DASHES.get((trace.get("line") or {}).get("dash", "solid"), "")
            body += _svg_line(0, 5, 18, 5, colour, 2, dash)
        if "markers" in mode:
            symbol = marker.get("symbol") if isinstance(marker.get("symbol"), str) else "circle"
            body += _svg_marker(9, 5, symbol, 7, colour)
    return mark_safe(  # noqa: S308 - numbers and checked colours only
        f'<svg xmlns="http://www.w3.org/2000/svg" width="18" height="10" viewBox="0 0 18 10">{body}</svg>'
    )


def _is_provisional(trace, index):
    marker = trace.get("marker") or {}
    symbols = marker.get("symbol")
    pattern = (marker.get("pattern") or {}).get("shape")
    return bool(
        (isinstance(symbols, list) and index < len(symbols) and symbols[index].endswith("-open"))
        or (isinstance(pattern, list) and index < len(pattern) and pattern[index])
    )


# --- The two kinds of chart ---------------------------------------------------------------------------------


class _VerticalChart:
    """Categories (quarters) along the bottom, values up: bars, lines, markers; an optional right-hand axis."""

    def __init__(self, figure, width, height):
        self.figure, self.layout = figure, figure["layout"]
        self.traces = figure["data"]
        self.width, self.height = width, height
        self.categories = []
        for trace in self.traces:
            for value in trace.get("x") or []:
                if value not in self.categories:
                    self.categories.append(value)
        self.body, self.labels, self.provisional = [], [], False

    def draw(self):
        layout = self.layout
        y_axis, y2_axis = layout.get("yaxis", {}), layout.get("yaxis2")
        left_traces = [t for t in self.traces if t.get("yaxis", "y") == "y"]
        right_traces = [t for t in self.traces if t.get("yaxis") == "y2"]
        y_low, y_high, y_ticks = _value_range(y_axis, self._stacked_values(left_traces))
        has_y2 = bool(y2_axis and right_traces)
        if has_y2:
            y2_low, y2_high, y2_ticks = _value_range(y2_axis, [v for t in right_traces for v in t["y"]])
        tick_width = max(_text_px(_tick_text(t, y_axis)) for t in y_ticks)
        margin_left = tick_width + 6
        margin_right = (max(_text_px(_tick_text(t, y2_axis)) for t in y2_ticks) + 6) if has_y2 else 10
        margin_top = LINE_PX + 10  # the axis titles above the plot, clear of the top tick label
        margin_bottom = 2 * LINE_PX + 6 + (LINE_PX if _title(layout.get("xaxis", {})) else 0)
        self.plot = (
            margin_left,
            margin_top,
            self.width - margin_left - margin_right,
            self.height - margin_top - margin_bottom,
        )
        px, py, pw, ph = self.plot

        def y_px(value, low=y_low, high=y_high):
            return py + ph - (value - low) / ((high - low) or 1) * ph

        self.y_px = y_px
        for tick in y_ticks:
            y = y_px(tick)
            self.body.append(_svg_line(px, y, px + pw, y, GRID))
            self.labels.append(
                Label(_tick_text(tick, y_axis), _place(0, y - LINE_PX / 2, tick_width, align="right"), "tick-y")
            )
        self.labels.append(Label(_title(y_axis), _place(0, 0, pw, align="left"), "axis-title"))
        if has_y2:
            for tick in y2_ticks:
                y = y_px(tick, y2_low, y2_high)
                self.labels.append(
                    Label(_tick_text(tick, y2_axis), _place(px + pw + 4, y - LINE_PX / 2, margin_right - 4), "tick-y2")
                )
            self.labels.append(Label(_title(y2_axis), _place(0, 0, right=0, align="right"), "axis-title"))
        self.body.append(_svg_line(px, py + ph, px + pw, py + ph, AXIS, 0.9))
        self._category_labels()
        self._bars(left_traces)
        for trace in self.traces:
            if trace["type"] == "scatter":
                scale = (lambda v: y_px(v, y2_low, y2_high)) if trace.get("yaxis") == "y2" else y_px
                self._line(trace, scale)
        for shape in layout.get("shapes", []):
            self._shape(shape)
        for annotation in layout.get("annotations", []):
            self._note(annotation)
        return PrintChart(
            self.width,
            self.height,
            _svg_document(self.width, self.height, self.body, self.hatch_id if self.provisional else None),
            self.labels,
            _legend(self.traces, self.layout),
            self.provisional,
        )

    def _stacked_values(self, traces):
        bars = [t for t in traces if t["type"] == "bar"]
        values = [v for t in traces if t["type"] != "bar" for v in t["y"]]
        if self.layout.get("barmode") == "stack":
            for category in self.categories:
                values.append(sum((dict(zip(t["x"], t["y"], strict=False)).get(category) or 0) for t in bars))
        else:
            values += [v for t in bars for v in t["y"]]
        return values

    def x_px(self, category):
        px, _py, pw, _ph = self.plot
        band = pw / max(len(self.categories), 1)
        return px + band * (self.categories.index(category) + 0.5)

    def _category_labels(self):
        px, py, pw, ph = self.plot
        count = max(len(self.categories), 1)
        band = pw / count
        widest = max((_text_px(c) for c in self.categories), default=0)
        # Two lines per label at most: keep every k-th quarter, always the last one.
        every = max(1, math.ceil(min(widest, 70) / band))
        for index, category in enumerate(self.categories):
            x = self.x_px(category)
            self.body.append(_svg_line(x, py + ph, x, py + ph + 3, AXIS, 0.9))
            if (count - 1 - index) % every == 0:
                label_width = min(band * every, self.width)
                left = min(max(x - label_width / 2, 0), self.width - label_width)
                place = _place(left, py + ph + 4, label_width, align="center")
                self.labels.append(Label(str(category), place, "tick-x"))
        title = _title(self.layout.get("xaxis", {}))
        if title:
            self.labels.append(Label(title, _place(px, self.height - LINE_PX - 1, pw, align="center"), "axis-title"))

    def _bars(self, traces):
        bars = [t for t in traces if t["type"] == "bar"]
        if not bars:
            return
        px, py, pw, ph = self.plot
        band = pw / max(len(self.categories), 1)
        mode = self.layout.get("barmode", "group")
        slots = len(bars) if mode == "group" else 1
        bar_width = band * 0.72 / slots
        stacks = {}
        for slot, trace in enumerate(bars):
            colour = _colour((trace.get("marker") or {}).get("color"))
            for index, (category, value) in enumerate(zip(trace["x"], trace["y"], strict=False)):
                if value is None:
                    continue
                hatched = _is_provisional(trace, index)
                self.provisional |= hatched
                base = stacks.get(category, 0) if mode == "stack" else 0
                x = self.x_px(category) - band * 0.36 + (slot if mode == "group" else 0) * bar_width
                top, bottom = self.y_px(base + value), self.y_px(base)
                self.body.append(
                    _svg_rect(x, min(top, bottom), bar_width, abs(bottom - top), colour, hatched and self.hatch_id)
                )
                if mode == "stack":
                    stacks[category] = base + value

    def _line(self, trace, scale):
        line = trace.get("line") or {}
        marker = trace.get("marker") or {}
        colour = _colour(line.get("color") or marker.get("color"))
        mode = trace.get("mode", "lines")
        points = [
            (self.x_px(category), scale(value)) if value is not None else None
            for category, value in zip(trace["x"], trace["y"], strict=False)
        ]
        if "lines" in mode:
            step = line.get("shape") == "hv"
            dash = _DASHES.get(line.get("dash", "solid"), "")
            for segment in _segments(points):
                path = f"M{segment[0][0]:.1f} {segment[0][1]:.1f}"
                for x1, y1 in segment[1:]:
                    path += f" H{x1:.1f} V{y1:.1f}" if step else f" L{x1:.1f} {y1:.1f}"
                if step:  # a step holds its last value to the end of its last category
                    path += f" h{(self.plot[2] / max(len(self.categories), 1)) / 2:.1f}"
                width = min(float(line.get("width", 2)), 2.5) * 0.8
                dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
                self.body.append(
                    f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="{width:.2f}" '
                    f'stroke-linejoin="round"{dash_attr}/>'
                )
        if "markers" in mode:
            for index, point in enumerate(points):
                if point is None:
                    continue
                symbol = _per_point(marker.get("symbol"), index, "circle")
                size = _per_point(marker.get("size"), index, 6)
                self.provisional |= symbol.endswith("-open")
                self.body.append(_svg_marker(point[0], point[1], symbol, size, colour))

    def _position(self, ref, value, horizontal):
        px, py, pw, ph = self.plot
        if ref == "paper":
            return px + value * pw if horizontal else py + ph - value * ph
        if horizontal:
            if value in self.categories:
                return self.x_px(value)
            return px + pw + 2  # a category beyond the plotted quarters: at the right edge
        return self.y_px(value)

    def _shape(self, shape):
        if shape.get("type") != "line":
            raise UnsupportedFigure(f"shape {shape.get('type')!r}")
        line = shape.get("line") or {}
        x0 = self._position(shape.get("xref", "x"), shape["x0"], True)
        x1 = self._position(shape.get("xref", "x"), shape["x1"], True)
        y0 = self._position(shape.get("yref", "y"), shape["y0"], False)
        y1 = self._position(shape.get("yref", "y"), shape["y1"], False)
        self.body.append(_svg_line(x0, y0, x1, y1, _colour(line.get("color")), 1, _DASHES.get(line.get("dash"), "")))

    def _note(self, annotation):
        x = self._position(annotation.get("xref", "x"), annotation["x"], True)
        y = self._position(annotation.get("yref", "y"), annotation["y"], False)
        x_anchor, y_anchor = annotation.get("xanchor", "center"), annotation.get("yanchor", "middle")
        width = _text_px(annotation["text"])
        left = {"left": x + 2, "right": x - width - 2}.get(x_anchor, x - width / 2)
        top = {"bottom": y - LINE_PX - 1, "top": y + 1}.get(y_anchor, y - LINE_PX / 2)
        left = min(max(left, 0), self.width - width)
        self.labels.append(
            Label(
                annotation["text"],
                _place(left, top, width, align=x_anchor if x_anchor != "center" else "center"),
                "note",
            )
        )


class _HorizontalChart:
    """One row per unit (a league table): names on the left, bars and markers along a value axis below."""

    ROW = 15

    def __init__(self, figure, width):
        self.layout = figure["layout"]
        self.traces = figure["data"]
        self.width = width
        self.units = []
        for trace in self.traces:
            for value in trace.get("y") or []:
                if value not in self.units:
                    self.units.append(value)

    def draw(self):
        x_axis = self.layout.get("xaxis", {})
        values = [(v or 0) + (t.get("base") or 0) for t in self.traces for v in t["x"] if v is not None]
        self.low, self.high, ticks = _value_range(x_axis, values)
        self.name_width = min(max((_text_px(u) for u in self.units), default=40), self.width * 0.3)
        margin_left, margin_right = self.name_width + 6, 14
        margin_top, margin_bottom = LINE_PX + 4, 2 * LINE_PX + 4
        self.height = int(margin_top + margin_bottom + self.ROW * max(len(self.units), 1))
        self.plot = (margin_left, margin_top, self.width - margin_left - margin_right,
                     self.height - margin_top - margin_bottom)  # fmt: skip
        self.body, self.labels, self.provisional = [], [], False
        self._axes(x_axis, ticks)
        for trace in self.traces:
            self._marks(trace)
        px, py, _pw, ph = self.plot
        for shape in self.layout.get("shapes", []):
            if shape.get("type") != "line":
                raise UnsupportedFigure(f"shape {shape.get('type')!r}")
            x = self.x_px(shape["x0"])
            colour = _colour((shape.get("line") or {}).get("color"))
            self.body.append(_svg_line(x, py, x, py + ph, colour, 1, _DASHES["dot"]))
        if self.layout.get("annotations"):
            raise UnsupportedFigure("notes on a horizontal chart")
        svg = _svg_document(self.width, self.height, self.body, self.hatch_id if self.provisional else None)
        legend = _legend(self.traces, self.layout)
        return PrintChart(self.width, self.height, svg, self.labels, legend, self.provisional)

    def x_px(self, value):
        px, _py, pw, _ph = self.plot
        return px + (value - self.low) / ((self.high - self.low) or 1) * pw

    def y_px(self, unit):
        return self.plot[1] + self.ROW * (self.units.index(unit) + 0.5)

    def _axes(self, x_axis, ticks):
        px, py, pw, ph = self.plot
        for tick in ticks:
            x = self.x_px(tick)
            self.body.append(_svg_line(x, py, x, py + ph, GRID))
            self.labels.append(
                Label(_tick_text(tick, x_axis), _place(x - 25, py + ph + 3, 50, align="center"), "tick-x")
            )
        self.labels.append(
            Label(_title(x_axis), _place(px, self.height - LINE_PX - 1, pw, align="center"), "axis-title")
        )
        y_title = _title(self.layout.get("yaxis", {}))
        self.labels.append(Label(y_title, _place(0, 0, self.name_width, align="right"), "axis-title"))
        self.body.append(_svg_line(px, py, px, py + ph, AXIS, 0.9))
        for unit in self.units:
            place = _place(0, self.y_px(unit) - LINE_PX / 2, self.name_width, align="right")
            self.labels.append(Label(str(unit), place, "category"))

    def _marks(self, trace):
        marker = trace.get("marker") or {}
        for index, (value, unit) in enumerate(zip(trace["x"], trace["y"], strict=False)):
            if value is None:
                continue
            colour = _colour(_per_point(marker.get("color"), index, AXIS))
            y = self.y_px(unit)
            if trace["type"] == "bar":
                hatched = _is_provisional(trace, index)
                self.provisional |= hatched
                base = trace.get("base") or 0
                start, end = self.x_px(max(base, self.low)), self.x_px(base + value)
                self.body.append(
                    _svg_rect(
                        start, y - self.ROW * 0.34, end - start, self.ROW * 0.68, colour, hatched and self.hatch_id
                    )
                )
            else:
                symbol = _per_point(marker.get("symbol"), index, "circle")
                size = _per_point(marker.get("size"), index, 7)
                self.body.append(_svg_marker(self.x_px(value), y, symbol, size, colour))


def _segments(points):
    """Runs of consecutive points without a gap (a None value breaks the line, as on the dashboards)."""
    segment = []
    for point in points:
        if point is None:
            if len(segment) > 1:
                yield segment
            segment = []
        else:
            segment.append(point)
    if len(segment) > 1:
        yield segment


def _legend(traces, layout):
    if layout.get("showlegend") is False:
        return []
    return [LegendItem(trace["name"], _swatch(trace)) for trace in traces if trace.get("name")]
