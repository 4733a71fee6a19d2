"""render_pdf(): the one place in the portal that calls WeasyPrint.

A template is rendered under the requested language and laid out by WeasyPrint with a URL fetcher
that serves our own static files only (the print stylesheet). Everything else is refused: other
schemes (file:, data:, ftp:), any host (no network, not even 127.0.0.1), paths outside the static
roots (../, symlinks pointing out), and file types a PDF has no use for. A refused resource is left
out of the PDF and logged by WeasyPrint; the document still renders.

Templates address resources with {% static %} ("/static/css/print.css"), which resolves against
PDF_BASE_URL, a host under the reserved .invalid domain that no resolver knows: the fetcher answers
for it, nothing is ever sent over the network.

Khmer: the print stylesheet puts Noto Sans first (Latin letters and digits) and Noto Sans Khmer
second; WeasyPrint shapes Khmer correctly in HTML text (not in SVG <text>: the charts keep their text
in HTML, see print_charts.py). Pango breaks lines only where the text allows it, so every document's
body gets Khmer word boundaries first (khmer_text.py). The text layer (what copying or extracting text
gives) is built cluster by cluster (text_layer.py): every letter is there, in the order the page draws
them (a vowel or subscript drawn before its consonant comes first).
"""

import logging
import os
import posixpath
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation

from reports.documents import text_layer
from reports.documents.khmer_text import break_khmer_lines

logger = logging.getLogger(__name__)
# WeasyPrint logs every layout step: INFO noise in the portal's logs.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

PDF_BASE_URL = "http://drssd-pdf.invalid/"
# PDF/A-3b for filing: fonts embedded, an sRGB output intent, XMP metadata from the template's <title>, <meta> and
# <html lang> (base.html); checked in the tests with the page-validation PDF/A validator.
PDF_VARIANT = "pdf/a-3b"
# What a PDF may load from the static files: stylesheets, images and fonts.
ALLOWED_TYPES = {
    ".css": "text/css",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}


class ResourceRefused(ValueError):
    """The URL is not one of our static files or of this render's images."""


@dataclass
class RenderedPdf:
    content: bytes
    pages: int
    layout_seconds: float
    write_seconds: float


def render_pdf(template_name, context, language):
    """Render `template_name` with `context` under `language` into a PDF; returns a RenderedPdf.

    The template and its context are evaluated under translation.override(language), so gettext, unit
    names (District.name) and date formats all follow the document's language, not the request's.
    """
    HTML = load_weasyprint().HTML

    _install_cluster_text_layer()
    _install_stream_end_of_line()
    with translation.override(language):
        html = break_khmer_lines(render_to_string(template_name, context))
    fetcher = _fetcher_class()()
    with _RENDER_LOCK:
        started = time.perf_counter()
        document = HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=fetcher).render(font_config=_font_config())
        laid_out = time.perf_counter()
        content = document.write_pdf(pdf_variant=PDF_VARIANT, finisher=_pdf_a_fixes)
    return RenderedPdf(
        content=content,
        pages=len(document.pages),
        layout_seconds=laid_out - started,
        write_seconds=time.perf_counter() - laid_out,
    )


def load_weasyprint():
    """Import WeasyPrint, its native libraries found by their Linux names without searching.

    WeasyPrint opens each library (GObject, Pango, HarfBuzz, fontconfig…) by trying the names it has on Windows and
    macOS first; for each name that is not a loadable file, cffi asks ctypes.util.find_library, which on Linux runs
    `ldconfig -p`, then gcc and ld in subprocesses: about 20 searches, 0.3 s of a fresh process's first PDF, all to
    fail before the Linux soname (libpango-1.0.so.0) loads directly. While WeasyPrint imports, a name the dynamic
    loader cannot open directly is reported not found at once; the sonames still load. A library that exists only
    under another name would then be missing: the import is tried again with the ordinary search."""
    import sys

    if "weasyprint" in sys.modules:
        return sys.modules["weasyprint"]
    import ctypes.util

    search = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        import weasyprint
    except OSError:
        for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
            del sys.modules[name]
        ctypes.util.find_library = search
        import weasyprint
    finally:
        ctypes.util.find_library = search
    return weasyprint


# One render at a time per process, with one font configuration (Pango's font map and the fonts it has loaded)
# kept for the life of the process: a new one per render was 0.15-0.2 s of a district report's second, and
# Pango's font map is not thread-safe. Rendering is CPU work under the GIL, so threads lose little by taking turns.
_RENDER_LOCK = threading.Lock()
_fonts = {}


def _font_config():
    """The process's WeasyPrint font configuration, made anew in a forked process. Call with _RENDER_LOCK held."""
    from weasyprint.text.fonts import FontConfiguration

    if _fonts.get("pid") != os.getpid():
        _fonts.update(config=FontConfiguration(), pid=os.getpid())
    return _fonts["config"]


WARM_UP_TEMPLATE = "reports/documents/warm_up.html"


def warm_up():
    """Render a one-page document with every font the documents use: WeasyPrint, Pango, HarfBuzz, ICU and the fonts
    are loaded before a person asks for a PDF (a fresh process's first render took 0.6-0.8 s more). Called as a
    web or Celery worker process starts (gunicorn.conf.py, drssd_portal/celery.py); never raises."""
    try:
        render_pdf(WARM_UP_TEMPLATE, {}, "km")
    except Exception:
        logger.warning("Warming up the PDF renderer failed; the first PDF will take longer.", exc_info=True)


