"""The provincial quarterly report's workflow: the PDRD submits it (naming missing districts), the MRD accepts or
returns it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from reports.models import (
    MissingDistrict,
    ProvincialReport,
    ProvincialStatus,
    ReportEvent,
    ReportStatus,
    WorkflowAction,
)
from reports.review import workflow
from tests.factories import DistrictReportFactory
from tests.reports.review.helpers import (
    approved,
    messages_of,
    snapshot,
    submitted,
)


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English (outside a request the portal's default language is Khmer)."""
    with translation.override("en"):
        yield


# --- The provincial report ----------------------------------------------------------------------


@pytest.fixture
def report_b(world, q3, dso_b):
    return DistrictReportFactory(district=world.district_b, period=q3, complete=True, by=dso_b)


@pytest.fixture
def provincial(world, q3):
    return ProvincialReport.objects.create(
        province=world.province_p,
        period=q3,
        achievements="Thpong and Basedth reported on time.",
        challenges="Floods in Basedth.",
    )


def provincial_snapshot(provincial):
    provincial = ProvincialReport.objects.get(pk=provincial.pk)
    return {
        "status": provincial.status,
        "submitted_at": provincial.submitted_at,
        "events": list(ReportEvent.objects.filter(provincial_report=provincial).values_list("id", flat=True)),
        "missing": list(MissingDistrict.objects.filter(provincial_report=provincial).values_list("district", "reason")),
    }


def new_provincial_event(provincial, before):
    new = list(ReportEvent.objects.filter(provincial_report=provincial).exclude(id__in=before["events"]))
    assert len(new) == 1, new
    return new[0]


@pytest.fixture
def all_approved(report, report_b, dso_a, dso_b, reviewer_p):
    approved(report, dso_a, reviewer_p)
    approved(report_b, dso_b, reviewer_p)


def test_reviewer_submits_the_provincial_report_when_every_district_is_approved(all_approved, provincial, reviewer_p):
    before = provincial_snapshot(provincial)

    event = workflow.submit_provincial_report(provincial_report=provincial, by=reviewer_p, missing_reasons={})

    provincial.refresh_from_db()
    assert provincial.status == ProvincialStatus.SUBMITTED
    assert provincial.submitted_by == reviewer_p and provincial.submitted_at is not None
    assert not MissingDistrict.objects.filter(provincial_report=provincial).exists()
    assert new_provincial_event(provincial, before) == event
    assert (event.action, event.from_status, event.to_status, event.by, event.round, event.report) == (
        WorkflowAction.SUBMITTED,
        ProvincialStatus.DRAFT,
        ProvincialStatus.SUBMITTED,
        reviewer_p,
        1,
        None,
    )


def test_provincial_report_without_district_b_needs_a_reason_for_b(
    world, report, report_b, provincial, dso_a, dso_b, reviewer_p
):
    approved(report, dso_a, reviewer_p)
    submitted(report_b, dso_b)  # waiting for review: not approved
    before = provincial_snapshot(provincial)

    for reasons in ({}, {world.district_b.pk: "  "}):
        with pytest.raises(ValidationError) as error:
            workflow.submit_provincial_report(provincial_report=provincial, by=reviewer_p, missing_reasons=reasons)
        assert "give the reason for each: Basedth" in messages_of(error)
        assert provincial_snapshot(provincial) == before

    workflow.submit_provincial_report(
        provincial_report=provincial,
        by=reviewer_p,
        missing_reasons={world.district_b.pk: " Review not finished: floods. "},
    )

    provincial.refresh_from_db()
    assert provincial.status == ProvincialStatus.SUBMITTED
    assert list(MissingDistrict.objects.filter(provincial_report=provincial).values_list("district", "reason")) == [
        (world.district_b.pk, "Review not finished: floods.")
    ]


@pytest.mark.parametrize("empty", ["achievements", "challenges"])
def test_provincial_report_needs_achievements_and_challenges(all_approved, provincial, reviewer_p, empty):
    setattr(provincial, empty, "  ")
    provincial.save()
    before = provincial_snapshot(provincial)

    with pytest.raises(ValidationError) as error:
        workflow.submit_provincial_report(provincial_report=provincial, by=reviewer_p, missing_reasons={})

    assert "achievements and challenges" in messages_of(error)
    assert provincial_snapshot(provincial) == before


@pytest.mark.parametrize("persona", ["reviewer_q", "pa_p", "dso_a", "mrd"])
def test_only_a_reviewer_of_the_province_submits_the_provincial_report(all_approved, provincial, persona, request):
    user = request.getfixturevalue(persona)
    before = provincial_snapshot(provincial)

    with pytest.raises(PermissionDenied):
        workflow.submit_provincial_report(provincial_report=provincial, by=user, missing_reasons={})

    assert provincial_snapshot(provincial) == before


@pytest.fixture
def sent_to_mrd(all_approved, provincial, reviewer_p):
    workflow.submit_provincial_report(provincial_report=provincial, by=reviewer_p, missing_reasons={})
    provincial.refresh_from_db()
    return provincial


