"""Celery entry point of the documents: rendering a queued provincial or national PDF."""

from celery import shared_task
from django.db import OperationalError

from reports.documents import rendering


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=120,
    max_retries=3,
    soft_time_limit=4 * 60,
    time_limit=5 * 60,
)
def render_stored_pdf(stored_pdf_id):
    """Render a queued provincial or national PDF into its stored file (see rendering.render_stored)."""
    return {"state": rendering.render_stored(stored_pdf_id)}
