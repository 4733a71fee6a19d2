"""One village's made-up life over the quarters, shared by the demo data and the synthetic national dataset.

A plan holds a village's fixed traits (size and growth, how far its coverage sits from its district's,
how its households without an improved latrine split, IDPoor share and gap, handwashing) and its ODF path.
`figures(i, improved, before)` turns "this many households have an improved latrine in quarter i" into
a village row that passes every validation rule: the household groups add up to the total, IDPoor and
handwashing stay within it, an ODF village has no open defecation.
"""

from dataclasses import dataclass, field

from reports.models import OdfStatus

ODF = (OdfStatus.DECLARED, OdfStatus.VERIFIED)


@dataclass
class VillagePlan:
    village_id: int
    households: int  # in the first quarter
    growth: float  # households, per quarter
    offset: float  # coverage points above or below the district's
    shared: float  # of improved households, those sharing a latrine
    open_defecation: float  # of households without an improved latrine, those with none at all
    idpoor: float  # of households
    idpoor_gap: float  # IDPoor coverage is this far (a fraction) below the village's
    handwashing: float  # of improved households, in the first quarter
    commune_id: int | None = None
    # ODF path: (quarter index, status, date), in order.
    odf_changes: list = field(default_factory=list)

    def households_at(self, i):
        return round(self.households * (1 + self.growth) ** i)

    def odf_at(self, i):
        """(status, date) in quarter i: the latest change at or before it."""
        changes = [(status, day) for at, status, day in self.odf_changes if at <= i]
        return changes[-1] if changes else (OdfStatus.NOT_TRIGGERED, None)

    def figures(self, i, improved, before, *, fade_quarters, handwashing_gain=0.0):
        """The village row's figures in quarter i with `improved` households covered (`before`: last quarter's).

        Open defecation fades to nothing over `fade_quarters`; handwashing rises by `handwashing_gain` a quarter.
        """
        households = self.households_at(i)
        status, day = self.odf_at(i)
        without = households - improved
        # ODF villages have no open defecation; elsewhere it fades slowly as unimproved latrines get built.
        open_defecation = 0 if status in ODF else round(without * self.open_defecation * (1 - i / fade_quarters))
        shared = round(improved * self.shared)
        idpoor = round(households * self.idpoor)
        coverage = improved / households if households else 0
        return {
            "households_total": households,
            "hh_improved_own": improved - shared,
            "hh_improved_shared": shared,
            "hh_unimproved": without - open_defecation,
            "hh_open_defecation": open_defecation,
            "idpoor_households": idpoor,
            "idpoor_improved": min(idpoor, round(idpoor * max(0.0, coverage - self.idpoor_gap))),
            "latrines_built": max(0, improved - before) if before is not None else round(improved * 0.03),
            "hh_handwashing": round(improved * min(0.98, self.handwashing + i * handwashing_gain)),
            "odf_status": status,
            "odf_status_date": day,
        }
