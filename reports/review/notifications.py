"""E-mails: deadline reminders, review-queue reminders and workflow notifications.

Each e-mail has a key (what, for which report or period, to whom) recorded in SentNotification
in the same transaction as the sending, so a task that runs twice, or a beat run after a missed
one, sends nothing twice. Each is written in the recipient's language.
"""

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from districts.models import Assignment, District, Role, UserProfile
from reports.models import DistrictReport, ReportEvent, ReportingPeriod, ReportStatus, SentNotification, WorkflowAction

REVIEW_WAIT = datetime.timedelta(days=7)
FIRST_REMINDER_DAYS = 7
LAST_REMINDER_DAYS = 1


def send_once(*, key, user, template, context):
    """Send the e-mail `template` to `user` unless `key` was sent before. Returns True if sent now."""
    if not user.email:
        return False
    with transaction.atomic():
        _record, created = SentNotification.objects.get_or_create(key=key, defaults={"recipient": user})
        if not created:
            return False
        with translation.override(UserProfile.language_of(user)):
            context = {**context, "user": user, "site_url": settings.SITE_URL}
            subject = render_to_string(f"emails/{template}_subject.txt", context, using="text").strip()
            body = render_to_string(f"emails/{template}_body.txt", context, using="text")
        # An error here rolls the record back, so the next run tries again.
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return True


def _dsos_of(district_ids):
    users = {}
    for assignment in Assignment.objects.filter(role=Role.DSO, district_id__in=district_ids).select_related("user"):
        if assignment.user.is_active:
            users.setdefault(assignment.district_id, []).append(assignment.user)
    return users


def _reviewers_of(province_ids):
    users = {}
    for assignment in Assignment.objects.filter(role=Role.PDRD_REVIEWER, province_id__in=province_ids).select_related(
        "user"
    ):
        if assignment.user.is_active:
            users.setdefault(assignment.province_id, []).append(assignment.user)
    return users


def send_deadline_reminders(today=None):
    """Remind DSOs whose report is not submitted: a week before the deadline, the day before, and once overdue."""
    today = today or timezone.localdate()
    sent = 0
    for period in ReportingPeriod.objects.open().filter(deadline__lte=today + datetime.timedelta(FIRST_REMINDER_DAYS)):
        days_left = (period.deadline - today).days
        kind = "overdue" if days_left < 0 else ("due-1" if days_left <= LAST_REMINDER_DAYS else "due-7")
        done = DistrictReport.objects.filter(
            period=period, status__in=[ReportStatus.SUBMITTED, ReportStatus.APPROVED]
        ).values("district_id")
        districts = District.objects.active_on(period.bounds[0]).exclude(pk__in=done).select_related("province")
        by_district = {d.pk: d for d in districts}
        for district_id, users in _dsos_of(list(by_district)).items():
            district = by_district[district_id]
            url = reverse("reports:report", args=[district.code, period.year, period.quarter])
            for user in users:
                sent += send_once(
                    key=f"deadline:{kind}:{period.pk}:{district_id}:{user.pk}",
                    user=user,
                    template=f"deadline_{kind.replace('-', '_')}",
                    context={
                        "period": period,
                        "district": district,
                        "days_left": max(days_left, 0),
                        "days_late": max(-days_left, 0),
                        "url": url,
                    },
                )
    return sent


def send_review_queue_reminders(now=None):
    """Remind PDRD reviewers of reports waiting in their queue for more than a week (once per submission round)."""
    now = now or timezone.now()
    waiting = (
        DistrictReport.objects.filter(status=ReportStatus.SUBMITTED)
        .annotate(last_submitted=Max("events__at", filter=Q(events__action=WorkflowAction.SUBMITTED)))
        .filter(last_submitted__lt=now - REVIEW_WAIT)
        .select_related("district__province", "period")
    )
    waiting = list(waiting)
    reviewers = _reviewers_of({r.district.province_id for r in waiting})
    sent = 0
    for report in waiting:
        for user in reviewers.get(report.district.province_id, []):
            sent += send_once(
                key=f"queue:{report.pk}:{report.last_submitted:%Y%m%d%H%M%S}:{user.pk}",
                user=user,
                template="review_waiting",
                context={
                    "report": report,
                    "days": (now - report.last_submitted).days,
                    "url": report.get_absolute_url(),
                },
            )
    return sent


def send_event_notification(event_id):
    """Tell the people concerned that a report was returned, approved or reopened (idempotent)."""
    event = ReportEvent.objects.select_related(
        "report__district__province",
        "report__period",
        "report__submitted_by",
        "provincial_report__province",
        "provincial_report__period",
        "provincial_report__submitted_by",
        "by",
    ).get(pk=event_id)
    report = event.report or event.provincial_report
    recipients = [report.submitted_by] if report.submitted_by else []
    if event.action == WorkflowAction.REOPENED and event.report:
        recipients += _dsos_of([event.report.district_id]).get(event.report.district_id, [])
    comments = (
        event.report.review_comments.filter(round=event.round).labelled()
        if (event.report and event.action == WorkflowAction.RETURNED)
        else []
    )
    sent = 0
    for user in {u.pk: u for u in recipients}.values():
        sent += send_once(
            key=f"event:{event.pk}:{user.pk}",
            user=user,
            template=f"report_{event.action}",
            context={"event": event, "report": report, "comments": comments, "url": report.get_absolute_url()},
        )
    return sent


def send_missed_event_notifications(since_days=3):
    """Catch up on notifications whose task never ran (e.g. Redis was down)."""
    since = timezone.now() - datetime.timedelta(days=since_days)
    events = ReportEvent.objects.filter(
        at__gte=since, action__in=[WorkflowAction.RETURNED, WorkflowAction.APPROVED, WorkflowAction.REOPENED]
    )
    return sum(send_event_notification(event.pk) for event in events)
