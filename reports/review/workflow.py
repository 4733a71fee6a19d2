"""The review workflow: state transitions of district and provincial reports.

District report:   draft → submitted → approved (locked)
                             ↘ returned (with comments) → submitted again
                   approved → draft (reopened by the reviewer, with a reason)
Provincial report: draft → submitted → accepted, or → returned → submitted again.

Each transition is one function: keyword-only arguments, the acting user passed in, one
transaction, an event row, `report_state_changed` sent inside the transaction (the rollups stage
marks the district-quarter stale and rebuilds it after commit), the e-mail queued after commit, and
a ValidationError with a translated message when a rule refuses. Nothing else changes `status`.
"""

from collections.abc import Iterable, Mapping
from typing import TypeVar

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from districts.models import District, Province
from districts.people import display_name
from districts.scoping import is_mrd, may_review, may_write
from drssd_portal.dispatch import enqueue_on_commit
from reports.entry.summary import summarise
from reports.entry.writes import set_history_user
from reports.models import (
    CommuneQuarter,
    DistrictReport,
    MissingDistrict,
    ProvincialReport,
    ProvincialStatus,
    ReportEvent,
    ReportingPeriod,
    ReportStatus,
    ReviewComment,
    Training,
    VillageQuarter,
    WorkflowAction,
)
from reports.review import tasks
from reports.signals import report_state_changed

# A district or a provincial report: both move through states and keep their events.
_Report = TypeVar("_Report", DistrictReport, ProvincialReport)


def submission_problems(report: DistrictReport) -> list[str]:
    """What stops `report` from being submitted, as translated sentences (empty when it can go)."""
    summary = summarise(report)
    problems = [
        _("District section: %(section)s is not filled in.") % {"section": section}
        for section in summary.district_missing
    ]
    for c in summary.communes:
        name = c.commune.name
        if c.complete < c.villages:
            problems.append(
                _("%(commune)s: %(missing)d of %(total)d villages are not complete.")
                % {"commune": name, "missing": c.villages - c.complete, "total": c.villages}
            )
        if not c.activities_entered:
            problems.append(_("%(commune)s: the commune activities are not entered.") % {"commune": name})
        if c.errors:
            problems.append(
                _("%(commune)s: %(n)d villages have figures that do not add up.") % {"commune": name, "n": c.errors}
            )
        if c.unexplained_warnings:
            problems.append(
                _("%(commune)s: %(n)d villages have warnings without an explanation.")
                % {"commune": name, "n": c.unexplained_warnings}
            )
    return problems


def _notify_after_commit(event: ReportEvent) -> None:
    enqueue_on_commit(
        tasks.send_event_notification,
        event.pk,
        catch_up="the daily catch-up (send_missed_event_notifications) will send it",
    )


def _lock(report: _Report) -> _Report:
    return type(report).objects.select_for_update().get(pk=report.pk)


def _refuse_unless(condition: object, message: str) -> None:
    if not condition:
        raise ValidationError(message)


def _record(
    report: DistrictReport | ProvincialReport,
    action: WorkflowAction,
    before: str,
    by: User,
    note: str = "",
    round_number: int | None = None,
) -> ReportEvent:
    field = "report" if isinstance(report, DistrictReport) else "provincial_report"
    return ReportEvent.objects.create(
        **{field: report},
        action=action,
        from_status=before,
        to_status=report.status,
        by=by,
        note=note,
        round=round_number or current_round(report),
    )


def current_round(report: DistrictReport | ProvincialReport) -> int:
    """Rounds count submissions: the first submission opens round 1, each resubmission the next."""
    return max(1, report.events.filter(action=WorkflowAction.SUBMITTED).count())


def _already_past_draft(report: DistrictReport) -> str:
    """Why a report that is no longer a draft cannot be submitted (a second tab, a double click): who moved it
    on, and when."""
    action = WorkflowAction.APPROVED if report.status == ReportStatus.APPROVED else WorkflowAction.SUBMITTED
    event = report.events.filter(action=action).select_related("by").order_by("-at", "-id").first()
    if event is None:
        return _("Only a draft or returned report can be submitted; this one is %(status)s.") % {
            "status": report.get_status_display().lower()
        }
    facts = {
        "when": date_format(timezone.localtime(event.at), "SHORT_DATETIME_FORMAT"),
        "who": display_name(event.by) or "?",
    }
    if action == WorkflowAction.APPROVED:
        return _("This report was already approved on %(when)s by %(who)s: it cannot be submitted again.") % facts
    return _("This report was already submitted on %(when)s by %(who)s: it is with the PDRD for review.") % facts


def _require_dso(report: DistrictReport, by: User) -> None:
    # SECURITY: only a DSO of the report's own district submits it.
    if not may_write(by, district=report.district_id):
        raise PermissionDenied(
            _("Only the District Sanitation Officer of %(district)s can submit this report.")
            % {"district": report.district.name}
        )


