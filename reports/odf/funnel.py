"""The ODF funnel of a quarter, per unit: what moved in the quarter and where the stock stood at its end.

Flows (the quarter's own steps, first verifications only: a village entering ODF):
- declared: villages declared ODF (a claim's declared_on in the quarter);
- verified: villages whose verification visit passed in the quarter;
- certified: villages certified in the quarter;
- slipped: villages with a slippage recorded in the quarter;
- re-verified: certified villages certified again after a re-verification in the quarter.

Stock at the quarter's last day, by the rules of reports/odf/status.py (computed, never stored): certified villages,
ODF communes, ODF districts (of the units active then: retired villages leave the count, their successors count),
re-verifications overdue (due on or before that day, the village not certified again by then) and due in the next
quarter.

Read from the ODF records themselves, not the rollup table: the dashboards call it on a cache miss only (their
cache key changes with every rollup rebuild, and every ODF step schedules the rebuild of its district-quarter).
A fixed number of queries whatever the number of units (see funnel()).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, fields

from django.db.models import Max, Q, QuerySet, Subquery

from districts.models import Commune, District, Province, Village, existed_on
from reports import quarters
from reports.odf import status
from reports.odf.models import OdfClaim, OdfEvent, OdfSettings, OdfSlippage, OdfVisit

# The level of a unit's children in the funnel table: a district by commune, a province by district, the nation by
# province.
Unit = District | Province | None
Pair = tuple[int, int]
CHILD = {"district": "commune", "province": "district", "national": "province"}


@dataclass
class Counts:
    declared: int = 0
    verified: int = 0
    certified: int = 0
    slipped: int = 0
    reverified: int = 0
    villages: int = 0  # active at the quarter's end
    certified_villages: int = 0
    communes: int = 0
    odf_communes: int = 0
    districts: int = 0
    odf_districts: int = 0
    reverification_overdue: int = 0
    reverification_due_next: int = 0

    def add(self, other: "Counts") -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class Funnel:
    """A unit's funnel in a quarter: `rows` [(child unit, Counts)] in code order and their `total`."""

    level: str
    year: int
    quarter: int
    rows: list[tuple[object, Counts]]
    total: Counts
    newly: "Newly | None" = None


@dataclass
class Newly:
    """What became ODF in the quarter (for the recognition lists), each in code order: villages certified in it (their
    own certification) that were not certified at the previous quarter's end, and communes and districts ODF at its
    end that were not at the previous quarter's end."""

    villages: list[Village]
    communes: list[Commune]
    districts: list[District]


def _scope(level: str, unit: Unit, prefix: str) -> Q:
    """The filter on `prefix` (a path to the district) selecting the unit's records."""
    if level == "district":
        return Q(**{prefix: unit})
    if level == "province":
        return Q(**{f"{prefix}__province": unit})
    return Q()


def _flows(level: str, unit: Unit, first: datetime.date, last: datetime.date) -> dict[str, set[int]]:
    """{flow: {village id: ...}}: the villages of each flow in the quarter. Four queries."""
    where = _scope(level, unit, "village__commune__district")
    claims = OdfClaim.objects.filter(where)
    first_kind = OdfClaim.Kind.FIRST
    return {
        "declared": set(
            claims.filter(kind=first_kind, declared_on__range=(first, last)).values_list("village_id", flat=True)
        ),
        "verified": set(
            OdfVisit.objects.filter(
                _scope(level, unit, "claim__village__commune__district"),
                claim__kind=first_kind,
                result=OdfVisit.Result.PASS,
                visited_on__range=(first, last),
            ).values_list("claim__village_id", flat=True)
        ),
        **_certifications(claims.filter(state=OdfClaim.State.CERTIFIED, certified_on__range=(first, last))),
        "slipped": set(
            OdfSlippage.objects.filter(where, slipped_on__range=(first, last)).values_list("village_id", flat=True)
        ),
    }


def _certifications(claims: QuerySet) -> dict[str, set[int]]:
    certified: dict[str, set[int]] = {"certified": set(), "reverified": set()}
    for village_id, kind in claims.values_list("village_id", "kind"):
        certified["certified" if kind == OdfClaim.Kind.FIRST else "reverified"].add(village_id)
    return certified


