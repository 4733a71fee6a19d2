"""Celery entry point of the documents: rendering a queued provincial or national PDF; warming the renderer up as
each worker process starts."""

import threading

from celery import shared_task
from celery.signals import worker_process_init
from django.db import OperationalError

from reports.documents import renderer, rendering


@worker_process_init.connect
def warm_up_pdf_renderer(**kwargs):
    """A worker process loads WeasyPrint and the fonts before its first PDF task (in the background)."""
    threading.Thread(target=renderer.warm_up, name="pdf-warm-up", daemon=True).start()


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
