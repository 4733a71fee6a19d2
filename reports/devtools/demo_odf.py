"""Demo ODF verification for a first run: Dambae's ODF villages walked through the ODF workflow on the demo's dates.

The demo reports (demo.py) give Dambae 12 villages verified ODF by 2019 Q2, each declared and verified on a date of
its quarterly rows. Here each of them is declared by Dambae's DSO on its declaration date, given a team from the
neighbouring districts Ponhea Kraek and Memot by the PDRD of Tbong Khmum, visited on its verification date and
certified one to two weeks later (never after 30 June 2019 when visited before it). The villages only declared ODF by
2019 Q2 are declared too; the first gets its team in July 2019 (its visit still to record). Then two slippages in the
second half of 2019: the earliest certified village fails its re-verification in July, and the PDRD records that
floods in October put another back to open defecation, both outside Neang Teut, the commune whose five villages are
all among the twelve: it stays ODF, with its commune certificate.

Every step is a reports.odf.workflow function called by the demo user whose job it is, with the portal's clock set to
the step's day (clock_at), so claims, visits, certifications and the history carry the demo's dates. Idempotent: a
village that already has a claim, and a slippage already recorded, are left alone.
"""

import datetime
import random
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from unittest import mock

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from districts.models import Village
from reports.models import OdfStatus, VillageQuarter
from reports.odf import workflow
from reports.odf.models import ChecklistItem, OdfClaim, OdfSlippage, OdfVisit

DISTRICT = "2501"  # Dambae
DSO, REVIEWER = "dso_dambae", "pdrd_tbkhmum"
TEAM = ("dso_ponheakraek", "dso_memot")  # DSOs of neighbouring districts of the province (demo_users.py)
CERTIFIED_BY = datetime.date(2019, 6, 30)  # the 12 verified villages are certified by mid-2019
REVERIFIED_FROM = datetime.date(2019, 7, 8)
FLOOD = datetime.date(2019, 10, 21)
EVIDENCE = "Every household uses a latrine; the CWG walked the village with the village chief. (demo)"
REVERIFICATION_FAILED = (
    "Four households near the river have stopped using their latrines (pits full); open defecation seen. (demo)"
)
FLOOD_REASON = "October floods filled the pits of 11 latrines; those households are back to open defecation. (demo)"


@dataclass
class OdfDemoSummary:
    certified: int = 0
    claims: int = 0
    slippages: int = 0


@contextmanager
def clock_at(day: datetime.date, hour: int = 9):
    """Run the enclosed code as if it were `hour` o'clock on `day` (local time): timezone.now(), localdate() and the
    model defaults built on them. Development tool only; the demo's history then carries the demo's dates."""
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))

    class Clock(datetime.datetime):
        @classmethod
        def now(cls, tz=None):
            return moment.astimezone(tz) if tz else timezone.make_naive(moment)

    with mock.patch("django.utils.timezone.datetime", Clock):
        yield


def _odf_dates(village_ids):
    """{village id: {status: first date}} of the declared and verified ODF statuses in the demo's quarterly rows."""
    dates: dict[int, dict[str, datetime.date]] = {}
    rows = VillageQuarter.objects.filter(
        village_id__in=village_ids, odf_status__in=[OdfStatus.DECLARED, OdfStatus.VERIFIED], report__is_demo=True
    ).values_list("village_id", "odf_status", "odf_status_date")
    for village_id, status, day in rows:
        if day is not None:
            known = dates.setdefault(village_id, {})
            known[status] = min(day, known.get(status, day))
    return dates


