"""Celery entry points of the reports app: thin wrappers that take ids and call a plain function.

Arguments and results are JSON (CELERY_TASK_SERIALIZER). Every task is idempotent, so a retry,
a redelivered message or a duplicate from the periodic repair does no harm.
"""
from celery import shared_task
from django.db import OperationalError

from . import notifications, rollup

# Rollup tasks: retried with exponential backoff when the database is unreachable or a deadlock
# victim (both OperationalError); acknowledged only after running, so a message whose worker died
# mid-run is delivered again (by Redis, after its visibility timeout). A task that fails for good
# leaves its stale mark for the periodic repair.
ROLLUP_TASK_OPTIONS = {
    "acks_late": True,
    "autoretry_for": (OperationalError,), "retry_backoff": True, "retry_backoff_max": 300, "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(**ROLLUP_TASK_OPTIONS, soft_time_limit=120, time_limit=180)
def rebuild_district_quarter(district_id, period_id):
    """Rebuild one district-quarter's rollups and its province's and the nation's (see rollup.py)."""
    return {"rows": rollup.rebuild_district_quarter(district_id, period_id)}


@shared_task(**ROLLUP_TASK_OPTIONS, soft_time_limit=20 * 60, time_limit=25 * 60)
def repair_stale_rollups():
    """Rebuild every rollup marked stale, e.g. those whose task was lost while Redis was down (beat)."""
    return rollup.repair_stale()


# E-mail tasks: idempotent through SentNotification keys, so a retry never sends twice.
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


# --- PDFs (issue 7) --------------------------------------------------------------------------------------

@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(OperationalError,), retry_backoff=True,
             retry_backoff_max=120, max_retries=3, soft_time_limit=4 * 60, time_limit=5 * 60)
def render_stored_pdf(stored_pdf_id):
    """Render a queued provincial or national PDF into its stored file (see pdf_store.render_stored)."""
    from . import pdf_store  # imported here: WeasyPrint and kaleido load only where PDFs are made

    return {"state": pdf_store.render_stored(stored_pdf_id)}
