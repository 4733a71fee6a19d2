"""The stored-PDF path, called directly: queued → rendering → ready (or failed), reuse, and new data."""

import datetime
import re

import pytest
from django.utils import timezone

from reports.documents import renderer, rendering, rollup_reports, tasks
from reports.documents import store as pdf_store
from reports.documents.models import STUCK_AFTER_SECONDS, PdfKind, PdfState, StoredPdf
from reports.review import workflow
from reports.rollups import build as rollup
from reports.rollups.models import DataState
from tests.reports.documents.pdfs import pdf_text

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # each builds the PDF dataset and most render


def request(data, language="en", kind=PdfKind.PROVINCIAL, unit_code="05", state=DataState.APPROVED):
    return pdf_store.request_stored_pdf(
        kind=kind, unit_code=unit_code, period=data.q3, data_state=state, language=language, by=None
    )


def test_request_queues_once_then_renders_to_ready(pdf_data, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        stored = request(pdf_data)
        again = request(pdf_data)
    assert stored.pk == again.pk and stored.state == PdfState.QUEUED and stored.progress == 0
    assert len(callbacks) == 1  # one task for two requests of the same unchanged document
    assert not stored.file

    assert rendering.render_stored(stored.pk) == PdfState.READY
    stored.refresh_from_db()
    assert stored.state == PdfState.READY and stored.progress == 100 and stored.pages > 0
    assert stored.size_bytes == stored.file.size and stored.render_seconds > 0
    with stored.file.open("rb") as handle:
        assert "Kampong Speu" in pdf_text(handle.read())


def test_progress_goes_through_rendering(pdf_data, monkeypatch):
    stored = request(pdf_data)
    seen = []
    original = rollup_reports.render_rollup_document

    def spy(document, language, progress=None):
        seen.append(StoredPdf.objects.get(pk=stored.pk).state)

        def report(done, total):
            progress(done, total)
            seen.append((StoredPdf.objects.get(pk=stored.pk).state, StoredPdf.objects.get(pk=stored.pk).progress))

        return original(document, language, progress=report)

    monkeypatch.setattr(rollup_reports, "render_rollup_document", spy)
    rendering.render_stored(stored.pk)
    assert seen[0] == PdfState.RENDERING
    progress = [value for state, value in seen[1:]]
    assert all(state == PdfState.RENDERING for state, _value in seen[1:])
    assert progress == sorted(progress) and 10 <= progress[0] and progress[-1] == 60
    assert StoredPdf.objects.get(pk=stored.pk).state == PdfState.READY


def test_the_task_renders_and_running_it_twice_changes_nothing(pdf_data):
    stored = request(pdf_data)
    assert tasks.render_stored_pdf.apply(args=(stored.pk,)).get() == {"state": PdfState.READY}
    stored.refresh_from_db()
    name = stored.file.name
    assert tasks.render_stored_pdf.apply(args=(stored.pk,)).get() == {"state": PdfState.READY}
    stored.refresh_from_db()
    assert stored.file.name == name and StoredPdf.objects.count() == 1


def test_an_unchanged_quarter_is_served_from_the_stored_pdf(pdf_data, django_capture_on_commit_callbacks):
    stored = request(pdf_data)
    rendering.render_stored(stored.pk)
    rollup.rebuild_period(pdf_data.q3.pk)  # rebuilt rollups with the same figures
    with django_capture_on_commit_callbacks() as callbacks:
        again = request(pdf_data)
    assert again.pk == stored.pk and again.is_ready
    assert callbacks == []


def test_new_data_gives_a_new_pdf_and_the_old_one_goes(pdf_data, django_capture_on_commit_callbacks):
    old = request(pdf_data)
    rendering.render_stored(old.pk)
    old.refresh_from_db()
    old_file = old.file.name
    storage = old.file.storage
    workflow.approve_report(report=pdf_data.report_b, by=pdf_data.report_a.approved_by)
    rollup.rebuild_period(pdf_data.q3.pk)
    with django_capture_on_commit_callbacks() as callbacks:
        new = request(pdf_data)
    assert new.pk != old.pk and new.state == PdfState.QUEUED and len(callbacks) == 1
    assert new.state_key != old.state_key
    rendering.render_stored(new.pk)
    new.refresh_from_db()
    with new.file.open("rb") as handle:
        text = pdf_text(handle.read())
    assert "2 of 2 district reports submitted" in text and "2 approved" in text
    # B's figures are in now; last quarter rests on A alone: not compared.
    assert re.search(r"Households in total 800 400 —\*", text)
    # The superseded PDF of the same document is deleted with its file.
    assert not StoredPdf.objects.filter(pk=old.pk).exists()
    assert not storage.exists(old_file)


def test_languages_and_data_states_are_separate_documents(pdf_data):
    keys = {(request(pdf_data, language).pk) for language in ("en", "km")}
    keys |= {request(pdf_data, state=DataState.PROVISIONAL).pk}
    assert len(keys) == 3


def test_a_failed_render_is_marked_failed_and_queued_again_on_the_next_request(
    pdf_data, monkeypatch, django_capture_on_commit_callbacks
):
    stored = request(pdf_data)

    def broken(*args, **kwargs):
        raise RuntimeError("no fonts")

    monkeypatch.setattr(renderer, "render_pdf", broken)
    assert rendering.render_stored(stored.pk) == PdfState.FAILED
    stored.refresh_from_db()
    assert stored.state == PdfState.FAILED and "RuntimeError" in stored.error and not stored.file
    monkeypatch.undo()
    with django_capture_on_commit_callbacks() as callbacks:
        again = request(pdf_data)
    assert again.pk == stored.pk and again.state == PdfState.QUEUED and len(callbacks) == 1
    assert rendering.render_stored(stored.pk) == PdfState.READY


def test_a_render_that_was_lost_is_queued_again_after_a_while(pdf_data, django_capture_on_commit_callbacks):
    stored = request(pdf_data)
    StoredPdf.objects.filter(pk=stored.pk).update(state=PdfState.RENDERING)
    with django_capture_on_commit_callbacks() as callbacks:
        request(pdf_data)
    assert callbacks == []  # still rendering elsewhere: wait for it
    # A rendering row must not be claimed twice while its worker is alive ...
    assert rendering.render_stored(stored.pk) == PdfState.RENDERING
    # ... but one untouched for longer than the task's time limit was lost with its worker.
    long_ago = timezone.now() - datetime.timedelta(seconds=STUCK_AFTER_SECONDS + 60)
    StoredPdf.objects.filter(pk=stored.pk).update(updated_at=long_ago)
    with django_capture_on_commit_callbacks() as callbacks:
        request(pdf_data)
    assert len(callbacks) == 1
    assert rendering.render_stored(stored.pk) == PdfState.READY


def test_a_broker_that_is_down_fails_the_request_instead_of_leaving_it_queued(
    pdf_data, monkeypatch, django_capture_on_commit_callbacks
):
    def unreachable(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(tasks.render_stored_pdf, "apply_async", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        stored = request(pdf_data)
    stored.refresh_from_db()
    assert stored.state == PdfState.FAILED and stored.error


def test_data_changed_while_queued_renders_the_new_data_under_the_new_key(pdf_data):
    stored = request(pdf_data)
    workflow.approve_report(report=pdf_data.report_b, by=pdf_data.report_a.approved_by)
    rollup.rebuild_period(pdf_data.q3.pk)
    assert rendering.render_stored(stored.pk) == PdfState.READY
    stored.refresh_from_db()
    assert (
        stored.state_key
        == rollup_reports.collect_provincial(pdf_data.world.province_p, pdf_data.q3, DataState.APPROVED).digest()
    )
