"""Rendering a stored PDF: the body of the documents' Celery task (see store.py for how one is requested)."""

import datetime
import logging
import time

from django.core.files.base import ContentFile
from django.db import OperationalError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from reports.documents import rollup_reports
from reports.documents.models import STUCK_AFTER_SECONDS, PdfState, StoredPdf

logger = logging.getLogger(__name__)


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
    if not _claim(stored):
        return StoredPdf.objects.get(pk=stored.pk).state
    try:
        _render_into(stored)
        return PdfState.READY
    except OperationalError:
        StoredPdf.objects.filter(pk=stored.pk).update(state=PdfState.QUEUED, updated_at=timezone.now())
        raise
    except _Superseded:
        message = _("The data changed while this PDF was waiting. Please ask for it again.")
    except Exception as error:  # any failure is the row's, shown to the person waiting
        logger.exception("Rendering stored PDF %s failed.", stored.pk)
        message = _(
            "The PDF could not be made (%(error)s). Please try again; if it fails again, tell the portal administrator."
        ) % {"error": type(error).__name__}
    StoredPdf.objects.filter(pk=stored.pk).update(
        state=PdfState.FAILED, error=message, finished_at=timezone.now(), updated_at=timezone.now()
    )
    return PdfState.FAILED


def _claim(stored):
    """Take the row for this worker: queued, failed, or rendering but stuck. False if another worker has it."""
    now = timezone.now()
    claimable = Q(state__in=[PdfState.QUEUED, PdfState.FAILED]) | Q(
        state=PdfState.RENDERING, updated_at__lt=now - datetime.timedelta(seconds=STUCK_AFTER_SECONDS)
    )
    return bool(
        StoredPdf.objects.filter(claimable, pk=stored.pk).update(
            state=PdfState.RENDERING, progress=5, started_at=now, updated_at=now, error=""
        )
    )


def _render_into(stored):
    """Collect the document again (re-keying the row if its data changed), render it and store the file."""
    started = time.perf_counter()
    document = rollup_reports.collect(stored.kind, stored.unit_code, stored.period, stored.data_state)
    key = document.digest()
    if key != stored.state_key:
        identity = {"kind": stored.kind, "unit_code": stored.unit_code, "period": stored.period,
                    "data_state": stored.data_state, "language": stored.language}  # fmt: skip
        if StoredPdf.objects.filter(**identity, state_key=key).exists():
            raise _Superseded()
        StoredPdf.objects.filter(pk=stored.pk).update(state_key=key)
    _set_progress(stored.pk, 10)

    def charts_done(done, total):
        _set_progress(stored.pk, 10 + (50 * done // total if total else 50))

    rendered = rollup_reports.render_rollup_document(document, stored.language, progress=charts_done)
    _set_progress(stored.pk, 95)
    stored.refresh_from_db()
    stored.file.save("document.pdf", ContentFile(rendered.content), save=False)
    StoredPdf.objects.filter(pk=stored.pk).update(
        file=stored.file.name,
        state=PdfState.READY,
        progress=100,
        pages=rendered.pages,
        size_bytes=len(rendered.content),
        render_seconds=round(time.perf_counter() - started, 2),
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    _discard_older(stored)


class _Superseded(Exception):
    pass


def _discard_older(stored):
    """Delete the other ready PDFs of the same document (older data) and their files."""
    older = (
        StoredPdf.objects.of_document(
            kind=stored.kind,
            unit_code=stored.unit_code,
            period=stored.period,
            data_state=stored.data_state,
            language=stored.language,
        )
        .exclude(pk=stored.pk)
        .exclude(state__in=[PdfState.QUEUED, PdfState.RENDERING])
    )
    for row in older:
        if row.file:
            row.file.delete(save=False)
        row.delete()
