"""When the PDFs compare two quarters: like with like only.

A rollup row rests on districts: those whose own report is counted this quarter, and (for stock figures:
households, latrine types, IDPoor, ODF villages; see Rollup.STOCK_FIELDS) those carried forward from an
earlier quarter. The expected districts with neither have no figures and are left out.

- Stock figures of two quarters are compared only when both rows rest on the same districts: the same
  number expected, the same number with figures (reported + carried forward) and the same districts
  without figures.
- Flow figures (latrines built, activities, trainings, money) are each quarter's own reports only: they are
  compared only when the same districts reported in both quarters; a quarter where not every expected
  district reported is never compared with a full one.

Otherwise the change is not shown ("—") and a footnote says why (NOTES). Plain functions of the rows;
the district rows of each quarter, when given, name the districts (no query).
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from reports.rollups import basis
from reports.rollups.models import RollupLevel

STOCK, FLOW = "stock", "flow"
# The footnote mark printed after "—" in a change column, by the kind of figure not compared.
MARKS = {STOCK: "*", FLOW: "†"}


def note(kind):
    """The footnote of a change not shown, in the active language."""
    if kind == STOCK:
        return _("Not compared: the two quarters rest on different districts.")
    return _(
        "Not compared: this figure counts each quarter's own reports only, and not the same districts reported "
        "in both quarters."
    )


@dataclass(frozen=True)
class Footing:
    """What a row's figures rest on."""

    expected: int  # districts expected to report
    reported: int  # districts whose own report is counted
    carried: int  # districts whose stock figures are carried forward
    without_figures: frozenset | None = None  # codes of expected districts with no figures (None: not known)
    reporting: frozenset | None = None  # codes of the districts whose report is counted (None: not known)

    @property
    def with_figures(self):
        return self.reported + self.carried


@dataclass(frozen=True)
class Comparability:
    """Whether a row's stock and flow figures may be compared with the row of another quarter."""

    stocks: bool
    flows: bool

    def of(self, kind):
        return self.stocks if kind == STOCK else self.flows


def footing(row, district_rows=None):
    """The Footing of a rollup row (saved or not): its counts are reports.rollups.basis's. A commune or district
    row rests on itself; a province or national row on its districts: give their rows of the same quarter and
    data state (`district_rows`, any others are ignored) to name them."""
    counted = basis.of_row(row, names=False)
    if row.level in (RollupLevel.COMMUNE, RollupLevel.DISTRICT):
        return Footing(
            expected=1 if row.level == RollupLevel.COMMUNE else row.reports_expected,
            reported=counted.reported,
            carried=counted.carried,
            without_figures=frozenset() if counted.with_figures else frozenset([row.code]),
            reporting=frozenset([row.code]) if counted.reported else frozenset(),
        )
    without = reporting = None
    if district_rows is not None:
        under = [
            r
            for r in district_rows
            if r.level == RollupLevel.DISTRICT
            and r.data_state == row.data_state
            and (row.level == RollupLevel.NATIONAL or r.province_id == row.province_id)
        ]
        without = frozenset(
            r.code for r in under if r.reports_expected and not r.reports_included and r.carried_since is None
        )
        reporting = frozenset(r.code for r in under if r.reports_included)
    return Footing(
        expected=counted.expected,
        reported=counted.reported,
        carried=counted.carried,
        without_figures=without,
        reporting=reporting,
    )


def _same(a, b):
    """Sets equal, or at least one of them not known."""
    return a is None or b is None or a == b


def stocks_comparable(now, before):
    """Whether two quarters' stock figures rest on the same districts (Footings; False if one is None)."""
    if now is None or before is None:
        return False
    return (
        now.expected == before.expected
        and now.with_figures == before.with_figures
        and _same(now.without_figures, before.without_figures)
    )


def flows_comparable(now, before):
    """Whether two quarters' flow figures come from the same districts' reports (Footings; False if one is
    None): never a partial quarter against a full one."""
    if now is None or before is None:
        return False
    return (
        now.expected == before.expected and now.reported == before.reported and _same(now.reporting, before.reporting)
    )


def comparability(now_row, before_row, now_districts=None, before_districts=None):
    """Comparability of a row with the same unit's row of an earlier quarter. With no earlier row there is
    nothing to compare (the change is "—" anyway, with no footnote): comparable."""
    if before_row is None:
        return Comparability(stocks=True, flows=True)
    now, before = footing(now_row, now_districts), footing(before_row, before_districts)
    return Comparability(stocks=stocks_comparable(now, before), flows=flows_comparable(now, before))
