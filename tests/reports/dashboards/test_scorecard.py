"""The district scorecard (reports/dashboards/scorecard.py) against hand-computed values; the MRD's weights change
the points and the scores and nothing else."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import translation

from reports.dashboards import scorecard
from reports.dashboards.models import DEFAULT_WEIGHTS, ScorecardWeights
from reports.odf.funnel import Counts


def row(coverage=None, on_time=0, expected=1, spent=0, received=0):
    return SimpleNamespace(
        sanitation_coverage=coverage,
        reports_on_time=on_time,
        reports_expected=expected,
        spent_total=Decimal(spent),
        ft_received=Decimal(received),
    )


def district_x():
    """Coverage 60%; 3 of 4 villages certified and 1 slipped; 3 of 4 reports on time; 50 of 200 USD spent."""
    now = row(60.0, on_time=1, spent=30, received=100)
    recent = [now, row(on_time=1), row(on_time=1), row(on_time=0)]
    this_year = [now, row(spent=20, received=100)]
    odf = Counts(certified_villages=3, villages=4, slipped=1)
    return SimpleNamespace(code="0508", name="Thpong"), now, recent, this_year, odf


def by_key(result):
    return {c.key: (c.value, c.weight, pytest.approx(c.points)) for c in result.components}


def test_the_scorecard_against_hand_computed_values():
    (result,) = scorecard.district_scores([district_x()], DEFAULT_WEIGHTS)

    assert by_key(result) == {
        "coverage": (60.0, 30, 18.0),
        "odf": (75.0, 25, 18.75),
        "sustainability": (75.0, 15, 11.25),
        "timeliness": (75.0, 15, 11.25),
        "budget": (25.0, 15, 3.75),
    }
    assert result.total == pytest.approx(63.0)


def test_weights_changed_by_the_mrd_change_the_scores_and_nothing_else():
    (before,) = scorecard.district_scores([district_x()], DEFAULT_WEIGHTS)
    weights = {"coverage": 0, "odf": 50, "sustainability": 0, "timeliness": 25, "budget": 25}
    (after,) = scorecard.district_scores([district_x()], weights)

    assert [c.value for c in after.components] == [c.value for c in before.components]
    assert [c.points for c in after.components] == pytest.approx([0, 37.5, 0, 18.75, 6.25])
    assert after.total == pytest.approx(62.5)
    # Only the proportions count: equal weights give the plain mean of the five values.
    (equal,) = scorecard.district_scores([district_x()], dict.fromkeys(DEFAULT_WEIGHTS, 1))
    assert equal.total == pytest.approx((60 + 75 + 75 + 75 + 25) / 5)


def test_a_district_without_figures_scores_zero_and_shows_no_values():
    unit = SimpleNamespace(code="0501", name="Basedth")
    (result,) = scorecard.district_scores([(unit, None, [], [], None)], DEFAULT_WEIGHTS)

    assert [c.value for c in result.components] == [None] * 5
    assert result.total == 0


def test_spending_more_than_received_counts_as_all_of_it_and_nothing_slipped_is_fully_sustained():
    now = row(50.0, on_time=1, spent=300, received=100)
    unit = SimpleNamespace(code="0501", name="Basedth")
    (result,) = scorecard.district_scores([(unit, now, [now], [now], Counts(certified_villages=2, villages=2))], {})

    values = {c.key: c.value for c in result.components}
    assert (values["budget"], values["sustainability"], values["odf"]) == (100.0, 100.0, 100.0)
    assert result.total is None  # no weight at all: no score


def test_the_formula_prints_the_weights(db):
    weights = ScorecardWeights.current()
    weights.odf = 40
    weights.save()
    with translation.override("en"):
        text = scorecard.formula(ScorecardWeights.current().as_dict())
    assert "30 × Coverage progress + 40 × ODF certified share" in text and "÷ 115" in text
