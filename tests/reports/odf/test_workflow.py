"""The ODF lifecycle as plain functions (reports/odf/workflow.py): every step allowed for its role and scope, and
refused for the others (PermissionDenied) or in the wrong state or with missing input (ValidationError)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from districts.models import Role
from reports import quarters
from reports.odf import status, workflow
from reports.odf.models import ChecklistItem, OdfAction, OdfClaim, OdfEvent, OdfSlippage, OdfVisit
from reports.rollups.models import StaleRollup
from tests.factories import AssignmentFactory, ReportingPeriodFactory
from tests.reports.odf.conftest import TODAY, all_met, backdate, person

State = OdfClaim.State


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def actions(village):
    return list(OdfEvent.objects.filter(village=village).values_list("action", flat=True))


# --- Claim ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["dso_a", "focal_a1"])
def test_the_villages_dso_or_commune_focal_point_declares_it_odf(request, village, persona):
    claim = workflow.claim(village=village, by=request.getfixturevalue(persona), declared_on=TODAY(), evidence="ok")

    assert claim.state == State.CLAIMED and claim.kind == OdfClaim.Kind.FIRST
    assert actions(village) == [OdfAction.CLAIMED]


@pytest.mark.parametrize("persona", ["dso_b", "focal_a2", "reviewer_p", "pa_p", "mrd"])
def test_nobody_else_declares_a_village_odf(request, village, persona):
    with pytest.raises(PermissionDenied):
        workflow.claim(village=village, by=request.getfixturevalue(persona), declared_on=TODAY(), evidence="ok")
    assert not OdfClaim.objects.exists() and not OdfEvent.objects.exists()


def test_a_claim_needs_evidence_and_a_date_not_in_the_future(village, dso_a):
    with pytest.raises(ValidationError, match="evidence"):
        workflow.claim(village=village, by=dso_a, declared_on=TODAY(), evidence="  ")
    with pytest.raises(ValidationError, match="future"):
        workflow.claim(village=village, by=dso_a, declared_on=TODAY() + datetime.timedelta(days=1), evidence="ok")


def test_one_verification_at_a_time_and_none_for_a_certified_village(village, walk, dso_a):
    walk.claimed(village)
    with pytest.raises(ValidationError, match="already under way"):
        walk.claimed(village)
    OdfClaim.objects.all().delete()
    walk.certified(village)
    with pytest.raises(ValidationError, match="already certified"):
        walk.claimed(village)


def test_a_retired_village_cannot_be_declared(village, dso_a):
    village.retired_on = datetime.date(2020, 1, 1)
    village.save()
    with pytest.raises(ValidationError, match="retired"):
        workflow.claim(village=village, by=dso_a, declared_on=TODAY(), evidence="ok")


# --- Team ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("member", ["dso_b", "focal_a2"])
def test_the_pdrd_assigns_a_team_from_another_district_or_commune(request, village, walk, reviewer_p, member):
    claim = walk.assigned(walk.claimed(village), members=[request.getfixturevalue(member)])

    assert claim.state == State.TEAM_ASSIGNED
    assert list(claim.team.all()) == [request.getfixturevalue(member)]
    assert actions(village) == [OdfAction.CLAIMED, OdfAction.TEAM_ASSIGNED]


@pytest.mark.parametrize("member", ["dso_a", "focal_a1", "dso_c", "reviewer_p2", "mrd"])
def test_no_one_verifies_their_own_area_and_the_team_comes_from_the_province(request, village, walk, member):
    claim = walk.claimed(village)
    with pytest.raises(ValidationError, match="No one verifies their own area"):
        walk.assigned(claim, members=[request.getfixturevalue(member)])
    assert OdfClaim.objects.get(pk=claim.pk).state == State.CLAIMED


def test_a_verifier_who_also_holds_a_dso_post_in_the_villages_district_is_refused(village, walk, dso_b, world):
    AssignmentFactory(user=dso_b, role=Role.DSO, district=world.district_a)
    with pytest.raises(ValidationError, match="No one verifies their own area"):
        walk.assigned(walk.claimed(village), members=[dso_b])


@pytest.mark.parametrize("persona", ["dso_a", "dso_b", "pa_p", "mrd", "reviewer_q"])
def test_only_a_pdrd_reviewer_of_the_province_assigns_a_team(request, village, walk, dso_b, persona):
    claim = walk.claimed(village)
    with pytest.raises(PermissionDenied):
        workflow.assign_team(
            claim=claim, by=request.getfixturevalue(persona), members=[dso_b], due_on=TODAY() + datetime.timedelta(7)
        )


def test_a_team_needs_members_and_a_due_date_not_past(village, walk, reviewer_p, dso_b):
    claim = walk.claimed(village)
    with pytest.raises(ValidationError, match="at least one"):
        workflow.assign_team(claim=claim, by=reviewer_p, members=[], due_on=TODAY())
    with pytest.raises(ValidationError, match="past"):
        workflow.assign_team(claim=claim, by=reviewer_p, members=[dso_b], due_on=TODAY() - datetime.timedelta(1))


# --- Visit -----------------------------------------------------------------------------------------------


def test_a_team_member_records_a_passed_visit_with_every_answer(village, walk):
    claim = walk.visited(walk.assigned(walk.claimed(village)))

    assert claim.state == State.PASSED
    visit = claim.visit
    assert visit.households_visited == 40 and visit.answers.count() == ChecklistItem.objects.active().count()


def test_a_failed_visit_needs_its_reasons_and_a_pass_needs_every_item_met(village, walk):
    claim = walk.assigned(walk.claimed(village))
    answers = {**all_met(), ChecklistItem.objects.first().pk: False}
    with pytest.raises(ValidationError, match="every checklist item"):
        walk.visited(claim, answers=answers)
    with pytest.raises(ValidationError, match="reasons"):
        walk.visited(claim, result=OdfVisit.Result.FAIL, answers=answers)
    with pytest.raises(ValidationError, match="Answer every item"):
        walk.visited(claim, answers={ChecklistItem.objects.first().pk: True})

    claim = walk.visited(claim, result=OdfVisit.Result.FAIL, answers=answers, reasons="Two households without")
    assert claim.state == State.FAILED and not OdfSlippage.objects.exists()  # a first verification: no slippage


@pytest.mark.parametrize("persona", ["dso_a", "reviewer_p", "focal_a2"])
def test_only_a_member_of_the_team_records_the_visit(request, village, walk, persona):
    claim = walk.assigned(walk.claimed(village))
    with pytest.raises(PermissionDenied):
        walk.visited(claim, by=request.getfixturevalue(persona))
    assert OdfClaim.objects.get(pk=claim.pk).state == State.TEAM_ASSIGNED


def test_a_member_posted_to_the_villages_district_since_the_assignment_is_refused(village, walk, dso_b, world):
    claim = walk.assigned(walk.claimed(village))
    AssignmentFactory(user=dso_b, role=Role.DSO, district=world.district_a)
    with pytest.raises(PermissionDenied):
        walk.visited(claim)


# --- Certify and return ----------------------------------------------------------------------------------


def test_the_pdrd_certifies_a_passed_village(village, walk, reviewer_p):
    claim = walk.certified(village)

    assert claim.state == State.CERTIFIED and claim.certified_on == TODAY() and claim.decided_by == reviewer_p
    assert status.village_certification(village).certified_on == TODAY()
    assert actions(village)[-1] == OdfAction.CERTIFIED


@pytest.mark.parametrize("persona", ["dso_a", "dso_b", "pa_p", "mrd", "reviewer_q"])
def test_a_dso_or_anyone_but_the_provinces_pdrd_cannot_certify(request, village, walk, persona):
    claim = walk.visited(walk.assigned(walk.claimed(village)))
    with pytest.raises(PermissionDenied):
        workflow.certify(claim=claim, by=request.getfixturevalue(persona))
    assert OdfClaim.objects.get(pk=claim.pk).state == State.PASSED


def test_only_a_passed_visit_is_certified(village, walk, reviewer_p):
    claim = walk.assigned(walk.claimed(village))
    with pytest.raises(ValidationError, match="passed"):
        workflow.certify(claim=claim, by=reviewer_p)


def test_a_reviewer_who_was_on_the_team_does_not_certify(village, walk, reviewer_p2, world):
    AssignmentFactory(user=reviewer_p2, role=Role.DSO, district=world.district_b)
    claim = walk.visited(walk.assigned(walk.claimed(village), members=[reviewer_p2]), by=reviewer_p2)
    with pytest.raises(ValidationError, match="verification team"):
        workflow.certify(claim=claim, by=reviewer_p2)


def test_the_pdrd_returns_a_failed_claim_with_a_reason_and_the_commune_may_declare_again(village, walk, reviewer_p):
    claim = walk.visited(walk.assigned(walk.claimed(village)), result=OdfVisit.Result.FAIL, reasons="Open pits")
    with pytest.raises(ValidationError, match="reason"):
        workflow.return_claim(claim=claim, by=reviewer_p, reason="")
    workflow.return_claim(claim=claim, by=reviewer_p, reason="Cover the pits and declare again.")

    assert OdfClaim.objects.get(pk=claim.pk).state == State.RETURNED
    assert walk.claimed(village).state == State.CLAIMED


def test_a_claim_with_its_team_out_visiting_is_not_returned(village, walk, reviewer_p, dso_a):
    claim = walk.assigned(walk.claimed(village))
    with pytest.raises(ValidationError):
        workflow.return_claim(claim=claim, by=reviewer_p, reason="x")
    with pytest.raises(PermissionDenied):
        workflow.return_claim(claim=claim, by=dso_a, reason="x")


def test_every_step_marks_the_rollups_of_its_quarter_stale_and_queues_their_rebuild(
    village, walk, world, django_capture_on_commit_callbacks
):
    year, quarter = quarters.quarter_of(TODAY())
    period = ReportingPeriodFactory(year=year, quarter=quarter)
    with django_capture_on_commit_callbacks() as queued:
        walk.claimed(village)

    assert StaleRollup.objects.filter(district=world.district_a, period=period).exists()
    assert len(queued) == 1


# --- Re-verification and slippage ------------------------------------------------------------------------


def test_a_failed_reverification_records_slippage_and_the_village_leaves_the_certified_count(
    village, walk, reviewer_p, dso_b
):
    walk.certified(village)
    claim = workflow.start_reverification(
        village=village, by=reviewer_p, members=[dso_b], due_on=TODAY() + datetime.timedelta(7)
    )
    assert status.village_certification(village) is not None  # still certified while the team is out

    walk.visited(
        claim,
        result=OdfVisit.Result.FAIL,
        answers={**all_met(), ChecklistItem.objects.first().pk: False},
        reasons="Latrines full",
    )

    slippage = OdfSlippage.objects.get(village=village)
    assert slippage.source == OdfSlippage.Source.REVERIFICATION and slippage.slipped_on == TODAY()
    assert slippage.claim == claim and slippage.reason == "Latrines full"
    assert status.village_certification(village) is None
    assert actions(village)[-2:] == [OdfAction.VISITED, OdfAction.SLIPPED]


def test_a_slipped_village_is_certified_again_after_a_new_verification(village, walk, reviewer_p):
    walk.certified(village)
    workflow.record_slippage(village=village, by=reviewer_p, slipped_on=TODAY(), reason="Seen during a visit")
    assert status.village_certification(village) is None

    walk.certified(village)
    assert status.village_certification(village) is not None


def test_a_passed_reverification_certifies_again_and_moves_the_due_date(village, walk, reviewer_p, dso_b):
    first = walk.certified(village)
    backdate(first, datetime.date(2024, 5, 10))
    claim = workflow.start_reverification(village=village, by=reviewer_p, members=[dso_b], due_on=TODAY())
    workflow.certify(claim=walk.visited(claim), by=reviewer_p)

    assert status.village_certification(village).certified_on == TODAY()


@pytest.mark.parametrize("persona", ["dso_a", "pa_p", "mrd", "reviewer_q"])
def test_only_the_provinces_pdrd_opens_a_reverification_or_records_slippage(request, village, walk, dso_b, persona):
    walk.certified(village)
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        workflow.start_reverification(village=village, by=user, members=[dso_b], due_on=TODAY())
    with pytest.raises(PermissionDenied):
        workflow.record_slippage(village=village, by=user, slipped_on=TODAY(), reason="x")


def test_an_uncertified_village_is_neither_reverified_nor_slips(village, reviewer_p, dso_b):
    with pytest.raises(ValidationError, match="certified"):
        workflow.start_reverification(village=village, by=reviewer_p, members=[dso_b], due_on=TODAY())
    with pytest.raises(ValidationError, match="certified"):
        workflow.record_slippage(village=village, by=reviewer_p, slipped_on=TODAY(), reason="x")


def test_a_person_from_another_province_cannot_be_posted_as_verifier(village, walk, world):
    outsider = person("outsider", Role.COMMUNE_FOCAL_POINT, commune=world.commune_c1)
    with pytest.raises(ValidationError, match="No one verifies"):
        walk.assigned(walk.claimed(village), members=[outsider])
