"""E-mails (reports/notifications.py), called as plain functions: deadline reminders, review-queue reminders
and workflow notifications. Each is sent once, to the right people, in each recipient's language.
"""

import datetime
import re

import pytest
from django.core import mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from districts.models import Role, UserProfile
from reports.models import (
    ProvincialReport,
    ReportEvent,
    ReviewComment,
    SentNotification,
    VillageQuarter,
    WorkflowAction,
)
from reports.review import notifications, workflow
from tests.factories import AssignmentFactory, DistrictReportFactory, UserFactory
from tests.reports.review.pages import return_post

DEADLINE = datetime.date(2019, 10, 15)  # of the q3 fixture
SEVEN_DAYS_BEFORE = DEADLINE - datetime.timedelta(days=7)
DAY_BEFORE = DEADLINE - datetime.timedelta(days=1)
DAY_AFTER = DEADLINE + datetime.timedelta(days=1)
KHMER = re.compile("[\u1780-\u17ff]")


def to(user):
    return [m for m in mail.outbox if m.to == [user.email]]


def profile(user, language):
    UserProfile.objects.update_or_create(user=user, defaults={"language": language})
    return user


@pytest.fixture
def english(settings):
    """E-mails to people without a profile are in the portal's default language: English here, not Khmer."""
    settings.LANGUAGE_CODE = "en"


# --- Deadline reminders -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, template",
    [(SEVEN_DAYS_BEFORE, "deadline_due_7"), (DAY_BEFORE, "deadline_due_1"), (DAY_AFTER, "deadline_overdue")],
)
def test_each_deadline_reminder_is_sent_once_to_each_dso(
    world, q2, q3, dso_a, dso_b, english, mailoutbox, day, template
):
    first = notifications.send_deadline_reminders(today=day)
    second = notifications.send_deadline_reminders(today=day)

    assert (first, second) == (2, 0)
    assert sorted(m.to[0] for m in mailoutbox) == ["dso_a@example.org", "dso_b@example.org"]
    with translation.override("en"):
        expected = render_to_string(
            f"emails/{template}_subject.txt", {"period": q3, "district": world.district_a, "days_left": 7}
        ).strip()
    assert to(dso_a)[0].subject == expected
    assert "/reports/0508/2019/q3/" in to(dso_a)[0].body


def test_the_three_reminders_over_a_quarter(world, q3, dso_a, english, mailoutbox):
    sent = {}
    day = DEADLINE - datetime.timedelta(days=10)
    while day <= DEADLINE + datetime.timedelta(days=5):
        for _run in range(2):  # the beat may run twice a day, or catch up after a missed run
            sent[day] = sent.get(day, 0) + notifications.send_deadline_reminders(today=day)
        day += datetime.timedelta(days=1)

    assert {d: n for d, n in sent.items() if n} == {SEVEN_DAYS_BEFORE: 1, DAY_BEFORE: 1, DAY_AFTER: 1}
    assert [m.subject for m in mailoutbox] == [
        "Q3 2019 report of Thpong: due in 7 days",
        "Q3 2019 report of Thpong: due tomorrow",
        "Q3 2019 report of Thpong is overdue",
    ]


def test_a_reminder_missed_on_its_day_is_sent_on_the_next_run(world, q3, dso_a, english, mailoutbox):
    # The beat did not run a week before; four days before, the first reminder still goes out, once.
    assert notifications.send_deadline_reminders(today=DEADLINE - datetime.timedelta(days=4)) == 1
    assert notifications.send_deadline_reminders(today=DEADLINE - datetime.timedelta(days=3)) == 0
    assert "due in 4 days" in mailoutbox[0].subject


def test_submitted_or_approved_district_gets_no_reminder(
    world, q3, report, dso_a, dso_b, reviewer_p, english, mailoutbox
):
    workflow.submit_report(report=report, by=dso_a)
    report_b = DistrictReportFactory(district=world.district_b, period=q3, complete=True, by=dso_b)
    workflow.submit_report(report=report_b, by=dso_b)
    workflow.approve_report(report=report_b, by=reviewer_p)

    assert notifications.send_deadline_reminders(today=DAY_BEFORE) == 0
    assert mailoutbox == []


def test_returned_report_is_reminded_again(world, q3, report, dso_a, reviewer_p, english, mailoutbox):
    workflow.submit_report(report=report, by=dso_a)
    workflow.return_report(report=report, by=reviewer_p, comments=[("", "", "Recount.")])

    assert notifications.send_deadline_reminders(today=DAY_AFTER) == 1
    assert to(dso_a)