def _require_reviewer(report: DistrictReport, by: User) -> None:
    # SECURITY: only a PDRD reviewer of the report's province reviews it.
    if not may_review(by, province=report.district.province_id):
        raise PermissionDenied(
            _("Only a PDRD reviewer of %(province)s can review this report.")
            % {"province": report.district.province.name}
        )


def _require_independent(report: DistrictReport, by: User) -> None:
    """SECURITY: separation of duties. Nobody approves or returns a report they submitted or entered figures in
    (a user may hold a DSO and a PDRD role at once). Entered means: saved a version of the district section or a
    commune page (their `updated_by`), or a village row or training (their history user). A reviewer's own
    transitions (return, approve, reopen) change no figure and do not count. Four small queries."""
    entered = (
        report.submitted_by_id == by.pk
        or DistrictReport.history.filter(id=report.pk, updated_by=by).exists()
        or CommuneQuarter.history.filter(report_id=report.pk, updated_by=by).exists()
        or VillageQuarter.history.filter(report_id=report.pk, history_user=by).exists()
        or Training.history.filter(report_id=report.pk, history_user=by).exists()
    )
    _refuse_unless(
        not entered,
        _(
            "You submitted or entered figures in this report, so you cannot review it: another PDRD reviewer of "
            "the province must approve or return it."
        ),
    )


@transaction.atomic
def submit_report(*, report: DistrictReport, by: User) -> ReportEvent:
    _require_dso(report, by)
    report = _lock(report)
    _refuse_unless(report.status in (ReportStatus.DRAFT, ReportStatus.RETURNED), _already_past_draft(report))
    _refuse_unless(report.period.is_open, _("This quarter is closed; ask the MRD to reopen it."))
    problems = submission_problems(report)
    if problems:
        raise ValidationError(problems)
    before = report.status
    report.status = ReportStatus.SUBMITTED
    now = timezone.now()
    if report.submitted_at is None:
        report.submitted_at = now  # the first submission decides timeliness
    report.submitted_by = by
    set_history_user(report, by)
    report.save(update_fields=["status", "submitted_at", "submitted_by"])
    event = ReportEvent.objects.create(
        report=report,
        action=WorkflowAction.SUBMITTED,
        from_status=before,
        to_status=report.status,
        by=by,
        at=now,
        round=report.events.filter(action=WorkflowAction.SUBMITTED).count() + 1,
    )
    report_state_changed.send(sender=DistrictReport, report=report)
    return event


@transaction.atomic
def return_report(*, report: DistrictReport, by: User, comments: Iterable[tuple[str, str, str]]) -> ReportEvent:
    """Send a submitted report back to the district. `comments`: [(target, label as written, text)], at least one
    (the label is kept only for when the target can no longer be named: see ReviewComment)."""
    _require_reviewer(report, by)
    report = _lock(report)
    _refuse_unless(
        report.status == ReportStatus.SUBMITTED,
        _("Only a submitted report can be returned; this one is %(status)s.")
        % {"status": report.get_status_display().lower()},
    )
    _require_independent(report, by)
    comments = [(target, label, text.strip()) for target, label, text in comments if text and text.strip()]
    _refuse_unless(comments, _("Write at least one comment so the district knows what to correct."))
    before, round_number = report.status, current_round(report)
    report.status = ReportStatus.RETURNED
    set_history_user(report, by)
    report.save(update_fields=["status"])
    ReviewComment.objects.bulk_create(
        [
            ReviewComment(
                report=report, round=round_number, target=target, label_as_written=label, text=text, author=by
            )
            for target, label, text in comments
        ]
    )
    event = _record(
        report,
        WorkflowAction.RETURNED,
        before,
        by,
        note="\n".join(text for _t, _l, text in comments),
        round_number=round_number,
    )
    report_state_changed.send(sender=DistrictReport, report=report)
    _notify_after_commit(event)
    return event


@transaction.atomic
def approve_report(*, report: DistrictReport, by: User) -> ReportEvent:
    _require_reviewer(report, by)
    report = _lock(report)
    _refuse_unless(
        report.status == ReportStatus.SUBMITTED,
        _("Only a submitted report can be approved; this one is %(status)s.")
        % {"status": report.get_status_display().lower()},
    )
    _require_independent(report, by)
    before = report.status
    report.status = ReportStatus.APPROVED
    report.approved_at, report.approved_by = timezone.now(), by
    set_history_user(report, by)
    report.save(update_fields=["status", "approved_at", "approved_by"])
    event = _record(report, WorkflowAction.APPROVED, before, by)
    report_state_changed.send(sender=DistrictReport, report=report)
    _notify_after_commit(event)
    return event


