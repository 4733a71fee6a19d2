"""The review workflow's state machine, called as plain functions (reports/workflow.py).

Every allowed transition by the role allowed to make it, and every refusal: wrong role
(PermissionDenied), wrong state or missing input (ValidationError) — and a refusal changes nothing.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from reports.models import (
    OdfStatus,
    ReportEvent,
    ReportStatus,
    ReviewComment,
    VillageQuarter,
    WorkflowAction,
)
from reports.review import workflow
from tests.factories import DistrictReportFactory, VillageFactory
from tests.reports.review.helpers import (
    COMMENTS,
    VILLAGE,
    approved,
    event_ids,
    messages_of,
    only_new_event,
    returned,
    snapshot,
    submitted,
)


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English (outside a request the portal's default language is Khmer)."""
    with translation.override("en"):
        yield


# --- The factory trait the other tests rely on: DistrictReportFactory(complete=True) ------------


def test_complete_report_factory_leaves_nothing_to_fix(report, world):
    assert report.status == ReportStatus.DRAFT
    assert workflow.submission_problems(report) == []
    assert VillageQuarter.objects.filter(report=report).count() == 4  # 2 communes x 2 villages


def test_complete_report_factory_follows_last_quarters_households(world, q2_report, q3, dso_a):
    report = DistrictReportFactory(district=world.district_a, period=q3, complete=True, by=dso_a)

    assert workflow.submission_problems(report) == []  # no household-jump warning against Q2
    assert VillageQuarter.objects.get(report=report, village__code=VILLAGE).households_total == 120


# --- Allowed transitions ------------------------------------------------------------------------


def test_dso_submits_a_draft(report, dso_a):
    event = workflow.submit_report(report=report, by=dso_a)

    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert report.submitted_at is not None and report.submitted_by == dso_a
    assert list(ReportEvent.objects.filter(report=report)) == [event]
    assert (event.action, event.from_status, event.to_status, event.by, event.round) == (
        WorkflowAction.SUBMITTED,
        ReportStatus.DRAFT,
        ReportStatus.SUBMITTED,
        dso_a,
        1,
    )


def test_reviewer_of_the_province_approves_a_submitted_report(report, dso_a, reviewer_p):
    submitted(report, dso_a)
    before = event_ids(report)

    event = workflow.approve_report(report=report, by=reviewer_p)

    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED
    assert report.approved_by == reviewer_p and report.approved_at is not None
    assert only_new_event(report, before) == event
    assert (event.action, event.from_status, event.to_status, event.by, event.round) == (
        WorkflowAction.APPROVED,
        ReportStatus.SUBMITTED,
        ReportStatus.APPROVED,
        reviewer_p,
        1,
    )


def test_returned_report_keeps_reviewer_comments_with_round_and_target(report, dso_a, reviewer_p):
    submitted(report, dso_a)
    before = event_ids(report)

    event = workflow.return_report(report=report, by=reviewer_p, comments=COMMENTS)

    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED
    assert only_new_event(report, before) == event
    assert (event.action, event.from_status, event.to_status, event.by, event.round) == (
        WorkflowAction.RETURNED,
        ReportStatus.SUBMITTED,
        ReportStatus.RETURNED,
        reviewer_p,
        1,
    )
    comments = list(ReviewComment.objects.filter(report=report).values_list("round", "target", "text", "author"))
    assert comments == [
        (1, f"village:{VILLAGE}:households_total", "120 households last quarter, 100 now?", reviewer_p.pk),
        (1, "", "Please attach the working-group minutes.", reviewer_p.pk),
    ]
    assert "120 households last quarter" in event.note


def test_resubmission_after_a_return_opens_round_2_and_keeps_the_first_submitted_at(report, dso_a, reviewer_p):
    returned(report, dso_a, reviewer_p)
    first_submitted_at = report.submitted_at
    before = event_ids(report)

    event = workflow.submit_report(report=report, by=dso_a)

    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert report.submitted_at == first_submitted_at  # timeliness is decided by the first submission
    assert only_new_event(report, before) == event
    assert (event.action, event.from_status, event.to_status, event.by, event.round) == (
        WorkflowAction.SUBMITTED,
        ReportStatus.RETURNED,
        ReportStatus.SUBMITTED,
        dso_a,
        2,
    )

    # A second return is round 2, and its comments too; round 1's stay.
    second = workflow.return_report(report=report, by=reviewer_p, comments=[("", "", "Still wrong.")])
    assert second.round == 2
    assert list(ReviewComment.objects.filter(report=report).values_list("round", flat=True)) == [1, 1, 2]