def test_reminders_go_only_to_the_districts_dsos_with_an_email(
    world, q3, dso_a, focal_a1, reviewer_p, pa_p, mrd, english, mailoutbox
):
    no_email = UserFactory(username="dso_a_no_email", email="")
    AssignmentFactory(user=no_email, role=Role.DSO, district=world.district_a)
    left = UserFactory(username="dso_a_left", is_active=False)
    AssignmentFactory(user=left, role=Role.DSO, district=world.district_a)

    assert notifications.send_deadline_reminders(today=SEVEN_DAYS_BEFORE) == 1

    assert [m.to for m in mailoutbox] == [["dso_a@example.org"]]
    assert not SentNotification.objects.filter(recipient__in=[no_email, left]).exists()


def test_closed_quarter_sends_no_reminder(world, q3, dso_a, mailoutbox):
    q3.is_open = False
    q3.save()

    assert notifications.send_deadline_reminders(today=DAY_AFTER) == 0


def test_deadline_reminder_is_written_in_each_recipients_language(world, q3, dso_a, dso_b, mailoutbox):
    profile(dso_a, "km")
    profile(dso_b, "en")

    notifications.send_deadline_reminders(today=SEVEN_DAYS_BEFORE)

    [khmer], [english] = to(dso_a), to(dso_b)
    context = {"period": q3, "district": world.district_b, "days_left": 7}
    with translation.override("en"):
        english_subject = render_to_string("emails/deadline_due_7_subject.txt", context).strip()
    assert english.subject == english_subject == "Q3 2019 report of Basedth: due in 7 days"
    assert english.body.startswith("Dear dso_b,") and "is due on" in english.body

    with translation.override("km"):
        khmer_subject = render_to_string(
            "emails/deadline_due_7_subject.txt", {**context, "district": world.district_a}
        ).strip()
    assert khmer.subject == khmer_subject
    assert KHMER.search(khmer.subject) and KHMER.search(khmer.body)
    # The wording itself is Khmer, not only the district's name and the quarter.
    for english_words in ("report of", "due in", "days"):
        assert english_words not in khmer.subject, khmer.subject
    for english_words in ("Dear ", "quarterly report of", "has not been submitted", "Open the report"):
        assert english_words not in khmer.body, khmer.body


# --- Review-queue reminders ---------------------------------------------------------------------------


@pytest.fixture
def reviewer_p2(world):
    user = UserFactory(username="reviewer_p2")
    AssignmentFactory(user=user, role=Role.PDRD_REVIEWER, province=world.province_p)
    return user


def waiting_since(report, days):
    ReportEvent.objects.filter(report=report, action=WorkflowAction.SUBMITTED).update(
        at=timezone.now() - datetime.timedelta(days=days)
    )


def test_report_waiting_more_than_a_week_reminds_each_reviewer_of_the_province_once(
    world, q3, report, dso_a, dso_b, reviewer_p, reviewer_p2, reviewer_q, pa_p, english, mailoutbox
):
    workflow.submit_report(report=report, by=dso_a)
    waiting_since(report, 8)
    report_b = DistrictReportFactory(district=world.district_b, period=q3, complete=True, by=dso_b)
    workflow.submit_report(report=report_b, by=dso_b)
    waiting_since(report_b, 6)  # not a week yet

    assert notifications.send_review_queue_reminders() == 2
    assert notifications.send_review_queue_reminders() == 0

    assert sorted(m.to[0] for m in mailoutbox) == ["reviewer_p2@example.org", "reviewer_p@example.org"]
    assert all(m.subject == "Q3 2019 report of Thpong is waiting for your review" for m in mailoutbox)
    assert "8 days" in to(reviewer_p)[0].body


def test_review_reminder_goes_to_the_reviewers_of_the_reports_province_only(
    world, q3, reviewer_p, reviewer_q, english, mailoutbox
):
    dso_c = UserFactory(username="dso_c")
    AssignmentFactory(user=dso_c, role=Role.DSO, district=world.district_c)
    report_c = DistrictReportFactory(district=world.district_c, period=q3, complete=True, by=dso_c)
    workflow.submit_report(report=report_c, by=dso_c)
    waiting_since(report_c, 9)

    assert notifications.send_review_queue_reminders() == 1
    assert [m.to for m in mailoutbox] == [["reviewer_q@example.org"]]


