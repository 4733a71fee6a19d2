"""Indicator arithmetic: known values, undefined rates, ratio of sums."""

import pytest

from districts.templatetags.portal import percent
from reports import indicators


def test_ratio_pct_known_values():
    assert indicators.ratio_pct(1, 4) == 25.0
    assert indicators.ratio_pct(0, 7) == 0.0
    assert indicators.ratio_pct(2, 3) == pytest.approx(66.6667, abs=1e-4)
    assert isinstance(indicators.ratio_pct(1, 3), float)


@pytest.mark.parametrize("denominator", [0, None])
def test_ratio_pct_is_undefined_over_nothing(denominator):
    assert indicators.ratio_pct(5, denominator) is None


def test_ratio_pct_without_numerator_is_undefined():
    assert indicators.ratio_pct(None, 10) is None


def test_sanitation_coverage_counts_own_and_shared_improved():
    assert indicators.sanitation_coverage(improved_own=30, improved_shared=10, total=80) == 50.0
    # One of the two missing counts as zero; both missing means not entered.
    assert indicators.sanitation_coverage(improved_own=30, improved_shared=None, total=60) == 50.0
    assert indicators.sanitation_coverage(improved_own=None, improved_shared=15, total=60) == 25.0
    assert indicators.sanitation_coverage(improved_own=None, improved_shared=None, total=60) is None


@pytest.mark.parametrize("total", [0, None])
def test_sanitation_coverage_undefined_without_households(total):
    assert indicators.sanitation_coverage(improved_own=0, improved_shared=0, total=total) is None


def test_basic_sanitation_counts_own_improved_only():
    assert indicators.basic_sanitation(improved_own=30, total=120) == 25.0
    assert indicators.basic_sanitation(improved_own=30, total=0) is None
    assert indicators.basic_sanitation(improved_own=30, total=None) is None


def test_open_defecation_rate():
    assert indicators.open_defecation(open_defecation=12, total=48) == 25.0
    assert indicators.open_defecation(open_defecation=12, total=0) is None
    assert indicators.open_defecation(open_defecation=12, total=None) is None


def test_idpoor_coverage():
    assert indicators.idpoor_coverage(idpoor_improved=9, idpoor_households=12) == 75.0
    assert indicators.idpoor_coverage(idpoor_improved=0, idpoor_households=0) is None
    assert indicators.idpoor_coverage(idpoor_improved=0, idpoor_households=None) is None


def test_budget_utilisation():
    assert indicators.budget_utilisation(spent=750, received=1000) == 75.0
    assert indicators.budget_utilisation(spent=1500, received=1000) == 150.0  # overspending shows as such
    assert indicators.budget_utilisation(spent=10, received=0) is None
    assert indicators.budget_utilisation(spent=10, received=None) is None


def test_progress_pct():
    assert indicators.progress_pct(achieved=45, target=60) == 75.0
    assert indicators.progress_pct(achieved=45, target=0) is None
    assert indicators.progress_pct(achieved=45, target=None) is None


def test_coverage_of_several_villages_is_ratio_of_sums_not_mean_of_percentages():
    # A big village at 10% and a small one at 100%: the district has 18 of 100 households covered,
    # not the 55% an average of the two percentages would claim.
    villages = [dict(own=9, shared=0, total=90), dict(own=5, shared=5, total=10)]
    mean_of_percentages = sum(
        indicators.sanitation_coverage(improved_own=v["own"], improved_shared=v["shared"], total=v["total"])
        for v in villages
    ) / len(villages)
    coverage = indicators.sanitation_coverage(
        improved_own=sum(v["own"] for v in villages),
        improved_shared=sum(v["shared"] for v in villages),
        total=sum(v["total"] for v in villages),
    )
    assert mean_of_percentages == 55.0
    assert coverage == 19.0
    # Shown to people with one decimal and a percent sign; undefined is a dash, not 0%.
    assert percent(coverage) == "19.0%"
    assert percent(None) == "—"