def _units(
    level: str, unit: Unit, days: tuple[datetime.date, ...]
) -> dict[datetime.date, tuple[list[Pair], list[Pair], list[District]]]:
    """{day: (the active villages (id, commune id), communes (id, district id) and districts on it)} for each of
    `days`: three queries whatever the number of days. Each unit is read once with its retirement and its
    predecessors' latest (the gazetteer's with_lifespan), "active on the day" decided by its existed_on()."""
    villages = list(
        Village.objects.filter(_scope(level, unit, "commune__district"))
        .with_lifespan()
        .values_list("pk", "commune_id", "retired_on", "created")
    )
    communes = list(
        Commune.objects.filter(_scope(level, unit, "district"))
        .with_lifespan()
        .values_list("pk", "district_id", "retired_on", "created")
    )
    if level == "district":
        districts = [unit] if isinstance(unit, District) else []
    else:
        where = Q(province=unit) if level == "province" else Q()
        districts = list(District.objects.filter(where).with_lifespan().select_related("province"))
    return {
        day: (
            [(pk, parent) for pk, parent, retired_on, created in villages if existed_on(retired_on, created, day)],
            [(pk, parent) for pk, parent, retired_on, created in communes if existed_on(retired_on, created, day)],
            [d for d in districts if level == "district" or existed_on(d.retired_on, getattr(d, "created", None), day)],
        )
        for day in days
    }


def _children(child: str, unit: Unit, districts: list[District], last: datetime.date) -> list:
    """The child units of the funnel table in code order (at most one query)."""
    if child == "commune":
        return list(Commune.objects.active_on(last).filter(district=unit).order_by("code"))
    if child == "district":
        return sorted(districts, key=lambda d: d.code)
    return sorted({d.province for d in districts}, key=lambda p: p.code)


def records_version() -> tuple:
    """What the funnels were computed from, for a cache key: (the re-verification period, which moves due dates;
    the last ODF event: every step records one). One query (two before the settings row exists)."""
    last = OdfEvent.objects.values("pk").order_by("-pk")[:1]
    found = OdfSettings.objects.filter(pk=1).values_list("reverification_months", Subquery(last)).first()
    if found is None:  # the MRD's row is made at its first read: until then the period is the field's default
        default = OdfSettings._meta.get_field("reverification_months").get_default()
        return (default, OdfEvent.objects.aggregate(last=Max("pk"))["last"])
    return found


def funnel(level: str, unit: Unit, year: int, quarter: int, *, newly: bool = False, by: str | None = None) -> Funnel:
    """The funnel of `unit` ("district", "province"; "national" with unit None) in a quarter, by child unit (CHILD),
    or for the nation `by="district"` (see by_province() to group those rows again).

    Eleven to thirteen queries whatever the number of units: four for the flows, three for the units active at the
    quarter's end, three for their certifications (status.certified_villages), one for the re-verification period,
    for a district its communes, and one when a flow names a village retired by the quarter's end."""
    first, last = quarters.quarter_bounds(year, quarter)
    flows = _flows(level, unit, first, last)
    before_day = first - datetime.timedelta(days=1)
    units = _units(level, unit, (last, before_day) if newly else (last,))
    villages, communes, districts = units[last]
    certified = status.certified_villages([v for v, _c in villages], last)
    months = OdfSettings.current().reverification_months
    child = by or CHILD[level]
    children = _children(child, unit, districts, last)
    by_child = {unit.pk: Counts() for unit in children}
    place = _placement(child, villages, communes, districts, flows)

    def counts_of(village_id: int) -> Counts | None:
        return by_child.get(place.get(village_id) or 0)

    for name, village_ids in flows.items():
        for village_id in village_ids:
            if (counts := counts_of(village_id)) is not None:
                setattr(counts, name, getattr(counts, name) + 1)
    odf_communes = _count_stock(villages, certified, months, quarters.next_quarter(year, quarter), last, counts_of)
    odf_districts = _count_units(child, communes, districts, odf_communes, by_child)
    total = Counts()
    for counts in by_child.values():
        total.add(counts)
    if level == "district":
        total.districts, total.odf_districts = 1, int(unit.pk in odf_districts)  # type: ignore[union-attr]
    found = Funnel(level, year, quarter, [(unit, by_child[unit.pk]) for unit in children], total)
    if newly:
        found.newly = _newly(year, quarter, units[before_day], (certified, odf_communes, odf_districts))
    return found