def _install_cluster_text_layer():
    """Every WeasyPrint Font of this process keeps its glyph-to-text map cluster by cluster (text_layer.py)."""
    from weasyprint.pdf import fonts

    if getattr(fonts.Font, "_cluster_to_unicode", False):
        return
    original = fonts.Font.__init__

    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.to_unicode = text_layer.ClusterToUnicode(self)

    fonts.Font.__init__ = __init__
    fonts.Font._cluster_to_unicode = True


def _install_stream_end_of_line():
    """Every PDF stream of this process ends its data with CR LF before "endstream", not LF alone.

    pydyf 0.13 writes a stream's data, then "\nendstream". Data whose last byte is a carriage return (a zlib
    stream whose Adler-32 checksum ends in 0x0D, about 1 in 256; an object or cross-reference stream built as the
    file is written) then reads as ending in a CR LF end-of-line, one byte short of its /Length: a PDF/A
    validator's 6.1.7.1 failure, which hit the filing tests about one run in six. With CR LF, the end-of-line
    before "endstream" is always those two bytes, whatever the data ends with.
    """
    import pydyf

    if getattr(pydyf.Stream, "_crlf_before_endstream", False):
        return
    original = pydyf.Stream.data

    def data(self):
        written = original.fget(self)
        assert written.endswith(b"\nendstream"), "pydyf changed how it ends a stream"
        return written[: -len(b"\nendstream")] + b"\r\nendstream"

    pydyf.Stream.data = property(data)
    pydyf.Stream._crlf_before_endstream = True


def _pdf_a_fixes(document, pdf):
    """The catalog's XMP metadata stream must have no Filter (ISO 19005-2/3, 6.6.2.1); WeasyPrint 70 leaves it
    uncompressed for PDF/A-1 only. Called by write_pdf just before the file is written."""
    reference = pdf.catalog.get("Metadata")
    if reference:
        number = reference.split()[0]  # b"45 0 R"
        pdf.objects[int(number)].compress = False


def resolve(url):
    """(body bytes, mime type) for an allowed URL; ResourceRefused for anything else.

    The fetcher's whole policy, as a plain function so tests can ask it directly.
    """
    parts = urlsplit(url)
    static_url = urlsplit(settings.STATIC_URL)
    # SECURITY: our reserved base host, or the host of an absolute STATIC_URL (static files on another
    # domain): no other scheme or host. Served from disk either way, never fetched.
    origins = {urlsplit(PDF_BASE_URL)[:2]}
    if static_url.scheme:
        origins.add(static_url[:2])
    if parts[:2] not in origins:
        raise ResourceRefused(f"Refused {url!r}: not one of the portal's static files.")
    path = unquote(parts.path)
    if "\\" in path or "\x00" in path:
        raise ResourceRefused(f"Refused {url!r}: malformed path.")
    prefix = "/" + static_url.path.strip("/") + "/"
    if not path.startswith(prefix):
        raise ResourceRefused(f"Refused {url!r}: outside the static files.")
    relative = path[len(prefix) :]
    # SECURITY: no "..", ".", empty or absolute segments: the path must name a file below a static root.
    segments = relative.split("/")
    if (
        not relative
        or any(segment in ("", ".", "..") for segment in segments)
        or posixpath.normpath(relative) != relative
    ):
        raise ResourceRefused(f"Refused {url!r}: not a plain static path.")
    extension = os.path.splitext(relative)[1].lower()
    if extension not in ALLOWED_TYPES:
        raise ResourceRefused(f"Refused {url!r}: a PDF does not load {extension or 'extensionless'} files.")
    found = _find_static(relative)
    if found is None:
        raise ResourceRefused(f"Refused {url!r}: no such static file.")
    with open(found, "rb") as handle:
        return handle.read(), ALLOWED_TYPES[extension]


def _find_static(relative):
    """The real path of a static file below one of the static roots, or None.

    STATIC_ROOT first (collected, possibly hashed names in production), then the finders
    (development). SECURITY: the resolved real path must lie inside a static root, so a symlink
    planted in a static directory cannot reach elsewhere.
    """
    candidates = []
    if settings.STATIC_ROOT:
        candidates.append(os.path.join(settings.STATIC_ROOT, *relative.split("/")))
    found = finders.find(relative)
    if found:
        candidates.append(found)
    roots = _static_roots()
    for candidate in candidates:
        real = os.path.realpath(candidate)
        if os.path.isfile(real) and any(os.path.commonpath([real, root]) == root for root in roots):
            return real
    return None


def _static_roots():
    roots = [settings.STATIC_ROOT] if settings.STATIC_ROOT else []
    for entry in settings.STATICFILES_DIRS:
        roots.append(entry[1] if isinstance(entry, (list, tuple)) else entry)
    roots.extend(os.path.join(config.path, "static") for config in apps.get_app_configs())
    return [os.path.realpath(root) for root in roots]


@lru_cache(maxsize=1)
def _fetcher_class():
    """The WeasyPrint URLFetcher subclass, built on first use so importing this module stays cheap."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """Serves resolve()'s answers; never opens a URL itself (no network, no file:// handler)."""

        def __init__(self):
            super().__init__(allowed_protocols=(), fail_on_errors=False)

        def fetch(self, url, headers=None):
            body, mime_type = resolve(url)
            return URLFetcherResponse(url, body=body, headers={"Content-Type": mime_type})

    return StaticOnlyFetcher


def fetch(url):
    """Fetch `url` exactly as a render would (for tests and diagnostics); raises ResourceRefused."""
    return _fetcher_class()().fetch(url)
