"""Photos of a visit: resized and re-encoded without metadata, stored under MEDIA_ROOT, served only through the
scoped view (readers of the village and the team; 404 for everyone else)."""

import io
import pathlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import translation
from PIL import Image

from reports.odf import photos, workflow
from reports.odf.models import OdfClaim, OdfPhoto, OdfVisit
from tests.reports.odf.conftest import TODAY, all_met
from tests.reports.odf.test_views import url, visit_post


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):  # outside a request the portal's language is Khmer
        yield


def picture(width=3000, height=2000, fmt="PNG", name="latrine.png", exif=None):
    buffer = io.BytesIO()
    image = Image.new("RGB", (width, height), (120, 160, 90))
    image.save(buffer, fmt, **({"exif": exif} if exif else {}))
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def test_a_photo_is_resized_and_keeps_no_metadata():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    prepared = photos.prepare(picture(4000, 3000, "JPEG", "p.jpg", exif=exif))

    assert (prepared.width, prepared.height) == (1600, 1200)
    stored = Image.open(io.BytesIO(prepared.content.read()))
    assert stored.format == "JPEG" and not stored.getexif()


def test_what_is_not_a_photo_is_refused_by_name():
    with pytest.raises(Exception, match="notes.txt is not a photo"):
        photos.prepare(SimpleUploadedFile("notes.txt", b"not an image"))


def test_the_team_uploads_photos_with_the_visit_and_readers_see_them(
    client_for, village, walk, dso_b, dso_a, reviewer_p
):
    walk.assigned(walk.claimed(village))
    response = client_for(dso_b).post(url("visit"), {**visit_post(), "photos": [picture(), picture(800, 600)]})
    assert response.status_code == 302

    stored = list(OdfPhoto.objects.order_by("pk"))
    assert [(p.width, p.height) for p in stored] == [(1600, 1067), (800, 600)]
    photo_url = reverse("reports:odf_photo", args=[village.code, stored[0].pk])
    assert photo_url in client_for(reviewer_p).get(url("village")).content.decode()
    for person in (dso_b, dso_a, reviewer_p):
        response = client_for(person).get(photo_url)
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
        assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


@pytest.mark.parametrize("persona", ["dso_c", "reviewer_q", "focal_a2"])
def test_a_photo_is_a_404_out_of_scope(client_for, request, village, walk, dso_b, persona):
    walk.assigned(walk.claimed(village))
    client_for(dso_b).post(url("visit"), {**visit_post(), "photos": [picture(200, 100)]})
    photo = OdfPhoto.objects.get()
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("reports:odf_photo", args=[village.code, photo.pk])).status_code == 404
    assert client.get(reverse("reports:odf_photo", args=["05010101", photo.pk])).status_code == 404


def test_a_file_that_is_not_a_photo_refuses_the_visit_and_keeps_the_answers(client_for, village, walk, dso_b):
    walk.assigned(walk.claimed(village))
    bad = SimpleUploadedFile("scan.pdf", b"%PDF-1.4 not a picture")
    response = client_for(dso_b).post(url("visit"), {**visit_post(reasons="kept"), "photos": [bad]})

    assert response.status_code == 200 and "scan.pdf is not a photo" in response.content.decode()
    assert "kept" in response.content.decode()
    assert OdfClaim.objects.get(village=village).state == OdfClaim.State.TEAM_ASSIGNED


def test_at_most_five_photos(client_for, village, walk, dso_b):
    walk.assigned(walk.claimed(village))
    response = client_for(dso_b).post(url("visit"), {**visit_post(), "photos": [picture(50, 50) for _ in range(6)]})
    assert response.status_code == 200 and "At most 5 photos" in response.content.decode()


# --- No file without its row ---------------------------------------------------------------------------------


def stored_files(settings):
    root = pathlib.Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def record(claim, by, prepared):
    return workflow.record_visit(
        claim=claim,
        by=by,
        visited_on=TODAY(),
        households_visited=40,
        answers=all_met(),
        result=OdfVisit.Result.PASS,
        photos=prepared,
    )


@pytest.mark.parametrize("failure", ["the second photo's row", "after the last photo"])
def test_a_visit_that_fails_after_its_photos_were_written_leaves_no_file_behind(
    settings, monkeypatch, village, walk, dso_b, failure
):
    claim = walk.assigned(walk.claimed(village))
    prepared = [photos.prepare(picture(300, 200)), photos.prepare(picture(200, 300))]
    saved = photos.save_photo
    calls = []

    def refused_insert(*args, **kwargs):
        raise DatabaseError("the connection was lost")

    def failing(visit, photo, written):
        calls.append(photo)
        if failure == "the second photo's row" and len(calls) == 2:
            monkeypatch.setattr(OdfPhoto, "save", refused_insert)  # its file is written, its row is not
        row = saved(visit, photo, written)
        if failure == "after the last photo" and len(calls) == len(prepared):
            raise RuntimeError("the disk filled up")
        return row

    monkeypatch.setattr(photos, "save_photo", failing)
    with pytest.raises((DatabaseError, RuntimeError)):
        record(claim, dso_b, prepared)

    assert len(calls) == 2  # both files were written before the failure
    assert stored_files(settings) == []
    assert not OdfPhoto.objects.exists() and not OdfVisit.objects.exists()
    assert OdfClaim.objects.get(pk=claim.pk).state == OdfClaim.State.TEAM_ASSIGNED


def test_a_recorded_visit_keeps_its_photo_files(settings, village, walk, dso_b):
    claim = walk.assigned(walk.claimed(village))
    record(claim, dso_b, [photos.prepare(picture(300, 200))])
    assert stored_files(settings) == [OdfPhoto.objects.get().image.name]


def test_with_photos_the_visit_is_its_own_transaction(settings, village, walk, dso_b):
    """Inside a caller's transaction, a later rollback could not remove the files: refused before any is written."""
    claim = walk.assigned(walk.claimed(village))
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        record(claim, dso_b, [photos.prepare(picture(300, 200))])
    assert stored_files(settings) == [] and not OdfVisit.objects.exists()
