"""What an aggregate rests on: how many districts reported this quarter, how many are carried forward (and
since when), and which expected districts have no figures at all (excluded, named).

Every figure the portal shows from a rollup row (dashboards, CSVs, PDFs) states this, in the words below;
the rule itself (stock carried, flow not) is build.py's.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reports import quarters
from reports.rollups.models import Rollup, RollupLevel


def quarter_label(year_quarter: tuple[int, int] | None) -> str:
    """The quarter's name (quarters.label); "" for None."""
    return "" if year_quarter is None else quarters.label(*year_quarter)


@dataclass
class Basis:
    """The basis of one rollup row: districts expected, reported this quarter, carried forward."""

    level: str
    expected: int
    reported: int
    carried: int
    oldest: tuple[int, int] | None  # (year, quarter) of the oldest carried figures
    without_figures: list[str] = field(default_factory=list)  # names of expected districts with no figures yet

    @property
    def with_figures(self) -> int:
        return self.reported + self.carried

    @property
    def oldest_label(self) -> str:
        return quarter_label(self.oldest)

    @property
    def is_partial(self) -> bool:
        """True when the stock figures are not all this quarter's own reports."""
        return self.carried > 0 or self.reported < self.expected

    def stock_sentence(self) -> str:
        """ "Based on 8 of 8 districts: 1 reported this quarter, 7 carried forward from earlier quarters
        (oldest: Q2 2019)." For a district (one unit): its own state."""
        if self.level in (RollupLevel.COMMUNE, RollupLevel.DISTRICT):
            if self.reported:
                return _("Reported this quarter.")
            if self.carried:
                return _("No report counted this quarter: figures carried forward from %(quarter)s.") % {
                    "quarter": self.oldest_label
                }
            return _("No figures yet.")
        values = {
            "with": self.with_figures,
            "expected": self.expected,
            "reported": self.reported,
            "carried": self.carried,
            "quarter": self.oldest_label,
        }
        if not self.carried:
            return (
                ngettext(
                    "Based on %(with)s of %(expected)s district: %(reported)s reported this quarter.",
                    "Based on %(with)s of %(expected)s districts: %(reported)s reported this quarter.",
                    self.expected,
                )
                % values
            )
        return (
            ngettext(
                "Based on %(with)s of %(expected)s district: %(reported)s reported this quarter, %(carried)s carried "
                "forward from earlier quarters (oldest: %(quarter)s).",
                "Based on %(with)s of %(expected)s districts: %(reported)s reported this quarter, %(carried)s carried "
                "forward from earlier quarters (oldest: %(quarter)s).",
                self.expected,
            )
            % values
        )

    def short_stock(self) -> str:
        """ "1 reported, 7 carried forward (oldest Q2 2019)": for a KPI card or a table cell."""
        if self.level in (RollupLevel.COMMUNE, RollupLevel.DISTRICT):
            if self.reported:
                return _("reported")
            return _("carried forward from %(quarter)s") % {"quarter": self.oldest_label} if self.carried else "—"
        if not self.carried:
            return _("%(reported)s of %(expected)s reported") % {"reported": self.reported, "expected": self.expected}
        return _("%(reported)s reported, %(carried)s carried forward (oldest %(quarter)s)") % {
            "reported": self.reported,
            "carried": self.carried,
            "quarter": self.oldest_label,
        }

    def flow_sentence(self) -> str:
        """ "1 of 8 districts reported this quarter.": flows are the quarter's own reports only."""
        return ngettext(
            "%(reported)s of %(expected)s district reported this quarter.",
            "%(reported)s of %(expected)s districts reported this quarter.",
            self.expected,
        ) % {"reported": self.reported, "expected": self.expected}

    def without_figures_sentence(self) -> str:
        """ "2 districts have no figures yet and are left out: A, B." ("" when every district has figures)."""
        if not self.without_figures:
            return ""
        return ngettext(
            "%(count)s district has no figures yet and is left out: %(names)s.",
            "%(count)s districts have no figures yet and are left out: %(names)s.",
            len(self.without_figures),
        ) % {"count": len(self.without_figures), "names": ", ".join(self.without_figures)}

    def csv_values(self) -> list[int | str]:
        """[reported_units, carried_forward_units, oldest_carried_quarter] (see CSV_HEADER)."""
        return [self.reported, self.carried, "" if self.oldest is None else f"{self.oldest[0]}Q{self.oldest[1]}"]


# The basis columns of every CSV (machine names: the same in both languages).
CSV_HEADER = ["reported_units", "carried_forward_units", "oldest_carried_quarter"]


def of_row(row: Rollup, *, names: bool = True) -> Basis:
    """The Basis of a rollup row. For a province or the nation with `names`, one query for the districts
    without figures (expected, no report counted, nothing to carry)."""
    level = row.level
    if level in (RollupLevel.COMMUNE, RollupLevel.DISTRICT):
        reported = 1 if (row.reports_included or (level == RollupLevel.COMMUNE and not row.is_carried)) else 0
        return Basis(
            level=level,
            expected=1,
            reported=reported,
            carried=int(row.is_carried),
            oldest=row.oldest_carried_quarter,
        )
    missing = []
    if names and row.reports_expected > row.reports_included + row.carried_units:
        missing = districts_without_figures(row)
    return Basis(
        level=level,
        expected=row.reports_expected,
        reported=row.reports_included,
        carried=row.carried_units,
        oldest=row.oldest_carried_quarter,
        without_figures=missing,
    )


def districts_without_figures(row: Rollup) -> list[str]:
    """Names (active language) of the expected districts under a province or national row with no figures in
    its quarter and data state: no report counted, nothing earlier to carry. One query."""
    found = Rollup.objects.filter(
        level=RollupLevel.DISTRICT,
        period_id=row.period_id,
        data_state=row.data_state,
        reports_expected=1,
        reports_included=0,
        carried_since__isnull=True,
    ).select_related("district")
    if row.level == RollupLevel.PROVINCE and row.province_id is not None:
        found = found.filter(province_id=row.province_id)
    return [r.district.name for r in found.order_by("code") if r.district is not None]
