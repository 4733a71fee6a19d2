"""Indicator arithmetic: the only place in the portal that divides.

Every rate is the ratio of summed counts (never a mean of units' percentages). A rate over
nothing (no households, nothing received) is None, shown as "—", not 0%.
"""
from decimal import Decimal


def ratio_pct(numerator, denominator):
    """100 * numerator / denominator as a float, or None when undefined."""
    if numerator is None or not denominator:
        return None
    return float(Decimal(numerator) * 100 / Decimal(denominator))


def sanitation_coverage(*, improved_own, improved_shared, total):
    """Households with access to an improved latrine (own or shared) / total households."""
    if improved_own is None and improved_shared is None:
        return None
    return ratio_pct((improved_own or 0) + (improved_shared or 0), total)


def basic_sanitation(*, improved_own, total):
    """Households with their own improved latrine / total households (JMP "basic")."""
    return ratio_pct(improved_own, total)


def open_defecation(*, open_defecation, total):
    return ratio_pct(open_defecation, total)


def idpoor_coverage(*, idpoor_improved, idpoor_households):
    return ratio_pct(idpoor_improved, idpoor_households)


def budget_utilisation(*, spent, received):
    """Functional-transfer budget spent / received (year to date when given YTD sums)."""
    return ratio_pct(spent, received)


def progress_pct(*, achieved, target):
    """How far an achieved count is toward a target count."""
    return ratio_pct(achieved, target)
