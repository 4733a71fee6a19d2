"""Who is ODF, computed from the records and never stored: certified villages, ODF communes and districts, and
when a certified village is due for re-verification.

- A village is certified when it has a certified claim and no slippage recorded after that certification (a later
  certification brings it back). A village that never had a verification of its own, but succeeds retired
  villages (gazetteer changes re-code villages) that were all certified when retired, inherits their
  certification, until it slips or is verified itself.
- A commune is ODF when it has active villages and every one of them is certified; a district, when it has active
  communes and every one of them is ODF. "Active" is the gazetteer's `active_on(day)`: retired villages no longer
  count, their successors do.
- A certified village is due for re-verification `OdfSettings.reverification_months` after its certification.

The commune and district rule is odf_units(), here and nowhere else: the funnels, dashboards and certificates read
it through this module. Three queries answer any number of villages (certified_villages); commune and district
questions add one each.
"""

import calendar
import datetime
from collections.abc import Container, Iterable
from dataclasses import dataclass

from django.db.models import Max, QuerySet
from django.utils import timezone

from districts.models import Commune, District, Village
from reports.odf.models import OdfClaim, OdfSettings, OdfSlippage


@dataclass(frozen=True)
class Certification:
    certified_on: datetime.date
    certified_at: datetime.datetime
    inherited: bool = False  # from the retired villages this one succeeds


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the month's last day when it has no such day (31 Jan + 1 → 28/29 Feb)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def reverification_due_on(certified_on: datetime.date, months: int | None = None) -> datetime.date:
    if months is None:
        months = OdfSettings.current().reverification_months
    return add_months(certified_on, months)


# Above this many villages a query reads the records of every village rather than list the ids: a province's or the
# nation's villages (14,570) as an IN list took 0.1-0.2 s a query to send and plan, reading every row a few ms.
# Records of other villages are read and left unused (the callers look up their own villages only).
FEW_VILLAGES = 1000


def _of_villages(queryset: QuerySet, field: str, village_ids: set[int]) -> QuerySet:
    return queryset.filter(**{f"{field}__in": village_ids}) if len(village_ids) <= FEW_VILLAGES else queryset


def _own_records(
    village_ids: set[int], on: datetime.date
) -> tuple[dict[int, tuple[datetime.date, datetime.datetime]], dict[int, datetime.datetime]]:
    """Each village's latest certification (date, time) and latest slippage (time) up to `on` (of these villages
    and, when they are many, of others too): two queries."""
    claims = OdfClaim.objects.filter(state=OdfClaim.State.CERTIFIED, certified_on__lte=on)
    certified = {
        row["village_id"]: (row["on"], row["at"])
        for row in _of_villages(claims, "village_id", village_ids)
        .values("village_id")
        .annotate(on=Max("certified_on"), at=Max("certified_at"))
    }
    slipped = dict(
        _of_villages(OdfSlippage.objects.filter(slipped_on__lte=on), "village_id", village_ids)
        .values("village_id")
        .annotate(at=Max("recorded_at"))
        .values_list("village_id", "at")
    )
    return certified, slipped


def certified_villages(villages: Iterable[Village] | Iterable[int], on: datetime.date | None = None) -> dict:
    """{village id: Certification} of those of `villages` (objects or ids) certified on `on` (default today).
    Three queries, whatever the number of villages."""
    on = on or timezone.localdate()
    ids = {v if isinstance(v, int) else v.pk for v in villages}
    predecessors: dict[int, set[int]] = {}
    successions = _of_villages(Village.successors.through.objects.all(), "to_village_id", ids)
    for successor_id, predecessor_id in successions.values_list("to_village_id", "from_village_id"):
        predecessors.setdefault(successor_id, set()).add(predecessor_id)
    certified, slipped = _own_records(ids.union(*predecessors.values()), on)

    def own(village_id: int) -> Certification | None:
        if village_id not in certified:
            return None
        certified_on, certified_at = certified[village_id]
        return Certification(certified_on, certified_at)

    result = {}
    for village_id in ids:
        cert = own(village_id)
        if cert is None and predecessors.get(village_id):
            inherited = [own(p) for p in predecessors[village_id]]
            if all(inherited):
                first = min(inherited, key=lambda c: c.certified_at)  # type: ignore[union-attr]
                cert = Certification(first.certified_on, first.certified_at, inherited=True)  # type: ignore[union-attr]
        if cert is not None and not (village_id in slipped and slipped[village_id] > cert.certified_at):
            result[village_id] = cert
    return result


def village_certification(village: Village, on: datetime.date | None = None) -> Certification | None:
    return certified_villages([village.pk], on).get(village.pk)


