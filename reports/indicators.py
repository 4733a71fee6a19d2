"""Indicator arithmetic: the only place in the portal that divides.

Every rate is the ratio of summed counts (never a mean of units' percentages). A rate over
nothing (no households, nothing received) is None, shown as "—", not 0%.
"""

import math
from decimal import Decimal

# What the arithmetic takes: counts (int), sums of money (Decimal) and percentages (float).
Number = int | float | Decimal


def ratio_pct(numerator: Number | None, denominator: Number | None) -> float | None:
    """100 * numerator / denominator as a float, or None when undefined."""
    if numerator is None or not denominator:
        return None
    return float(Decimal(numerator) * 100 / Decimal(denominator))


def sanitation_coverage(*, improved_own: int | None, improved_shared: int | None, total: int | None) -> float | None:
    """Households with access to an improved latrine (own or shared) / total households."""
    if improved_own is None and improved_shared is None:
        return None
    return ratio_pct((improved_own or 0) + (improved_shared or 0), total)


def basic_sanitation(*, improved_own: int | None, total: int | None) -> float | None:
    """Households with their own improved latrine / total households (JMP "basic")."""
    return ratio_pct(improved_own, total)


def open_defecation(*, open_defecation: int | None, total: int | None) -> float | None:
    return ratio_pct(open_defecation, total)


def idpoor_coverage(*, idpoor_improved: int | None, idpoor_households: int | None) -> float | None:
    return ratio_pct(idpoor_improved, idpoor_households)


def budget_utilisation(*, spent: Number | None, received: Number | None) -> float | None:
    """Functional-transfer budget spent / received (year to date when given YTD sums)."""
    return ratio_pct(spent, received)


def progress_pct(*, achieved: Number | None, target: Number | None) -> float | None:
    """How far an achieved count is toward a target count."""
    return ratio_pct(achieved, target)


# --- Projections (dashboards): straight lines from the latest quarter -------------------------------


def _end_of_quarter(year: int, quarter: int) -> float:
    """A quarter's end as a fractional year: Q4 2025 ends at 2026.0."""
    return year + quarter / 4


def projected_full_coverage_year(
    *, coverage: float | None, rate_per_year: float | None, year: int, quarter: int
) -> int | None:
    """The calendar year in which coverage reaches 100% if it keeps rising by `rate_per_year` percentage
    points a year from the end of (year, quarter). The quarter's year when already at 100%; None when
    coverage is unknown or not rising."""
    if coverage is None or rate_per_year is None:
        return None
    if coverage >= 100:
        return year
    if rate_per_year <= 0:
        return None
    reached = _end_of_quarter(year, quarter) + (100 - coverage) / rate_per_year
    return math.ceil(reached) - 1


def required_rate_per_year(*, coverage: float | None, year: int, quarter: int, target_year: int) -> float | None:
    """Percentage points a year needed from the end of (year, quarter) to reach 100% by the end of
    `target_year`; None when coverage is unknown or no time is left."""
    if coverage is None:
        return None
    years_left = target_year + 1 - _end_of_quarter(year, quarter)
    if years_left <= 0:
        return None
    return max(0.0, (100 - coverage) / years_left)


def coverage_after_quarters(*, coverage: float | None, rate_per_year: float | None, quarters: int) -> float | None:
    """Coverage `quarters` quarters on at `rate_per_year` percentage points a year, capped at 100%."""
    if coverage is None or rate_per_year is None:
        return None
    return min(100.0, coverage + rate_per_year * quarters / 4)


def weighted_score(values: dict[str, float | None], weights: dict[str, int]) -> tuple[dict[str, float], float | None]:
    """A score out of 100 from component values (%, 0–100) and their weights: each component's points are
    weight × value / the sum of the weights (a component without a value scores 0 points), the score their sum.
    None (and no points) when every weight is 0."""
    total_weight = sum(weights.values())
    if not total_weight:
        return {key: 0.0 for key in values}, None
    points = {key: weights.get(key, 0) * (value or 0.0) / total_weight for key, value in values.items()}
    return points, sum(points.values())


def capped_pct(numerator: Number | None, denominator: Number | None) -> float | None:
    """ratio_pct capped at 100 (spending more than received counts as all of it used)."""
    value = ratio_pct(numerator, denominator)
    return None if value is None else min(value, 100.0)