def test_reviewer_reopens_an_approved_report_with_a_reason(report, dso_a, reviewer_p):
    approved(report, dso_a, reviewer_p)
    before = event_ids(report)

    event = workflow.reopen_report(report=report, by=reviewer_p, reason="  Village 05080101 was double counted. ")

    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT
    assert report.approved_at is None and report.approved_by is None
    assert report.submitted_at is not None  # still the first submission
    assert only_new_event(report, before) == event
    assert (event.action, event.from_status, event.to_status, event.by, event.round, event.note) == (
        WorkflowAction.REOPENED,
        ReportStatus.APPROVED,
        ReportStatus.DRAFT,
        reviewer_p,
        1,
        "Village 05080101 was double counted.",
    )


def test_reopened_report_can_be_submitted_again_as_round_2(report, dso_a, reviewer_p):
    approved(report, dso_a, reviewer_p)
    workflow.reopen_report(report=report, by=reviewer_p, reason="Recount.")

    event = workflow.submit_report(report=report, by=dso_a)

    assert (event.from_status, event.to_status, event.round) == (ReportStatus.DRAFT, ReportStatus.SUBMITTED, 2)


# --- Refused: wrong role ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["dso_b", "focal_a1", "reviewer_p", "pa_p", "mrd", "administrator"])
def test_only_the_dso_of_the_district_submits(report, persona, request):
    user = request.getfixturevalue(persona)
    before = snapshot(report)

    with pytest.raises(PermissionDenied):
        workflow.submit_report(report=report, by=user)

    assert snapshot(report) == before


REVIEW_ACTIONS = {
    "approve": lambda report, user: workflow.approve_report(report=report, by=user),
    "return": lambda report, user: workflow.return_report(report=report, by=user, comments=COMMENTS),
}


@pytest.mark.parametrize("action", list(REVIEW_ACTIONS))
@pytest.mark.parametrize("persona", ["dso_a", "focal_a1", "pa_p", "mrd", "administrator", "reviewer_q"])
def test_only_a_reviewer_of_the_province_approves_or_returns(report, dso_a, persona, action, request):
    submitted(report, dso_a)
    user = request.getfixturevalue(persona)
    before = snapshot(report)

    with pytest.raises(PermissionDenied) as error:
        REVIEW_ACTIONS[action](report, user)

    assert "Kampong Speu" in str(error.value)  # names the province whose reviewers may act
    assert snapshot(report) == before


@pytest.mark.parametrize("persona", ["dso_a", "pa_p", "mrd", "reviewer_q"])
def test_only_a_reviewer_of_the_province_reopens(report, dso_a, reviewer_p, persona, request):
    approved(report, dso_a, reviewer_p)
    user = request.getfixturevalue(persona)
    before = snapshot(report)

    with pytest.raises(PermissionDenied):
        workflow.reopen_report(report=report, by=user, reason="I want to change it.")

    assert snapshot(report) == before


# --- Refused: wrong state -----------------------------------------------------------------------


def _go_to(state, report, dso, reviewer):
    if state == ReportStatus.SUBMITTED:
        submitted(report, dso)
    elif state == ReportStatus.APPROVED:
        approved(report, dso, reviewer)
    elif state == ReportStatus.RETURNED:
        returned(report, dso, reviewer)
    return report


WRONG_STATE = [
    ("approve", ReportStatus.DRAFT, "Only a submitted report can be approved; this one is draft."),
    ("approve", ReportStatus.RETURNED, "Only a submitted report can be approved"),
    ("approve", ReportStatus.APPROVED, "Only a submitted report can be approved; this one is approved."),
    ("return", ReportStatus.DRAFT, "Only a submitted report can be returned; this one is draft."),
    ("return", ReportStatus.APPROVED, "Only a submitted report can be returned"),
    ("reopen", ReportStatus.SUBMITTED, "Only an approved report can be reopened; this one is submitted."),
    ("reopen", ReportStatus.DRAFT, "Only an approved report can be reopened"),
    ("reopen", ReportStatus.RETURNED, "Only an approved report can be reopened"),
    # A second tab or a double click: who moved the report on, and when (the submitting DSO has no full name).
    ("submit", ReportStatus.APPROVED, "This report was already approved on "),
    ("submit", ReportStatus.SUBMITTED, "This report was already submitted on "),
]


@pytest.mark.parametrize("action, state, message", WRONG_STATE)
def test_transition_from_the_wrong_state_is_refused_and_changes_nothing(
    report, dso_a, reviewer_p, action, state, message
):
    _go_to(state, report, dso_a, reviewer_p)
    before = snapshot(report)
    call = {
        "approve": lambda: workflow.approve_report(report=report, by=reviewer_p),
        "return": lambda: workflow.return_report(report=report, by=reviewer_p, comments=COMMENTS),
        "reopen": lambda: workflow.reopen_report(report=report, by=reviewer_p, reason="Recount."),
        "submit": lambda: workflow.submit_report(report=report, by=dso_a),
    }[action]

    with pytest.raises(ValidationError) as error:
        call()

    assert message in messages_of(error)
    assert snapshot(report) == before