def test_resubmitted_report_waiting_again_is_a_new_reminder(world, q3, report, dso_a, reviewer_p, english, mailoutbox):
    workflow.submit_report(report=report, by=dso_a)
    waiting_since(report, 10)
    assert notifications.send_review_queue_reminders() == 1
    workflow.return_report(report=report, by=reviewer_p, comments=[("", "", "Recount.")])
    workflow.submit_report(report=report, by=dso_a)
    assert notifications.send_review_queue_reminders() == 0  # the new round has just started

    ReportEvent.objects.filter(report=report, action=WorkflowAction.SUBMITTED, round=2).update(
        at=timezone.now() - datetime.timedelta(days=8)
    )

    assert notifications.send_review_queue_reminders() == 1
    assert notifications.send_review_queue_reminders() == 0


def test_reviewed_report_sends_no_review_reminder(world, q3, report, dso_a, reviewer_p, english, mailoutbox):
    workflow.submit_report(report=report, by=dso_a)
    waiting_since(report, 10)
    workflow.approve_report(report=report, by=reviewer_p)

    assert notifications.send_review_queue_reminders() == 0


# --- Workflow notifications ----------------------------------------------------------------------------


def test_returned_notification_carries_the_comments_and_is_sent_once(
    world, q3, report, dso_a, reviewer_p, english, mailoutbox
):
    workflow.submit_report(report=report, by=dso_a)
    event = workflow.return_report(
        report=report,
        by=reviewer_p,
        comments=[
            ("village:05080101:households_total", "05080101 village — households in total", "120 last quarter?"),
            ("", "", "Attach the minutes."),
        ],
    )

    assert notifications.send_event_notification(event.pk) == 1
    assert notifications.send_event_notification(event.pk) == 0

    [message] = mailoutbox
    assert message.to == ["dso_a@example.org"]
    assert message.subject == "Returned for correction: Q3 2019 — Thpong"
    # The label is built from the comment's key, not the one the reviewer's page wrote with it.
    label = "05080101 Test Village 05080101 (Test Commune 050801) — households in total"
    assert f"- {label}: 120 last quarter?" in message.body
    assert "- Attach the minutes." in message.body
    assert "/reports/0508/2019/q3/" in message.body