@transaction.atomic
def load_demo_odf() -> OdfDemoSummary:
    """Claims, verifications, certifications and two slippages in Dambae (see the module docstring); returns what it
    created. Needs the demo users and the demo reports."""
    summary = OdfDemoSummary()
    users = {u.username: u for u in User.objects.filter(username__in=[DSO, REVIEWER, *TEAM])}
    villages = list(Village.objects.filter(commune__district__code=DISTRICT).select_related("commune__district"))
    dates = _odf_dates([v.pk for v in villages])
    if len(users) < 2 + len(TEAM) or not dates:
        raise LookupError("Load the demo users and the demo reports before the demo ODF verification.")
    team = [users[name] for name in TEAM]
    answers = {item.pk: True for item in ChecklistItem.objects.active()}
    rng = random.Random("odf-2501")
    claimed = set(OdfClaim.objects.filter(village__in=villages).values_list("village_id", flat=True))
    verified = sorted((d[OdfStatus.VERIFIED], v) for v in villages if OdfStatus.VERIFIED in (d := dates.get(v.pk, {})))
    for visited_on, village in verified:
        if village.pk not in claimed:
            _certify(village, dates[village.pk][OdfStatus.DECLARED], visited_on, users, team, answers, rng)
            summary.certified += 1
    declared = sorted(
        (d[OdfStatus.DECLARED], v) for v in villages if set(d := dates.get(v.pk, {})) == {OdfStatus.DECLARED}
    )
    for n, (declared_on, village) in enumerate(declared):
        if village.pk not in claimed:
            _declare(village, declared_on, users, team if n == 0 else None)
            summary.claims += 1
    # The slippages fall outside the commune whose villages are all verified, which stays ODF (demo.py).
    counts = Counter(v.commune_id for v in villages)
    verified_in = Counter(v.commune_id for _day, v in verified)
    whole = {commune_id for commune_id, n in verified_in.items() if n == counts[commune_id]}
    summary.slippages = _slippages([v for _day, v in verified if v.commune_id not in whole], users, team, answers)
    return summary


def _certify(village, declared_on, visited_on, users, team, answers, rng):
    """Declared, a team assigned a third of the way to the visit, visited and certified."""
    with clock_at(declared_on, 9):
        claim = workflow.claim(village=village, by=users[DSO], declared_on=declared_on, evidence=EVIDENCE)
    with clock_at(declared_on + (visited_on - declared_on) / 3, 10):
        workflow.assign_team(claim=claim, by=users[REVIEWER], members=team, due_on=visited_on)
    with clock_at(visited_on, 15):
        workflow.record_visit(
            claim=claim,
            by=team[0],
            visited_on=visited_on,
            households_visited=rng.randint(25, 45),
            answers=answers,
            result=OdfVisit.Result.PASS,
        )
    certified_on = visited_on + datetime.timedelta(days=rng.randint(7, 15))
    if visited_on <= CERTIFIED_BY:
        certified_on = min(certified_on, CERTIFIED_BY)
    with clock_at(certified_on, 11):
        workflow.certify(claim=claim, by=users[REVIEWER])


def _declare(village, declared_on, users, team):
    with clock_at(declared_on, 9):
        claim = workflow.claim(village=village, by=users[DSO], declared_on=declared_on, evidence=EVIDENCE)
    if team:
        with clock_at(REVERIFIED_FROM, 10):
            workflow.assign_team(
                claim=claim, by=users[REVIEWER], members=team, due_on=REVERIFIED_FROM + datetime.timedelta(days=30)
            )


def _slippages(verified, users, team, answers):
    """The earliest certified village fails its re-verification; floods put the next one back. Returns how many
    slippages this call recorded."""
    recorded = 0
    if len(verified) < 2:
        return recorded
    first, second = verified[0], verified[1]
    if not OdfSlippage.objects.filter(village=first).exists():
        with clock_at(REVERIFIED_FROM, 10):
            claim = workflow.start_reverification(
                village=first, by=users[REVIEWER], members=team, due_on=REVERIFIED_FROM + datetime.timedelta(days=21)
            )
        visited_on = REVERIFIED_FROM + datetime.timedelta(days=9)
        with clock_at(visited_on, 15):
            workflow.record_visit(
                claim=claim,
                by=team[1],
                visited_on=visited_on,
                households_visited=38,
                answers={**answers, sorted(answers)[1]: False},  # "No signs of open defecation": not met
                result=OdfVisit.Result.FAIL,
                reasons=REVERIFICATION_FAILED,
            )
        recorded += 1
    if not OdfSlippage.objects.filter(village=second).exists():
        with clock_at(FLOOD + datetime.timedelta(days=4), 14):
            workflow.record_slippage(village=second, by=users[REVIEWER], slipped_on=FLOOD, reason=FLOOD_REASON)
        recorded += 1
    return recorded
