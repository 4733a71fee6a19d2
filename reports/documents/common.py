"""What the three PDF documents share: titles, indicator lines, the page footer, digests and rendering with charts.

Rates come from reports.indicators or the rows' indicator properties; charts from
reports.dashboards.figures, drawn for print by reports.documents.print_charts.
"""

import hashlib
import json
import logging
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from districts.templatetags.portal import count, money, percent
from reports.documents import comparisons, print_charts
from reports.documents import renderer as pdf
from reports.documents.models import PdfKind
from reports.rollups.models import Rollup

logger = logging.getLogger(__name__)

# Part of every stored PDF's key: bump it when a template changes what a stored document shows.
# 3: the basis of the figures (reported, carried forward, without figures) and like-with-like changes.
# 4: the quarter's ODF funnel from the verification records.
# 5: the district scorecard in the national rollup (by province, its weights in the digest).
FORMAT_VERSION = 5
TREND_QUARTERS = 12  # quarters shown in trend charts (three years)
LEAGUE_EXTREMES = 15  # districts shown at each end of the national district league table
# Chart sizes in CSS pixels (1/96 in), drawn at print size: the text column of an A4 page is 182 mm (688 px)
# wide, a chart in a row of two 336 px. Horizontal (league) charts take the height their rows need (None).
WIDE_CHART, HALF_CHART, PROVINCE_CHART = (688, 240), (336, 220), (688, 200)

DOCUMENT_TITLES = {
    PdfKind.DISTRICT: gettext_lazy("District quarterly report"),
    PdfKind.PROVINCIAL: gettext_lazy("Provincial quarterly summary"),
    PdfKind.NATIONAL: gettext_lazy("National rollup"),
}


@dataclass
class Indicator:
    """One line of an indicator table: this quarter, last quarter, the change and the plan target."""

    label: str
    now: object
    before: object = None
    target: object = None
    kind: str = "count"  # count | pct | money
    comparable: bool = True  # False when last quarter's value measures something else (a YTD of last year)
    note: str = ""
    flow: bool = False  # a figure of the quarter's own reports (Rollup.STOCK_FIELDS are the stock figures)
    # comparisons.STOCK or FLOW when the two quarters' figures do not rest on the same districts: the change
    # is not shown, and the table's footnote of that kind says why.
    not_compared: str = ""

    @property
    def mark(self):
        """The footnote mark after a change not shown ("" when shown, or when there is nothing to compare)."""
        return comparisons.MARKS.get(self.not_compared, "")

    def _format(self, value):
        return {"pct": percent, "money": money}.get(self.kind, count)(value)

    @property
    def now_display(self):
        return self._format(self.now)

    @property
    def before_display(self):
        return self._format(self.before) if self.comparable else "—"

    @property
    def target_display(self):
        return "" if self.target is None else self._format(self.target)

    @property
    def change_display(self):
        """Signed difference: percentage points for rates, the count or amount otherwise."""
        if not self.comparable or self.not_compared or self.now is None or self.before is None:
            return "—"
        change = float(self.now) - float(self.before)
        if self.kind == "pct":
            return _("%(change)s pts") % {"change": f"{change:+.1f}"}
        if self.kind == "money":
            return f"{'+' if change >= 0 else '−'}${abs(change):,.2f}"
        return f"{int(change):+,d}"


def page_footer_parts():
    """The translated "Page X of Y" split around its two numbers, which the stylesheet's counters fill in."""
    text = _("Page %(page)s of %(pages)s")
    before, rest = text.split("%(page)s", 1)
    middle, after = rest.split("%(pages)s", 1)
    return {"before": before, "middle": middle, "after": after}


def common_context(kind, title, unit_line, period, language, marking=None):
    return {
        "document_kind": kind,
        "document_title": title,
        "unit_line": unit_line,
        "period": period,
        "marking": marking,
        "language": language,
        "generated_at": timezone.localtime(),
        "page_footer": page_footer_parts(),
        "charts": {},
    }