def test_returned_notification_names_each_figure_in_the_dsos_language(
    world, q3, report, dso_a, reviewer_p, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    """A reviewer working in English returns the report of a DSO who reads Khmer: the e-mail names the figure
    in Khmer (the village's Khmer name, the figure's Khmer name), not with the English label of the reviewer's
    page, which stays stored only as a fallback."""
    profile(dso_a, "km")
    workflow.submit_report(report=report, by=dso_a)
    post = return_post(("village:households_total", "05080101", "120 last quarter?"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(reviewer_p, "en").post(reverse("reports:return", args=["0508", 2019, 3]), post)
    assert response.status_code == 302
    english_label = "05080101 Test Village 05080101 (Test Commune 050801) — households in total"
    assert ReviewComment.objects.get().label_as_written == english_label

    [message] = to(dso_a)

    with translation.override("km"):
        khmer_figure = str(VillageQuarter._meta.get_field("households_total").verbose_name)
    assert KHMER.search(khmer_figure)
    assert f"- 05080101 ភូមិសាកល្បង 05080101 (ឃុំសាកល្បង 050801) — {khmer_figure}: 120 last quarter?" in message.body
    for english_words in (english_label, "households in total", "Test Village", "Test Commune"):
        assert english_words not in message.body, message.body


def test_a_comment_whose_figure_can_no_longer_be_named_shows_the_label_written_with_it(
    world, q3, report, dso_a, reviewer_p, english, mailoutbox
):
    workflow.submit_report(report=report, by=dso_a)
    event = workflow.return_report(
        report=report,
        by=reviewer_p,
        comments=[("village:05080101:a_field_since_removed", "05080101 village — latrines in 2018", "Still?")],
    )

    notifications.send_event_notification(event.pk)

    assert "- 05080101 village — latrines in 2018: Still?" in mailoutbox[0].body


def test_returned_notification_lists_only_that_rounds_comments(
    world, q3, report, dso_a, reviewer_p, english, mailoutbox
):
    workflow.submit_report(report=report, by=dso_a)
    workflow.return_report(report=report, by=reviewer_p, comments=[("", "", "First round remark.")])
    workflow.submit_report(report=report, by=dso_a)
    second = workflow.return_report(report=report, by=reviewer_p, comments=[("", "", "Second round remark.")])

    notifications.send_event_notification(second.pk)

    assert "Second round remark." in mailoutbox[0].body and "First round remark." not in mailoutbox[0].body


def test_approved_notification_goes_to_the_submitter_once(
    world, q3, report, dso_a, dso_a2, reviewer_p, english, mailoutbox
):
    workflow.submit_report(report=report, by=dso_a)
    event = workflow.approve_report(report=report, by=reviewer_p)

    assert [notifications.send_event_notification(event.pk) for _ in range(2)] == [1, 0]
    assert [m.to for m in mailoutbox] == [["dso_a@example.org"]]
    assert mailoutbox[0].subject == "Approved: Q3 2019 — Thpong"
    assert "reviewer_p approved the report" in mailoutbox[0].body


def test_reopened_notification_goes_to_the_submitter_and_the_districts_dsos(
    world, q3, report, dso_a, dso_a2, dso_b, reviewer_p, english, mailoutbox
):
    workflow.submit_report(report=report, by=dso_a)
    workflow.approve_report(report=report, by=reviewer_p)
    event = workflow.reopen_report(report=report, by=reviewer_p, reason="Village 05080101 was counted twice.")

    assert notifications.send_event_notification(event.pk) == 2
    assert notifications.send_event_notification(event.pk) == 0

    assert sorted(m.to[0] for m in mailoutbox) == ["dso_a2@example.org", "dso_a@example.org"]
    assert all("Village 05080101 was counted twice." in m.body for m in mailoutbox)
    assert all(m.subject == "Reopened for changes: Q3 2019 — Thpong" for m in mailoutbox)


def test_provincial_return_tells_the_reviewer_who_submitted_it(
    world, q3, report, dso_a, dso_b, reviewer_p, mrd, english, mailoutbox
):
    provincial = ProvincialReport.objects.create(
        province=world.province_p, period=q3, achievements="A.", challenges="C."
    )
    workflow.submit_provincial_report(
        provincial_report=provincial,
        by=reviewer_p,
        missing_reasons={world.district_a.pk: "Late.", world.district_b.pk: "Late."},
    )
    event = workflow.return_provincial_report(provincial_report=provincial, by=mrd, comment="Explain the delays.")

    assert notifications.send_event_notification(event.pk) == 1
    assert mailoutbox[0].to == ["reviewer_p@example.org"] and "Explain the delays." in mailoutbox[0].body


def test_missed_notifications_are_caught_up_once(world, q3, report, dso_a, reviewer_p, english, mailoutbox):
    # In these tests the transitions never commit, so their notifications were never queued: as if Redis was down.
    workflow.submit_report(report=report, by=dso_a)
    returned = workflow.return_report(report=report, by=reviewer_p, comments=[("", "", "Recount.")])
    workflow.submit_report(report=report, by=dso_a)
    approved = workflow.approve_report(report=report, by=reviewer_p)
    notifications.send_event_notification(returned.pk)  # this one did go out
    mailoutbox.clear()

    assert notifications.send_missed_event_notifications() == 1
    assert notifications.send_missed_event_notifications() == 0
    assert [m.subject for m in mailoutbox] == ["Approved: Q3 2019 — Thpong"]
    assert SentNotification.objects.filter(key=f"event:{approved.pk}:{dso_a.pk}").exists()


def test_catch_up_leaves_out_old_events(world, q3, report, dso_a, reviewer_p, english, mailoutbox):
    workflow.submit_report(report=report, by=dso_a)
    event = workflow.approve_report(report=report, by=reviewer_p)
    ReportEvent.objects.filter(pk=event.pk).update(at=timezone.now() - datetime.timedelta(days=4))

    assert notifications.send_missed_event_notifications() == 0


def test_notification_is_sent_after_the_reviewer_account_is_deleted(
    world, q3, report, dso_a, reviewer_p, english, mailoutbox
):
    workflow.submit_report(report=report, by=dso_a)
    event = workflow.return_report(report=report, by=reviewer_p, comments=[("", "", "Recount, please.")])
    reviewer_p.delete()  # the event stays, with by = NULL; the district must still be told

    assert notifications.send_event_notification(event.pk) == 1
    assert "Recount, please." in mailoutbox[0].body


def test_failed_send_is_retried_by_the_next_run(world, q3, dso_a, english, mailoutbox, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionRefusedError("SMTP server down")

    monkeypatch.setattr(notifications, "send_mail", broken)
    with pytest.raises(ConnectionRefusedError):
        notifications.send_deadline_reminders(today=SEVEN_DAYS_BEFORE)
    assert not SentNotification.objects.exists()

    monkeypatch.undo()
    assert notifications.send_deadline_reminders(today=SEVEN_DAYS_BEFORE) == 1