@pytest.mark.parametrize(
    "comments", [[], [("", "", "")], [("", "", "   \n"), (f"village:{VILLAGE}:hh_unimproved", "label", "")]]
)
def test_return_without_any_comment_text_is_refused(report, dso_a, reviewer_p, comments):
    submitted(report, dso_a)
    before = snapshot(report)

    with pytest.raises(ValidationError) as error:
        workflow.return_report(report=report, by=reviewer_p, comments=comments)

    assert "Write at least one comment" in messages_of(error)
    assert snapshot(report) == before


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_reopen_without_a_reason_is_refused(report, dso_a, reviewer_p, reason):
    approved(report, dso_a, reviewer_p)
    before = snapshot(report)

    with pytest.raises(ValidationError) as error:
        workflow.reopen_report(report=report, by=reviewer_p, reason=reason)

    assert "Give the reason for reopening" in messages_of(error)
    assert snapshot(report) == before


# --- Refused: the report is not ready ----------------------------------------------------------


def test_submitting_an_empty_report_lists_every_missing_section(world, q3, dso_a):
    empty = DistrictReportFactory(district=world.district_a, period=q3)
    before = snapshot(empty)

    with pytest.raises(ValidationError) as error:
        workflow.submit_report(report=empty, by=dso_a)

    problems = error.value.messages
    for section in (
        "District working-group meeting",
        "Functional-transfer budget",
        "Latrine suppliers and masons",
        "Narrative",
    ):
        assert f"District section: {section} is not filled in." in problems
    for commune in (world.commune_a1, world.commune_a2):
        assert f"{commune.name}: 2 of 2 villages are not complete." in problems
        assert f"{commune.name}: the commune activities are not entered." in problems
    assert len(problems) == 8
    assert snapshot(empty) == before


def test_submitting_with_one_village_and_the_narrative_missing_names_just_those(report, world, dso_a):
    VillageQuarter.objects.filter(report=report, village__code="05080202").update(latrines_built=None)
    report.challenges = ""
    report.save()
    before = snapshot(report)

    with pytest.raises(ValidationError) as error:
        workflow.submit_report(report=report, by=dso_a)

    assert error.value.messages == [
        "District section: Narrative is not filled in.",
        f"{world.commune_a2.name}: 1 of 2 villages are not complete.",
    ]
    assert snapshot(report) == before


def test_unexplained_plausibility_warning_blocks_submission_until_explained(report, world, dso_a):
    row = VillageQuarter.objects.get(report=report, village__code=VILLAGE)
    row.odf_status = OdfStatus.DECLARED  # declared ODF while 20 households still practise open defecation
    row.save()
    assert row.hh_open_defecation > 0
    before = snapshot(report)

    with pytest.raises(ValidationError) as error:
        workflow.submit_report(report=report, by=dso_a)

    assert error.value.messages == [f"{world.commune_a1.name}: 1 villages have warnings without an explanation."]
    assert snapshot(report) == before

    row.explanation = "Declared in August; the last 20 households are building latrines now."
    row.save()
    event = workflow.submit_report(report=report, by=dso_a)
    assert event.to_status == ReportStatus.SUBMITTED


def test_figures_that_do_not_add_up_block_submission(report, world, dso_a):
    VillageQuarter.objects.filter(report=report, village__code=VILLAGE).update(households_total=101)
    before = snapshot(report)

    with pytest.raises(ValidationError) as error:
        workflow.submit_report(report=report, by=dso_a)

    assert f"{world.commune_a1.name}: 1 villages have figures that do not add up." in error.value.messages
    assert snapshot(report) == before


def test_submission_in_a_closed_quarter_is_refused(report, q3, dso_a):
    q3.is_open = False
    q3.save()
    before = snapshot(report)

    with pytest.raises(ValidationError) as error:
        workflow.submit_report(report=report, by=dso_a)

    assert "This quarter is closed" in messages_of(error)
    assert snapshot(report) == before


# --- The gazetteer changes under a report ------------------------------------------------------------


def test_village_retired_before_the_quarter_is_not_required_for_submission(world, q3, dso_a):
    # Merged into its neighbour in March 2019: it has no row to fill in for Q3 (the commune page does not list it).
    VillageFactory(commune=world.commune_a1, code="05080109", retired_on=datetime.date(2019, 3, 31))
    report = DistrictReportFactory(district=world.district_a, period=q3, complete=True, by=dso_a)

    assert workflow.submission_problems(report) == []
    assert workflow.submit_report(report=report, by=dso_a).to_status == ReportStatus.SUBMITTED


def test_submitting_again_from_a_stale_tab_says_who_submitted_and_when(report, dso_a):
    workflow.submit_report(report=report, by=dso_a)
    event = report.events.get(action="submitted")

    with pytest.raises(ValidationError) as error:
        workflow.submit_report(report=report, by=dso_a)

    when = timezone.localtime(event.at).strftime("%d/%m/%Y %H:%M")
    assert (
        messages_of(error) == f"This report was already submitted on {when} by dso_a: it is with the PDRD for review."
    )
