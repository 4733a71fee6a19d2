"""Stored PDFs: the provincial and national documents, rendered by a Celery task and kept until their data changes.

A request collects the document (cheap) and looks for a StoredPdf with the same digest: ready → served
at once; none → one is created and its rendering queued. The task renders it and deletes older PDFs
of the same document. Files live under MEDIA_ROOT and are served only by the scoped view.
"""
import datetime
import logging
import time

from django.core.files.base import ContentFile
from django.db import OperationalError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import pdf_documents
from .models import PdfState, StoredPdf

logger = logging.getLogger(__name__)

# A queued or rendering stored PDF untouched for this long is taken to be lost (its worker died).
STUCK_AFTER_SECONDS = 15 * 60


def request_stored_pdf(*, kind, unit_code, period, data_state, language, by=None):
    """The StoredPdf for the document as its data stands now; queues its rendering if there is none yet.

    An unchanged quarter returns the ready row at once (no task). A failed row, or one whose worker
    was lost (queued or rendering for longer than STUCK_AFTER_SECONDS), is queued again.
    """
    document = pdf_documents.collect(kind, unit_code, period, data_state)
    key = document.digest()
    identity = {"kind": kind, "unit_code": unit_code, "period": period, "data_state": data_state,
                "language": language}
    stored, created = StoredPdf.objects.get_or_create(**identity, state_key=key, defaults={"requested_by": by})
    if stored.is_ready:
        if stored.file.storage.exists(stored.file.name):
            return stored
        logger.warning("Stored PDF %s lost its file %s; rendering it again.", stored.pk, stored.file.name)
    elif not created and not _needs_requeue(stored):
        return stored
    if not created:
        StoredPdf.objects.filter(pk=stored.pk).update(state=PdfState.QUEUED, progress=0, error="",
                                                      updated_at=timezone.now())
        stored.refresh_from_db()
    transaction.on_commit(lambda: dispatch_render(stored.pk))
    return stored


def _needs_requeue(stored):
    if stored.state == PdfState.FAILED:
        return True
    return stored.is_pending and (timezone.now() - stored.updated_at).total_seconds() > STUCK_AFTER_SECONDS


def dispatch_render(stored_pdf_id):
    """Queue the rendering task (or run it, when tasks are eager). A broker that is down fails the row."""
    from . import tasks

    try:
        tasks.render_stored_pdf.apply_async((stored_pdf_id,), retry=True, retry_policy={
            "max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5})
    except Exception:
        logger.exception("Could not queue the rendering of stored PDF %s.", stored_pdf_id)
        StoredPdf.objects.filter(pk=stored_pdf_id, state=PdfState.QUEUED).update(
            state=PdfState.FAILED, error=_("The PDF could not be queued. Please try again in a few minutes."),
            updated_at=timezone.now())


def _set_progress(stored_pdf_id, value):
    StoredPdf.objects.filter(pk=stored_pdf_id).update(progress=value, updated_at=timezone.now())


def render_stored(stored_pdf_id):
    """Render one queued StoredPdf into its file: the Celery task's body. Idempotent.

    A ready row is left alone; a row another worker is rendering (and not stuck) is left to it.
    The document is collected again here: if its data changed since the request, the row takes the
    new key (or fails, when another row already holds that key, with a message to ask again).
    Returns the row's final state. Database errors propagate (the task retries); any other error
    fails the row with its message.
    """
    stored = StoredPdf.objects.select_related("period").filter(pk=stored_pdf_id).first()
    if stored is None or stored.is_ready:
        return stored.state if stored else "missing"
    now = timezone.now()
    claimable = Q(state__in=[PdfState.QUEUED, PdfState.FAILED]) | Q(
        state=PdfState.RENDERING, updated_at__lt=now - datetime.timedelta(seconds=STUCK_AFTER_SECONDS))
    if not StoredPdf.objects.filter(claimable, pk=stored.pk).update(
            state=PdfState.RENDERING, progress=5, started_at=now, updated_at=now, error=""):
        return StoredPdf.objects.get(pk=stored.pk).state
    started = time.perf_counter()
    try:
        document = pdf_documents.collect(stored.kind, stored.unit_code, stored.period, stored.data_state)
        key = document.digest()
        if key != stored.state_key:
            if StoredPdf.objects.filter(kind=stored.kind, unit_code=stored.unit_code, period=stored.period,
                                        data_state=stored.data_state, language=stored.language,
                                        state_key=key).exists():
                raise _Superseded()
            StoredPdf.objects.filter(pk=stored.pk).update(state_key=key)
        _set_progress(stored.pk, 10)

        def charts_done(done, total):
            _set_progress(stored.pk, 10 + (50 * done // total if total else 50))

        rendered = pdf_documents.render_rollup_document(document, stored.language, progress=charts_done)
        _set_progress(stored.pk, 95)
        stored.refresh_from_db()
        stored.file.save("document.pdf", ContentFile(rendered.content), save=False)
        StoredPdf.objects.filter(pk=stored.pk).update(
            file=stored.file.name, state=PdfState.READY, progress=100, pages=rendered.pages,
            size_bytes=len(rendered.content), render_seconds=round(time.perf_counter() - started, 2),
            finished_at=timezone.now(), updated_at=timezone.now())
        _discard_older(stored)
        return PdfState.READY
    except OperationalError:
        StoredPdf.objects.filter(pk=stored.pk).update(state=PdfState.QUEUED, updated_at=timezone.now())
        raise
    except _Superseded:
        message = _("The data changed while this PDF was waiting. Please ask for it again.")
    except Exception as error:  # noqa: BLE001 - any failure is the row's, shown to the person waiting
        logger.exception("Rendering stored PDF %s failed.", stored.pk)
        message = _("The PDF could not be made (%(error)s). Please try again; if it fails again, tell the "
                    "portal administrator.") % {"error": type(error).__name__}
    StoredPdf.objects.filter(pk=stored.pk).update(state=PdfState.FAILED, error=message, finished_at=timezone.now(),
                                                  updated_at=timezone.now())
    return PdfState.FAILED


class _Superseded(Exception):
    pass


def _discard_older(stored):
    """Delete the other ready PDFs of the same document (older data) and their files."""
    older = StoredPdf.objects.of_document(kind=stored.kind, unit_code=stored.unit_code, period=stored.period,
                                          data_state=stored.data_state, language=stored.language).exclude(
        pk=stored.pk).exclude(state__in=[PdfState.QUEUED, PdfState.RENDERING])
    for row in older:
        if row.file:
            row.file.delete(save=False)
        row.delete()
