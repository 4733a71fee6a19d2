"""The rules for quarterly data. Plain functions over plain values, each with tests.

Errors block saving the form they are in. Warnings (plausibility) never block saving, but each
must be explained before the report is submitted; the reviewer sees every explanation.
Messages are translated at call time, in the user's language.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports import indicators
from reports.models import DistrictReport

# One village row's figures by field name, as a form cleaned them or as read from the row.
Values = Mapping[str, Any]

HOUSEHOLD_CATEGORIES = ["hh_improved_own", "hh_improved_shared", "hh_unimproved", "hh_open_defecation"]
VILLAGE_REQUIRED = [
    "households_total",
    *HOUSEHOLD_CATEGORIES,
    "idpoor_households",
    "idpoor_improved",
    "latrines_built",
    "hh_handwashing",
    "odf_status",
]
ODF_STATES = ("declared", "verified")

COVERAGE_JUMP_POINTS = 20
MAX_COUNT = 100_000_000  # far above any real count, far below the database's integer limit
HOUSEHOLD_CHANGE_SHARE = Decimal("0.10")


def parse_count(raw: object) -> int | None:
    """A count typed by a person: a whole, non-negative number, or None when left empty."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    text = str(raw).strip().replace(",", "").replace(" ", "")
    try:
        number: Decimal | None = Decimal(text)
    except ArithmeticError:
        number = None
    if number is None or not number.is_finite():  # "abc", "NaN", "Infinity"
        raise ValidationError(_("Enter a whole number, such as 12."), code="not_a_number")
    if number != number.to_integral_value():
        raise ValidationError(_("Enter a whole number: %(value)s is not one.") % {"value": raw}, code="not_whole")
    if number < 0:
        raise ValidationError(_("A count cannot be negative."), code="negative")
    if number > MAX_COUNT:
        raise ValidationError(_("%(value)s is too large for a count.") % {"value": raw}, code="too_large")
    return int(number)


def village_errors(values: Values) -> dict[str, list[str]]:
    """Arithmetic errors in one village's figures: {field: [message, ...]}. Empty fields are skipped."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    total = values.get("households_total")
    categories: list[Any] = [values.get(f) for f in HOUSEHOLD_CATEGORIES]  # counts or None; summed only if none is None
    if total is not None and all(c is not None for c in categories) and sum(categories) != total:
        add(
            "households_total",
            _(
                "The four household groups (own improved, shared improved, unimproved, "
                "open defecation) add up to %(sum)d, but the total is %(total)d."
            )
            % {"sum": sum(categories), "total": total},
        )
    if total is not None:
        for field in HOUSEHOLD_CATEGORIES + ["latrines_built", "hh_handwashing"]:
            value = values.get(field)
            if value is not None and value > total:
                add(
                    field,
                    _("%(value)d is more than the %(total)d households of the village.")
                    % {"value": value, "total": total},
                )
    idpoor, idpoor_improved = values.get("idpoor_households"), values.get("idpoor_improved")
    if idpoor is not None and total is not None and idpoor > total:
        add(
            "idpoor_households",
            _("IDPoor households (%(idpoor)d) cannot be more than all households (%(total)d).")
            % {"idpoor": idpoor, "total": total},
        )
    if idpoor_improved is not None and idpoor is not None and idpoor_improved > idpoor:
        add(
            "idpoor_improved",
            _("IDPoor households with a latrine (%(with)d) cannot be more than IDPoor households (%(idpoor)d).")
            % {"with": idpoor_improved, "idpoor": idpoor},
        )
    return errors


def participants_error(*, women: int | None, participants: int | None) -> str | None:
    """Women are counted among the participants, so they cannot outnumber them."""
    if women is not None and participants is not None and women > participants:
        return _("Women (%(women)d) cannot be more than all participants (%(participants)d).") % {
            "women": women,
            "participants": participants,
        }
    return None


def budget_error(*, spent: Decimal | None, received: Decimal | None, carried_over: Decimal | None) -> str | None:
    """A district cannot spend more than it received this quarter plus what it carried over."""
    if spent is None:
        return None
    available = (received or 0) + (carried_over or 0)
    if spent > available:
        return _(
            "Spending this quarter (%(spent)s USD) is more than the budget received plus carried over "
            "(%(available)s USD)."
        ) % {"spent": f"{spent:,.2f}", "available": f"{available:,.2f}"}
    return None


@dataclass(frozen=True)
class PlausibilityWarning:
    code: str
    field: str
    message: str


def village_warnings(current: Values, previous: Values | None = None) -> list[PlausibilityWarning]:
    """Implausible but possible figures; each needs an explanation before submission.

    `current` and `previous` are mappings of a village's figures this quarter and last quarter.
    """
    warnings: list[PlausibilityWarning] = []
    total = current.get("households_total")
    od = current.get("hh_open_defecation")
    if current.get("odf_status") in ODF_STATES and od:
        warnings.append(
            PlausibilityWarning(
                "odf_with_open_defecation",
                "hh_open_defecation",
                _("The village is declared ODF, but %(od)d households still practise open defecation.") % {"od": od},
            )
        )
    if previous:
        before = previous.get("households_total")
        if total is not None and before and abs(Decimal(total - before)) > HOUSEHOLD_CHANGE_SHARE * before:
            warnings.append(
                PlausibilityWarning(
                    "household_total_jump",
                    "households_total",
                    _("The number of households changed from %(before)d to %(after)d, more than 10%% in one quarter.")
                    % {"before": before, "after": total},
                )
            )
        now = coverage_of(current)
        then = coverage_of(previous)
        if now is not None and then is not None and abs(now - then) > COVERAGE_JUMP_POINTS:
            warnings.append(
                PlausibilityWarning(
                    "coverage_jump",
                    "hh_improved_own",
                    _(
                        "Sanitation coverage changed from %(before).0f%% to %(after).0f%%, more than 20 points "
                        "in one quarter."
                    )
                    % {"before": then, "after": now},
                )
            )
    return warnings


def coverage_of(values: Values) -> float | None:
    return indicators.sanitation_coverage(
        improved_own=values.get("hh_improved_own"),
        improved_shared=values.get("hh_improved_shared"),
        total=values.get("households_total"),
    )


def village_missing(values: Values) -> list[str]:
    """The required fields of a village row that are still empty."""
    return [field for field in VILLAGE_REQUIRED if values.get(field) in (None, "")]


# Shown in the "what is still missing" list of the report page.
MISSING_DISTRICT_SECTIONS = {
    "working_group": gettext_lazy("District working-group meeting"),
    "budget": gettext_lazy("Functional-transfer budget"),
    "suppliers": gettext_lazy("Latrine suppliers and masons"),
    "narrative": gettext_lazy("Narrative"),
}


def district_section_missing(report: DistrictReport) -> list[str]:
    """Which parts of the district's own section are still empty (a list of keys of MISSING_DISTRICT_SECTIONS)."""
    missing: list[str] = []
    if report.wg_meeting_held is None or (report.wg_meeting_held and not report.wg_meeting_date):
        missing.append("working_group")
    if report.ft_annual_allocation is None or report.ft_received is None or report.spent_total is None:
        missing.append("budget")
    if report.active_suppliers is None or report.active_masons is None:
        missing.append("suppliers")
    if not (report.achievements.strip() and report.challenges.strip() and report.next_quarter_plan.strip()):
        missing.append("narrative")
    return missing
