"""Photos of a visit: resized and re-encoded without metadata, stored under MEDIA_ROOT, served only through the
scoped view (readers of the village and the team; 404 for everyone else)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image

from reports.odf import photos
from reports.odf.models import OdfClaim, OdfPhoto
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