@transaction.atomic
def reopen_report(*, report: DistrictReport, by: User, reason: str | None) -> ReportEvent:
    _require_reviewer(report, by)
    report = _lock(report)
    _refuse_unless(
        report.status == ReportStatus.APPROVED,
        _("Only an approved report can be reopened; this one is %(status)s.")
        % {"status": report.get_status_display().lower()},
    )
    if not (reason and reason.strip()):
        raise ValidationError(_("Give the reason for reopening the report."))
    provincial = ProvincialReport.objects.filter(province_id=report.district.province_id, period=report.period).first()
    _refuse_unless(
        provincial is None or provincial.is_editable,
        _("The provincial report that includes this district is with the MRD; it must be returned first."),
    )
    before = report.status
    report.status = ReportStatus.DRAFT
    report.approved_at = report.approved_by = None
    set_history_user(report, by)
    report.save(update_fields=["status", "approved_at", "approved_by"])
    event = _record(report, WorkflowAction.REOPENED, before, by, note=reason.strip())
    report_state_changed.send(sender=DistrictReport, report=report)
    _notify_after_commit(event)
    return event


# --- Provincial report --------------------------------------------------------------------------


def expected_districts(province: Province, period: ReportingPeriod) -> QuerySet[District]:
    """The districts that had to report for the quarter: those not retired before it began."""
    return province.districts.active_on(period.bounds[0]).order_by("code")


def districts_without_approval(provincial_report: ProvincialReport) -> QuerySet[District]:
    approved = DistrictReport.objects.filter(
        period=provincial_report.period, status=ReportStatus.APPROVED, district__province=provincial_report.province
    ).values("district_id")
    return expected_districts(provincial_report.province, provincial_report.period).exclude(pk__in=approved)


def _require_pdrd(provincial_report: ProvincialReport, by: User) -> None:
    # SECURITY: only a PDRD reviewer of the province submits its report.
    if not may_review(by, province=provincial_report.province_id):
        raise PermissionDenied(
            _("Only a PDRD reviewer of %(province)s can submit its report.")
            % {"province": provincial_report.province.name}
        )


def _require_mrd(by: User) -> None:
    # SECURITY: only the ministry accepts or returns provincial reports.
    if not is_mrd(by):
        raise PermissionDenied(_("Only the MRD can accept or return a provincial report."))


@transaction.atomic
def submit_provincial_report(
    *, provincial_report: ProvincialReport, by: User, missing_reasons: Mapping[int, str]
) -> ReportEvent:
    """Submit to the MRD. Every district without an approved report must be named with a reason.

    `missing_reasons`: {district_id: reason}.
    """
    _require_pdrd(provincial_report, by)
    report = _lock(provincial_report)
    _refuse_unless(report.is_editable, _("Only a draft or returned provincial report can be submitted."))
    missing = list(districts_without_approval(report))
    unexplained = [d.name for d in missing if not (missing_reasons.get(d.pk) or "").strip()]
    _refuse_unless(
        not unexplained,
        _("These districts have no approved report; give the reason for each: %(districts)s.")
        % {"districts": ", ".join(unexplained)},
    )
    _refuse_unless(
        report.achievements.strip() and report.challenges.strip(),
        _("Write the province's achievements and challenges before submitting."),
    )
    report.missing.all().delete()
    MissingDistrict.objects.bulk_create(
        [MissingDistrict(provincial_report=report, district=d, reason=missing_reasons[d.pk].strip()) for d in missing]
    )
    before = report.status
    report.status = ProvincialStatus.SUBMITTED
    report.submitted_at, report.submitted_by = timezone.now(), by
    set_history_user(report, by)
    report.save(update_fields=["status", "submitted_at", "submitted_by"])
    return ReportEvent.objects.create(
        provincial_report=report,
        action=WorkflowAction.SUBMITTED,
        from_status=before,
        to_status=report.status,
        by=by,
        round=report.events.filter(action=WorkflowAction.SUBMITTED).count() + 1,
    )


@transaction.atomic
def accept_provincial_report(*, provincial_report: ProvincialReport, by: User) -> ReportEvent:
    _require_mrd(by)
    report = _lock(provincial_report)
    _refuse_unless(
        report.status == ProvincialStatus.SUBMITTED, _("Only a submitted provincial report can be accepted.")
    )
    before = report.status
    report.status = ProvincialStatus.ACCEPTED
    set_history_user(report, by)
    report.save(update_fields=["status"])
    return _record(report, WorkflowAction.ACCEPTED, before, by)


@transaction.atomic
def return_provincial_report(*, provincial_report: ProvincialReport, by: User, comment: str) -> ReportEvent:
    _require_mrd(by)
    report = _lock(provincial_report)
    _refuse_unless(
        report.status == ProvincialStatus.SUBMITTED, _("Only a submitted provincial report can be returned.")
    )
    _refuse_unless(comment and comment.strip(), _("Write a comment so the province knows what to correct."))
    before = report.status
    report.status = ProvincialStatus.RETURNED
    set_history_user(report, by)
    report.save(update_fields=["status"])
    event = _record(report, WorkflowAction.RETURNED, before, by, note=comment.strip())
    _notify_after_commit(event)
    return event
