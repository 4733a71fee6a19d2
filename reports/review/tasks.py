"""Celery entry points of the review stage: the e-mails, thin wrappers over reports.review.notifications.

Idempotent through SentNotification keys, so a retry never sends twice.
"""

from celery import shared_task
from django.db import OperationalError

from reports.review import notifications

MAIL_TASK_OPTIONS = {"autoretry_for": (OSError, OperationalError), "retry_backoff": True, "max_retries": 5}


@shared_task(**MAIL_TASK_OPTIONS, soft_time_limit=60, time_limit=90)
def send_event_notification(event_id):
    """Tell the submitter (and, on reopening, the district's DSOs) that a report was returned, approved or reopened."""
    return {"sent": notifications.send_event_notification(event_id)}


@shared_task(**MAIL_TASK_OPTIONS, soft_time_limit=10 * 60, time_limit=15 * 60)
def send_deadline_reminders():
    """Reminders to DSOs 7 days and 1 day before the deadline, and once when overdue (beat, daily)."""
    return {"sent": notifications.send_deadline_reminders()}


@shared_task(**MAIL_TASK_OPTIONS, soft_time_limit=10 * 60, time_limit=15 * 60)
def send_review_queue_reminders():
    """Reminders to PDRD reviewers of reports waiting more than 7 days (beat, daily); also catches up
    on workflow notifications whose task was lost while the broker was down."""
    return {"sent": notifications.send_review_queue_reminders() + notifications.send_missed_event_notifications()}