def _count_units(
    child: str, communes: list[Pair], districts: list[District], odf_communes: set[int], by_child: dict[int, Counts]
) -> set[int]:
    """Add each child's communes and districts, ODF or not; return the ODF districts' ids."""
    odf_districts = status.odf_units(communes, odf_communes)
    province_of = {d.pk: d.province_id for d in districts}
    for commune_id, district_id in communes:
        key = commune_id if child == "commune" else _child_of_district(child, district_id, province_of)
        if (counts := by_child.get(key)) is not None:  # type: ignore[arg-type]
            counts.communes += 1
            counts.odf_communes += commune_id in odf_communes
    if child != "commune":
        for district in districts:
            if (counts := by_child.get(district.pk if child == "district" else district.province_id)) is not None:
                counts.districts += 1
                counts.odf_districts += district.pk in odf_districts
    return odf_districts


def _child_of_district(child: str, district_id: int, province_of: dict[int, int]) -> int | None:
    return district_id if child == "district" else province_of.get(district_id)


def by_province(found: Funnel) -> Funnel:
    """A national funnel by district (funnel(..., by="district")) grouped by province: the same counts, no query."""
    provinces: dict[int, tuple[object, Counts]] = {}
    for district, counts in found.rows:
        assert isinstance(district, District)
        grouped = provinces.setdefault(district.province_id, (district.province, Counts()))
        grouped[1].add(counts)
    rows = sorted(provinces.values(), key=lambda row: row[0].code)  # type: ignore[attr-defined]
    return Funnel(found.level, found.year, found.quarter, rows, found.total, found.newly)


def _placement(
    child: str, villages: list[Pair], communes: list[Pair], districts: list[District], flows: dict[str, set[int]]
) -> dict[int, int | None]:
    """{village id: id of its child unit in the funnel table}. A village of a flow that was retired by the quarter's
    end is not among the active ones: it is placed by its own commune (one query, only when there is one)."""
    district_of = dict(communes)
    province_of = {d.pk: d.province_id for d in districts}
    place: dict[int, int | None] = {}
    for village_id, commune_id in villages:
        if child == "commune":
            place[village_id] = commune_id
        elif child == "district":
            place[village_id] = district_of.get(commune_id)
        else:
            place[village_id] = province_of.get(district_of.get(commune_id, 0))
    missing = set().union(*flows.values()) - place.keys()
    if missing:
        path = {
            "commune": "commune_id",
            "district": "commune__district_id",
            "province": "commune__district__province_id",
        }
        place.update(Village.objects.filter(pk__in=missing).values_list("pk", path[child]))
    return place


def _count_stock(
    villages: list[Pair],
    certified: dict,
    months: int,
    next_quarter: tuple[int, int],
    last: datetime.date,
    counts_of: Callable[[int], Counts | None],
) -> set[int]:
    """Add each child's villages, certified villages and re-verifications due; return the ODF communes' ids."""
    next_first, next_last = quarters.quarter_bounds(*next_quarter)
    for village_id, _commune_id in villages:
        counts = counts_of(village_id)
        if counts is None:
            continue
        counts.villages += 1
        cert = certified.get(village_id)
        if cert is None:
            continue
        counts.certified_villages += 1
        due_on = status.add_months(cert.certified_on, months)
        counts.reverification_overdue += due_on <= last
        counts.reverification_due_next += next_first <= due_on <= next_last
    return status.odf_units(villages, certified)


def _newly(year: int, quarter: int, units_before: tuple, now: tuple) -> Newly:
    """Newly of the quarter from `now` (certified villages, ODF communes, ODF districts at its end) and the same at the
    previous quarter's end (`units_before`: the units active then): three queries, and one per list that is not
    empty (the names)."""
    first, last = quarters.quarter_bounds(year, quarter)
    before_day = first - datetime.timedelta(days=1)
    villages, communes, _districts = units_before
    certified = status.certified_villages([v for v, _c in villages], before_day)
    odf_communes = status.odf_units(villages, certified)
    odf_districts = status.odf_units(communes, odf_communes)
    certified_now, communes_now, districts_now = now
    village_ids = {
        v
        for v, cert in certified_now.items()
        if v not in certified and not cert.inherited and first <= cert.certified_on <= last
    }

    def named(model: type[Village | Commune | District], ids: set[int], related: str) -> list:
        return list(model.objects.filter(pk__in=ids).select_related(related).order_by("code")) if ids else []

    return Newly(
        villages=named(Village, village_ids, "commune"),
        communes=named(Commune, communes_now - odf_communes, "district"),
        districts=named(District, districts_now - odf_districts, "province"),
    )
