"""Two quarters compared like with like: coverage over the districts that have figures (their own or
carried forward) in both, never a partial quarter against a full one.

Used for every "change since" and for the projection of the year of 100 % coverage. A projection rests on
the districts' own reports: it is not made when fewer than half of the compared districts reported in
either quarter (most of its figures would be carried forward, i.e. no change at all).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from districts.models import District, Province
from reports import indicators
from reports.rollups.models import DataState, Rollup, RollupLevel

# {district id: its row's values} of one quarter.
Units = dict[int, Mapping[str, Any]]
NATION = None  # the key of the national comparison in coverage_between()'s result


@dataclass
class Comparison:
    """Coverage of the same districts in two quarters."""

    now: float | None
    then: float | None
    common: int  # districts with figures in both quarters
    left_out: int  # districts with figures in only one of them (not compared)
    reported_now: int  # of the common districts, those whose own report counts in each quarter
    reported_then: int

    @property
    def change(self) -> float | None:
        return None if self.now is None or self.then is None else self.now - self.then

    @property
    def rests_on_reports(self) -> bool:
        """At least half of the compared districts reported in each quarter (enough to project from)."""
        return self.common > 0 and 2 * self.reported_now >= self.common and 2 * self.reported_then >= self.common


def _has_figures(values: Mapping[str, Any]) -> bool:
    return bool(values["reports_included"] or values["carried_since"])


def _coverage(rows: list[Mapping[str, Any]]) -> float | None:
    return indicators.sanitation_coverage(
        improved_own=sum(r["hh_improved_own"] for r in rows),
        improved_shared=sum(r["hh_improved_shared"] for r in rows),
        total=sum(r["households_total"] for r in rows),
    )


def _compare(now_rows: Units, then_rows: Units) -> Comparison:
    """A Comparison from {district id: values} of each quarter."""
    now = {d: r for d, r in now_rows.items() if _has_figures(r)}
    then = {d: r for d, r in then_rows.items() if _has_figures(r)}
    common = now.keys() & then.keys()
    return Comparison(
        now=_coverage([now[d] for d in common]) if common else None,
        then=_coverage([then[d] for d in common]) if common else None,
        common=len(common),
        left_out=len(now.keys() ^ then.keys()),
        reported_now=sum(1 for d in common if now[d]["reports_included"]),
        reported_then=sum(1 for d in common if then[d]["reports_included"]),
    )


FIELDS = ["district_id", "province_id", "period_id", "reports_included", "carried_since"] + [
    "hh_improved_own",
    "hh_improved_shared",
    "households_total",
]


def coverage_between(
    now_period_id: int,
    then_period_ids: Iterable[int | None],
    *,
    provisional: bool,
    district: District | None = None,
    province: Province | None = None,
) -> dict[int, dict[int | None, Comparison]]:
    """{then period id: {key: Comparison}} of the quarter `now_period_id` with each of `then_period_ids` (None
    entries skipped), over the district rows of one data state. Key None: the nation (all districts, or those of
    `province`, or `district` alone); a province's id: that province's districts. One query."""
    then_ids = [pk for pk in then_period_ids if pk is not None and pk != now_period_id]
    if not then_ids:
        return {}
    rows = Rollup.objects.filter(
        level=RollupLevel.DISTRICT,
        data_state=DataState.PROVISIONAL if provisional else DataState.APPROVED,
        period_id__in=[now_period_id, *then_ids],
    )
    if district is not None:
        rows = rows.filter(district=district)
    elif province is not None:
        rows = rows.filter(province=province)
    by_period: dict[int, dict[int | None, Units]] = {}
    for values in rows.values(*FIELDS):
        for key in (NATION, values["province_id"]):
            by_period.setdefault(values["period_id"], {}).setdefault(key, {})[values["district_id"]] = values
    now = by_period.get(now_period_id, {})
    return {
        then_id: {key: _compare(now.get(key, {}), units) for key, units in by_period.get(then_id, {}).items()}
        for then_id in then_ids
    }
