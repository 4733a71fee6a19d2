"""The demo ODF verification: Dambae's 12 verified villages certified through the workflow on plausible dates, the
declared ones claimed, two slippages, and a second load that changes nothing."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from districts.gazetteer import load_bundled_gazetteer
from districts.models import Assignment, Village
from reports.devtools.demo import load_demo_reports
from reports.devtools.demo_odf import OdfDemoSummary, clock_at, load_demo_odf
from reports.devtools.demo_users import load_demo_users
from reports.odf import status
from reports.odf.models import OdfClaim, OdfEvent, OdfSlippage, OdfVisit

pytestmark = pytest.mark.slow  # the gazetteer and demo load

FIRST_DAY, LAST_DAY = datetime.date(2016, 1, 1), datetime.date(2019, 12, 31)
MODELS = (OdfClaim, OdfVisit, OdfEvent, OdfSlippage, Assignment)


@pytest.fixture(scope="module")
def demo_odf(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        load_bundled_gazetteer()
        load_demo_users()
        load_demo_reports()
        summary = load_demo_odf()
        yield summary
        transaction.set_rollback(True)


def dambae():
    return Village.objects.filter(commune__district__code="2501")


def test_dambaes_twelve_verified_villages_are_certified_by_mid_2019(demo_odf, db):
    assert demo_odf.certified == 12
    certified = status.certified_villages(dambae(), datetime.date(2019, 6, 30))
    assert len(certified) == 12
    claims = OdfClaim.objects.filter(village__commune__district__code="2501", state=OdfClaim.State.CERTIFIED)
    assert claims.count() == 12
    assert set(claims.values_list("claimed_by__username", "decided_by__username").distinct()) == {
        ("dso_dambae", "pdrd_tbkhmum")
    }


def test_claims_come_before_visits_before_certifications_all_within_the_demo_quarters(demo_odf, db):
    today = timezone.localdate()
    for claim in OdfClaim.objects.filter(kind=OdfClaim.Kind.FIRST).select_related("visit"):
        assert FIRST_DAY <= claim.declared_on == timezone.localtime(claim.claimed_at).date() <= LAST_DAY
        if claim.state == OdfClaim.State.CERTIFIED:
            assert claim.declared_on < claim.visit.visited_on <= claim.certified_on <= LAST_DAY
            assert claim.certified_on == timezone.localtime(claim.certified_at).date()
            assert claim.visit.households_visited > 0
    for event in OdfEvent.objects.all():
        assert FIRST_DAY <= timezone.localtime(event.at).date() <= LAST_DAY < today


def test_every_team_comes_from_neighbouring_districts(demo_odf, db):
    teams = {u.username for claim in OdfClaim.objects.all() for u in claim.team.all()}
    assert teams == {"dso_ponheakraek", "dso_memot"}
    assert not Assignment.objects.filter(user__username__in=teams, district__code="2501").exists()


def test_two_slippages_in_the_second_half_of_2019(demo_odf, db):
    assert demo_odf.slippages == 2
    slippages = list(OdfSlippage.objects.order_by("slipped_on"))
    assert [s.source for s in slippages] == [OdfSlippage.Source.REVERIFICATION, OdfSlippage.Source.REVIEWER]
    assert all(datetime.date(2019, 7, 1) <= s.slipped_on <= LAST_DAY for s in slippages)
    assert len(status.certified_villages(dambae(), datetime.date(2019, 12, 31))) == 10


def test_declared_villages_wait_for_their_verification(demo_odf, db):
    assert demo_odf.claims >= 1
    open_claims = OdfClaim.objects.open().filter(kind=OdfClaim.Kind.FIRST)
    assert open_claims.count() == demo_odf.claims
    assert open_claims.filter(state=OdfClaim.State.TEAM_ASSIGNED).count() == 1


def test_a_second_load_changes_nothing(demo_odf, db):
    counts = [m.objects.count() for m in MODELS]
    load_demo_users()
    assert load_demo_odf() == OdfDemoSummary()
    assert [m.objects.count() for m in MODELS] == counts


def test_the_clock_moves_back_and_returns(db):
    with clock_at(datetime.date(2018, 3, 5), 9):
        assert timezone.localdate() == datetime.date(2018, 3, 5)
        assert timezone.localtime().hour == 9
    assert timezone.localdate() > datetime.date(2025, 1, 1)