class IndicatorTable(list):
    """Indicator lines, with the footnotes of the changes not shown."""

    @property
    def notes(self):
        """[(mark, text)] of the kinds of change not shown in these lines, stock first."""
        kinds = {line.not_compared for line in self if line.not_compared and line.before is not None}
        return [(comparisons.MARKS[kind], comparisons.note(kind)) for kind in (comparisons.STOCK, comparisons.FLOW)
                if kind in kinds]  # fmt: skip


def compared(lines, comparability):
    """`lines` (Indicators) as an IndicatorTable, each marked not compared when a comparisons.Comparability
    (None: all comparable) does not allow its kind of figure, flow or stock."""
    table = IndicatorTable(lines)
    if comparability is None:
        return table
    for line in table:
        kind = comparisons.FLOW if line.flow else comparisons.STOCK
        if line.before is not None and not comparability.of(kind):
            line.not_compared = kind
    return table


def rollup_indicators(now, before, *, target=None, comparability=None):
    """The indicator lines of a rollup-like row (saved or not) against the row of the quarter before; with a
    comparisons.Comparability, the changes it does not allow are not shown."""
    b = before

    def value(row, attr):
        return None if row is None else getattr(row, attr)

    lines = [
        Indicator(_("Households in total"), now.households_total, value(b, "households_total")),
        Indicator(_("Villages reported"), now.villages_reported, value(b, "villages_reported")),
        Indicator(
            _("Sanitation coverage"),
            now.sanitation_coverage,
            value(b, "sanitation_coverage"),
            target=target.coverage_pct if target else None,
            kind="pct",
        ),
        Indicator(
            _("Basic sanitation (own improved latrine)"), now.basic_sanitation, value(b, "basic_sanitation"), kind="pct"
        ),
        Indicator(_("Open defecation"), now.open_defecation, value(b, "open_defecation"), kind="pct"),
        Indicator(_("IDPoor coverage"), now.idpoor_coverage, value(b, "idpoor_coverage"), kind="pct"),
        Indicator(_("Handwashing place with soap and water"), now.handwashing, value(b, "handwashing"), kind="pct"),
        Indicator(_("Latrines built this quarter"), now.latrines_built, value(b, "latrines_built"), flow=True),
        Indicator(
            _("ODF villages (verified)"),
            now.odf_villages_verified,
            value(b, "odf_villages_verified"),
            target=target.odf_villages if target else None,
        ),
        Indicator(_("Declared ODF, not yet verified"), now.odf_villages_declared, value(b, "odf_villages_declared")),
        Indicator(
            _("Villages triggered, not yet declared ODF"), now.villages_triggered, value(b, "villages_triggered")
        ),
        # Named apart from the certified ODF communes the same documents print (the ODF funnel).
        Indicator(_("Communes reported ODF"), now.odf_communes, value(b, "odf_communes")),
        Indicator(
            _("CLTS triggering events this quarter"), now.triggering_events, value(b, "triggering_events"), flow=True
        ),
    ]
    return compared(lines, comparability)


def digest(*parts):
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


def row_fingerprint(row):
    """Every value of a rollup row a document prints: its key, its sums, and since when its figures are carried."""
    return [
        row.level,
        row.code,
        row.period_id,
        row.data_state,
        str(row.carried_since),
        *[str(getattr(row, f)) for f in Rollup.SUM_FIELDS],
    ]


def unit_names(units):
    return sorted([unit.code, unit.name_km, unit.name_latin] for unit in units if unit is not None)


def render_with_charts(template, context, figures, language, *, progress=None):
    """Render a document whose charts are {name: (figure dict, width px, height px or None)}."""
    context["charts"] = draw_charts(figures)
    if progress:
        progress(len(figures), len(figures))
    return pdf.render_pdf(template, context, language)


def draw_charts(figures):
    """{name: print_charts.PrintChart}; a chart that cannot be drawn is logged and left out (the template
    says so in its place, and the tables hold its figures)."""
    drawn = {}
    for name, (figure, width, height) in figures.items():
        try:
            drawn[name] = print_charts.draw(figure, width, height, name=name)
        except Exception:
            logger.exception("Could not draw the chart %s; the PDF is made without it.", name)
    return drawn


def format_date(moment):
    return date_format(
        timezone.localtime(moment) if hasattr(moment, "tzinfo") and moment.tzinfo else moment, "DATE_FORMAT"
    )
