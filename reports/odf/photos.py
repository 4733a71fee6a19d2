"""Photos of a verification visit: checked, turned upright, resized and re-encoded before anything is stored.

A phone's photo is 3-12 MB and carries EXIF data (often the GPS position of a household). What is kept is a JPEG of
at most MAX_SIDE pixels a side with no metadata at all: small enough for a district office's connection, and
nothing in it but the picture. Anything Pillow cannot read as an image, or that would unpack to more than
MAX_PIXELS, is refused before it is decoded in full.

A file is written before its row is saved, inside the visit's transaction: save_photo() notes each name as soon as
the file exists, and remove_files() deletes them when that transaction rolls back (reports/odf/workflow.py).
"""

import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from reports.odf.models import OdfPhoto, OdfVisit

logger = logging.getLogger(__name__)

MAX_PHOTOS = 5
MAX_UPLOAD_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a 50-megapixel camera; anything bigger is not a phone's photo
MAX_SIDE = 1600
JPEG_QUALITY = 82


@dataclass(frozen=True)
class PreparedPhoto:
    content: ContentFile
    width: int
    height: int


def prepare(upload: UploadedFile) -> PreparedPhoto:
    """The upload as a resized JPEG without metadata; ValidationError (naming the file) when it is not a photo."""
    name = upload.name or ""
    if (upload.size or 0) > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("%(name)s is larger than %(mb)d MB.") % {"name": name, "mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    try:
        with Image.open(upload) as opened:
            if opened.width * opened.height > MAX_PIXELS:
                raise ValidationError(_("%(name)s is too large a picture.") % {"name": name})
            image = ImageOps.exif_transpose(opened).convert("RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)  # no exif= argument: no metadata kept
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ValidationError(_("%(name)s is not a photo (JPEG, PNG or another image).") % {"name": name}) from None
    return PreparedPhoto(ContentFile(out.getvalue(), name="photo.jpg"), image.width, image.height)


def save_photo(visit: OdfVisit, photo: PreparedPhoto, written: list[str]) -> OdfPhoto:
    """The photo's row for `visit`. Its file is written first and its name added to `written` at once, so that the
    caller can remove it if the transaction rolls back, even when it is the row's INSERT that fails."""
    row = OdfPhoto(visit=visit, width=photo.width, height=photo.height)
    row.image.save(photo.content.name or "photo.jpg", photo.content, save=False)
    assert row.image.name  # the name the storage gave the file
    written.append(row.image.name)
    row.save()
    return row


def remove_files(names: Iterable[str]) -> None:
    """Delete the files of photos whose rows were rolled back. A file that cannot be deleted is logged, not raised:
    the error that rolled the transaction back is the one to report."""
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.exception("Could not remove %s, the photo file of a visit that was not recorded.", name)
