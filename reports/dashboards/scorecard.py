"""The district scorecard: five components, each shown with its value, its weight and its points, and the total.

Components (values in %, 0–100), for a district and a quarter:
- coverage: sanitation coverage reached in the quarter (progress toward every household with an improved latrine);
- odf: certified ODF villages at the quarter's end / active villages (reports.odf.funnel);
- sustainability: villages still certified at the quarter's end / (those + villages that slipped back in the
  quarter): 100% when nothing slipped; no value when the district had nothing certified to keep;
- timeliness: district reports submitted on time / reports expected, over the last four quarters;
- budget: functional-transfer budget spent / received, year to date, at most 100%.

Score = Σ weight × value / Σ weights (reports.indicators.weighted_score): out of 100, each component's points its
share of it; a component without a value scores 0 points and says so. The weights are the MRD's
(reports.dashboards.models.ScorecardWeights, set on the MRD's page); changing them changes the points and scores,
never the values. The scorecard is never reduced to a rank: every table shows the components beside the total.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports import indicators

COMPONENTS = ("coverage", "odf", "sustainability", "timeliness", "budget")
LABELS = {
    "coverage": gettext_lazy("Coverage progress"),
    "odf": gettext_lazy("ODF certified share"),
    "sustainability": gettext_lazy("Sustainability (no slippage)"),
    "timeliness": gettext_lazy("Reporting timeliness"),
    "budget": gettext_lazy("Budget use"),
}


@dataclass
class Component:
    key: str
    label: str
    value: float | None  # %, 0–100
    weight: int
    points: float


@dataclass
class Score:
    unit: object
    components: list[Component]
    total: float | None


def component_values(*, now, recent, this_year, odf) -> dict[str, float | None]:
    """Each component's value (%) from a district's rollup rows (`now`: the quarter's, None without one; `recent`:
    the last four quarters'; `this_year`: the year's up to the quarter) and its ODF funnel Counts (`odf`)."""
    certified = odf.certified_villages if odf else 0
    slipped = odf.slipped if odf else 0
    return {
        "coverage": now.sanitation_coverage if now else None,
        "odf": indicators.ratio_pct(certified, odf.villages if odf else 0),
        "sustainability": indicators.ratio_pct(certified, certified + slipped),
        "timeliness": indicators.ratio_pct(
            sum(r.reports_on_time for r in recent), sum(r.reports_expected for r in recent)
        ),
        "budget": indicators.capped_pct(sum(r.spent_total for r in this_year), sum(r.ft_received for r in this_year)),
    }


def score(unit, values: dict[str, float | None], weights: dict[str, int]) -> Score:
    points, total = indicators.weighted_score(values, weights)
    return Score(
        unit=unit,
        components=[
            Component(key, str(LABELS[key]), values[key], weights.get(key, 0), points[key]) for key in COMPONENTS
        ],
        total=total,
    )


def district_scores(inputs, weights: dict[str, int]) -> list[Score]:
    """[Score] of the districts in `inputs` [(district, now row, recent rows, this year's rows, funnel Counts)],
    highest score first (then by code). No query."""
    scores = [
        score(unit, component_values(now=now, recent=recent, this_year=this_year, odf=odf), weights)
        for unit, now, recent, this_year, odf in inputs
    ]
    return sorted(scores, key=lambda s: (s.total is None, -(s.total or 0), s.unit.code))


def formula(weights: dict[str, int]) -> str:
    """The score's formula with the MRD's weights, as printed under every scorecard table."""
    terms = " + ".join(f"{weights.get(key, 0)} × {LABELS[key]}" for key in COMPONENTS)
    return _(
        "Score = (%(terms)s) ÷ %(total)s. Each value is a percentage (0–100); a component without a value scores 0. "
        "Weights set by the MRD."
    ) % {"terms": terms, "total": sum(weights.values())}