def test_mrd_accepts_a_submitted_provincial_report(sent_to_mrd, mrd):
    before = provincial_snapshot(sent_to_mrd)

    event = workflow.accept_provincial_report(provincial_report=sent_to_mrd, by=mrd)

    sent_to_mrd.refresh_from_db()
    assert sent_to_mrd.status == ProvincialStatus.ACCEPTED
    assert new_provincial_event(sent_to_mrd, before) == event
    assert (event.action, event.from_status, event.to_status, event.by, event.round) == (
        WorkflowAction.ACCEPTED,
        ProvincialStatus.SUBMITTED,
        ProvincialStatus.ACCEPTED,
        mrd,
        1,
    )


def test_mrd_returns_a_provincial_report_with_a_comment_and_the_province_resubmits(sent_to_mrd, mrd, reviewer_p):
    before = provincial_snapshot(sent_to_mrd)
    for comment in ("", "   "):
        with pytest.raises(ValidationError) as error:
            workflow.return_provincial_report(provincial_report=sent_to_mrd, by=mrd, comment=comment)
        assert "Write a comment" in messages_of(error)
        assert provincial_snapshot(sent_to_mrd) == before

    event = workflow.return_provincial_report(provincial_report=sent_to_mrd, by=mrd, comment="Add Basedth's floods.")

    sent_to_mrd.refresh_from_db()
    assert sent_to_mrd.status == ProvincialStatus.RETURNED
    assert new_provincial_event(sent_to_mrd, before) == event
    assert (event.action, event.from_status, event.to_status, event.by, event.round, event.note) == (
        WorkflowAction.RETURNED,
        ProvincialStatus.SUBMITTED,
        ProvincialStatus.RETURNED,
        mrd,
        1,
        "Add Basedth's floods.",
    )

    again = workflow.submit_provincial_report(provincial_report=sent_to_mrd, by=reviewer_p, missing_reasons={})
    assert (again.from_status, again.to_status, again.round) == (
        ProvincialStatus.RETURNED,
        ProvincialStatus.SUBMITTED,
        2,
    )


@pytest.mark.parametrize("persona", ["reviewer_p", "pa_p", "dso_a", "administrator"])
def test_only_the_mrd_accepts_or_returns_a_provincial_report(sent_to_mrd, persona, request):
    user = request.getfixturevalue(persona)
    before = provincial_snapshot(sent_to_mrd)

    with pytest.raises(PermissionDenied):
        workflow.accept_provincial_report(provincial_report=sent_to_mrd, by=user)
    with pytest.raises(PermissionDenied):
        workflow.return_provincial_report(provincial_report=sent_to_mrd, by=user, comment="No.")

    assert provincial_snapshot(sent_to_mrd) == before


def test_mrd_cannot_accept_a_draft_provincial_report(provincial, mrd):
    before = provincial_snapshot(provincial)

    with pytest.raises(ValidationError):
        workflow.accept_provincial_report(provincial_report=provincial, by=mrd)

    assert provincial_snapshot(provincial) == before


def test_submitted_or_accepted_provincial_report_cannot_be_submitted_again(sent_to_mrd, reviewer_p, mrd):
    def refused():
        before = provincial_snapshot(sent_to_mrd)
        with pytest.raises(ValidationError) as error:
            workflow.submit_provincial_report(provincial_report=sent_to_mrd, by=reviewer_p, missing_reasons={})
        assert "Only a draft or returned provincial report can be submitted." in messages_of(error)
        assert provincial_snapshot(sent_to_mrd) == before

    refused()  # submitted
    workflow.accept_provincial_report(provincial_report=sent_to_mrd, by=mrd)
    refused()  # accepted


def test_reviewer_cannot_reopen_a_district_report_while_the_provincial_report_is_with_the_mrd(
    sent_to_mrd, report, reviewer_p, mrd
):
    before = snapshot(report)

    with pytest.raises(ValidationError) as error:
        workflow.reopen_report(report=report, by=reviewer_p, reason="Recount.")

    assert "with the MRD" in messages_of(error)
    assert snapshot(report) == before

    # Once the MRD returns the provincial report, the district report can be reopened.
    workflow.return_provincial_report(provincial_report=sent_to_mrd, by=mrd, comment="Recount Thpong.")
    event = workflow.reopen_report(report=report, by=reviewer_p, reason="Recount.")
    assert event.to_status == ReportStatus.DRAFT


def test_reviewer_cannot_reopen_a_district_report_of_an_accepted_provincial_report(
    sent_to_mrd, report, reviewer_p, mrd
):
    workflow.accept_provincial_report(provincial_report=sent_to_mrd, by=mrd)
    before = snapshot(report)

    with pytest.raises(ValidationError):
        workflow.reopen_report(report=report, by=reviewer_p, reason="Recount.")

    assert snapshot(report) == before