def odf_units(members: Iterable[tuple[int, int]], odf_members: Container[int]) -> set[int]:
    """The rule, defined here once for both levels: of the units `members` names ((member id, unit id) pairs: the
    villages of communes, or the communes of districts, active on the day), those with at least one member and every
    member ODF (`odf_members`: the certified villages, or the ODF communes). No query."""
    units, not_odf = set(), set()
    for member_id, unit_id in members:
        units.add(unit_id)
        if member_id not in odf_members:
            not_odf.add(unit_id)
    return units - not_odf


def active_villages(communes: Iterable[Commune], on: datetime.date) -> dict[int, list[Village]]:
    """{commune id: its villages active on `on`, by code} of those of `communes` that have any. One query."""
    villages: dict[int, list[Village]] = {}
    for village in Village.objects.active_on(on).filter(commune__in=list(communes)).order_by("code"):
        villages.setdefault(village.commune_id, []).append(village)
    return villages


def active_communes(district: District, on: datetime.date) -> list[Commune]:
    """The district's communes active on `on`, by code. One query."""
    return list(Commune.objects.active_on(on).filter(district=district).order_by("code"))


@dataclass(frozen=True)
class Standing:
    """Where some communes stand on a day: their active villages ({commune id: villages, by code}), the
    certifications of those villages ({village id: Certification}) and the ODF communes' ids."""

    villages: dict[int, list[Village]]
    certified: dict[int, Certification]
    odf: set[int]


def standing(communes: Iterable[Commune], on: datetime.date | None = None) -> Standing:
    """Where `communes` stand on `on` (default today). Four queries, whatever the number of communes."""
    on = on or timezone.localdate()
    villages = active_villages(communes, on)
    certified = certified_villages([v.pk for vs in villages.values() for v in vs], on)
    odf = odf_units(((v.pk, commune_id) for commune_id, vs in villages.items() for v in vs), certified)
    return Standing(villages, certified, odf)


def odf_communes(communes: Iterable[Commune], on: datetime.date | None = None) -> set[int]:
    """The ids of those of `communes` that are ODF on `on`: every village active then is certified."""
    return standing(communes, on).odf


def commune_is_odf(commune: Commune, on: datetime.date | None = None) -> bool:
    return commune.pk in odf_communes([commune], on)


@dataclass(frozen=True)
class DistrictStanding:
    """Where a district stands on a day: its active communes (by code), where they stand, and whether it is ODF."""

    communes: list[Commune]
    standing: Standing
    odf: bool


def district_standing(district: District, on: datetime.date | None = None) -> DistrictStanding:
    """Where `district` stands on `on` (default today). Five queries."""
    on = on or timezone.localdate()
    communes = active_communes(district, on)
    found = standing(communes, on)
    odf = district.pk in odf_units(((c.pk, district.pk) for c in communes), found.odf)
    return DistrictStanding(communes, found, odf)


def district_is_odf(district: District, on: datetime.date | None = None) -> bool:
    """Every commune of the district active on `on` is ODF (and there is at least one)."""
    return district_standing(district, on).odf


def odf_districts(districts: Iterable[District], on: datetime.date | None = None) -> set[int]:
    """The ids of those of `districts` that are ODF on `on` (default today). Five queries, whatever their number."""
    on = on or timezone.localdate()
    communes = list(Commune.objects.active_on(on).filter(district__in=list(districts)))
    return odf_units(((c.pk, c.district_id) for c in communes), odf_communes(communes, on))


@dataclass(frozen=True)
class Reverification:
    village: Village
    certified_on: datetime.date
    due_on: datetime.date

    @property
    def overdue(self) -> bool:
        return self.due_on < timezone.localdate()


def reverifications_due(villages: Iterable[Village], within_days: int = 30) -> list[Reverification]:
    """Certified villages among `villages` due for re-verification within `within_days` (or overdue) that have
    no verification under way, the longest overdue first."""
    villages = list(villages)
    today = timezone.localdate()
    months = OdfSettings.current().reverification_months
    under_way = set(
        OdfClaim.objects.open().filter(village__in=[v.pk for v in villages]).values_list("village_id", flat=True)
    )
    certified = certified_villages(villages, today)
    due = []
    for village in villages:
        cert = certified.get(village.pk)
        if cert is None or village.pk in under_way:
            continue
        due_on = add_months(cert.certified_on, months)
        if due_on <= today + datetime.timedelta(days=within_days):
            due.append(Reverification(village, cert.certified_on, due_on))
    return sorted(due, key=lambda r: (r.due_on, r.village.code))
