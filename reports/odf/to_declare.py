"""The villages a DSO's or commune focal point's quarterly reports show as ODF that nobody has declared for
verification yet: the way from a quarterly report to a claim.

A village counts when its latest row in any quarterly report says "Declared ODF" or "Verified ODF" (the report's own
word, not an official status), it is active, and it has no verification under way and no certification today.
"""

import datetime
from dataclasses import dataclass

from districts.models import Village
from reports.models import OdfStatus, VillageQuarter
from reports.odf import status
from reports.odf.models import OdfClaim

ODF_IN_REPORTS = (OdfStatus.DECLARED, OdfStatus.VERIFIED)


@dataclass(frozen=True)
class ToDeclare:
    village: Village
    reported_status: str  # OdfStatus
    reported_on: datetime.date | None  # the status's date in the report
    year: int
    quarter: int

    @property
    def reported_status_label(self):
        return OdfStatus(self.reported_status).label


def villages_to_declare(user) -> list[ToDeclare]:
    """The villages `user` may declare (scoping's write rule) that their reports show as ODF, not yet declared or
    certified, by commune and village code. Four queries."""
    villages = {
        v.pk: v
        for v in Village.objects.editable_by(user)
        .filter(retired_on__isnull=True)
        .select_related("commune__district__province")
    }
    latest: dict[int, tuple] = {}
    rows = (
        VillageQuarter.objects.filter(village_id__in=villages)
        .order_by("-report__period__year", "-report__period__quarter")
        .values_list("village_id", "odf_status", "odf_status_date", "report__period__year", "report__period__quarter")
    )
    for village_id, *row in rows:
        latest.setdefault(village_id, row)
    reported = {v: row for v, row in latest.items() if row[0] in ODF_IN_REPORTS}
    if not reported:
        return []
    claimed = set(OdfClaim.objects.open().filter(village_id__in=reported).values_list("village_id", flat=True))
    certified = status.certified_villages(reported.keys())
    found = [ToDeclare(villages[v], *row) for v, row in reported.items() if v not in claimed and v not in certified]
    return sorted(found, key=lambda item: item.village.code)
