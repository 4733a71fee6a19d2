"""Stored PDFs: the provincial and national documents, rendered by a Celery task and kept until their data changes.

A request collects the document (cheap) and looks for a StoredPdf with the same digest: ready → served
at once; none → one is created and its rendering queued. The task renders it and deletes older PDFs
of the same document. Files live under MEDIA_ROOT and are served only by the scoped view.
"""

import logging

from django.utils import timezone
from django.utils.translation import gettext as _

from drssd_portal.dispatch import enqueue_on_commit
from reports.documents import rollup_reports, tasks
from reports.documents.models import STUCK_AFTER_SECONDS, PdfState, StoredPdf

logger = logging.getLogger(__name__)


def request_stored_pdf(*, kind, unit_code, period, data_state, language, by=None):
    """The StoredPdf for the document as its data stands now; queues its rendering if there is none yet.

    An unchanged quarter returns the ready row at once (no task). A failed row, or one whose worker
    was lost (queued or rendering for longer than STUCK_AFTER_SECONDS), is queued again.
    """
    document = rollup_reports.collect(kind, unit_code, period, data_state)
    key = document.digest()
    identity = {"kind": kind, "unit_code": unit_code, "period": period, "data_state": data_state, "language": language}
    stored, created = StoredPdf.objects.get_or_create(**identity, state_key=key, defaults={"requested_by": by})
    if stored.is_ready:
        if stored.file.storage.exists(stored.file.name):
            return stored
        logger.warning("Stored PDF %s lost its file %s; rendering it again.", stored.pk, stored.file.name)
    elif not created and not _needs_requeue(stored):
        return stored
    if not created:
        StoredPdf.objects.filter(pk=stored.pk).update(
            state=PdfState.QUEUED, progress=0, error="", updated_at=timezone.now()
        )
        stored.refresh_from_db()
    enqueue_on_commit(
        tasks.render_stored_pdf,
        stored.pk,
        catch_up="the request is marked failed; asking again queues it",
        on_failure=lambda: _queueing_failed(stored.pk),
    )
    return stored


def _needs_requeue(stored):
    if stored.state == PdfState.FAILED:
        return True
    return stored.is_pending and (timezone.now() - stored.updated_at).total_seconds() > STUCK_AFTER_SECONDS


def _queueing_failed(stored_pdf_id):
    """A broker that is down fails the row, so the person waiting is told instead of waiting forever."""
    StoredPdf.objects.filter(pk=stored_pdf_id, state=PdfState.QUEUED).update(
        state=PdfState.FAILED,
        error=_("The PDF could not be queued. Please try again in a few minutes."),
        updated_at=timezone.now(),
    )
