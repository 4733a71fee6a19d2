"""Photos of a verification visit: checked, turned upright, resized and re-encoded before anything is stored.

A phone's photo is 3-12 MB and carries EXIF data (often the GPS position of a household). What is kept is a JPEG of
at most MAX_SIDE pixels a side with no metadata at all: small enough for a district office's connection, and
nothing in it but the picture. Anything Pillow cannot read as an image, or that would unpack to more than
MAX_PIXELS, is refused before it is decoded in full.
"""

import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

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
