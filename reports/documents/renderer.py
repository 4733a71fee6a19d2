"""render_pdf(): the one place in the portal that calls WeasyPrint.

A template is rendered under the requested language and laid out by WeasyPrint with a URL fetcher
that serves two things only: our own static files (the print stylesheet) and the images handed to
this render (the charts, as PNG bytes). Everything else is refused: other schemes (file:, data:,
ftp:), any host (no network, not even 127.0.0.1), paths outside the static roots (../, symlinks
pointing out), and file types a PDF has no use for. A refused resource is left out of the PDF and
logged by WeasyPrint; the document still renders.

Templates address resources with {% static %} ("/static/css/print.css") and the image URLs of
image_url(); both resolve against PDF_BASE_URL, a host under the reserved .invalid domain that
no resolver knows: the fetcher answers for it, nothing is ever sent over the network.

Khmer: the print stylesheet puts Noto Sans first (Latin letters and digits) and Noto Sans Khmer
second; WeasyPrint shapes Khmer correctly in HTML text (not in SVG <text>, hence PNG charts).
WeasyPrint's text layer keeps one Unicode string per glyph, so text copied or extracted from a
Khmer PDF can drop or repeat parts of some syllables; what is printed is right.
"""

import atexit
import hashlib
import json
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

logger = logging.getLogger(__name__)
# WeasyPrint logs every layout step, kaleido and choreographer every tab: INFO noise in the portal's logs.
for _name in ("weasyprint.progress", "kaleido", "choreographer", "logistro"):
    logging.getLogger(_name).setLevel(logging.WARNING)

PDF_BASE_URL = "http://drssd-pdf.invalid/"
IMAGE_PREFIX = "/pdf-images/"
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


def image_url(name):
    """The URL a template uses for an image handed to render_pdf(images={name: bytes})."""
    return f"{IMAGE_PREFIX}{name}"


def render_pdf(template_name, context, language, *, images=None):
    """Render `template_name` with `context` under `language` into a PDF; returns a RenderedPdf.

    `images`: {name: PNG bytes}, referenced in the template by image_url(name). The template and
    its context are evaluated under translation.override(language), so gettext, unit names
    (District.name) and date formats all follow the document's language, not the request's.
    """
    from weasyprint import HTML

    with translation.override(language):
        html = render_to_string(template_name, context)
    fetcher = _fetcher_class()(images=images)
    started = time.perf_counter()
    document = HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=fetcher).render()
    laid_out = time.perf_counter()
    content = document.write_pdf()
    return RenderedPdf(
        content=content,
        pages=len(document.pages),
        layout_seconds=laid_out - started,
        write_seconds=time.perf_counter() - laid_out,
    )


def resolve(url, images=None):
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
    if path.startswith(IMAGE_PREFIX):
        name = path[len(IMAGE_PREFIX) :]
        if images and name in images:
            return images[name], "image/png"
        raise ResourceRefused(f"Refused {url!r}: no such image in this document.")
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

        def __init__(self, images=None):
            super().__init__(allowed_protocols=(), fail_on_errors=False)
            self.images = images or {}

        def fetch(self, url, headers=None):
            body, mime_type = resolve(url, self.images)
            return URLFetcherResponse(url, body=body, headers={"Content-Type": mime_type})

    return StaticOnlyFetcher


def fetch(url, images=None):
    """Fetch `url` exactly as a render would (for tests and diagnostics); raises ResourceRefused."""
    return _fetcher_class()(images=images).fetch(url)


# --- Charts: Plotly figure dicts (reports.dashboards.figures) to PNG with kaleido ---------------------------

CHART_SCALE = 2  # pixels per CSS pixel: about 240 dpi at the width of an A4 text column
CHART_TABS = 2  # Chromium tabs rendering at once (one per core here)
CHART_CACHE_SECONDS = 60 * 60 * 24 * 30
CHART_CACHE_ENABLED = True  # bench_pdfs turns it off to time the export itself
CHART_IDLE_SECONDS = 10 * 60  # a Chromium unused this long is closed (a web worker keeps none for long)
# plotly.js for kaleido's page: the basic bundle (scatter and bar, all the figures draw) starts Chromium in
# about 2 s instead of 3.5-7 s with the full bundle; kaleido falls back to the plotly package's bundle without it.
PLOTLY_BUNDLE = "vendor/plotly/plotly-basic.min.js"


class ChartExporter:
    """One headless Chromium per process (through kaleido), on its own event-loop thread; thread-safe.

    Starting Chromium takes seconds and each image then a fraction of one, so the browser is kept
    for the life of the process. After a fork (a Celery worker's child), the child starts its own.
    kaleido's own sync server is not used: it hands results back through one shared queue, so two
    threads exporting at once could receive each other's images.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._pid = None
        self._loop = self._kaleido = self._stop = None
        self._last_used = 0.0
        self._thread = None

    def export(self, jobs, timeout=120):
        """PNG bytes for each (figure, width, height) of `jobs`, in order; rendered CHART_TABS at a time."""
        import asyncio

        loop, exporter = self._ensure_started()
        self._last_used = time.monotonic()
        futures = [
            asyncio.run_coroutine_threadsafe(
                exporter.calc_fig(
                    figure, opts={"format": "png", "width": width, "height": height, "scale": CHART_SCALE}
                ),
                loop,
            )
            for figure, width, height in jobs
        ]
        try:
            pngs = [future.result(timeout=timeout) for future in futures]
            self._last_used = time.monotonic()
            return pngs
        except BaseException:
            for future in futures:
                future.cancel()
            self.stop()  # a browser that failed once is not trusted again: the next export starts a new one
            raise

    def _ensure_started(self):
        with self._lock:
            if self._pid != os.getpid() or self._loop is None or not self._loop.is_running():
                self._start()
            return self._loop, self._kaleido

    def _start(self):
        import asyncio
        import concurrent.futures

        import kaleido

        ready = concurrent.futures.Future()

        bundle = _find_static(PLOTLY_BUNDLE)

        async def serve():
            # mathjax=False: kaleido's default page would load MathJax from a CDN (no network here).
            async with kaleido.Kaleido(n=CHART_TABS, mathjax=False, timeout=60, plotlyjs=bundle) as exporter:
                stop = self._stop = asyncio.Event()
                ready.set_result((asyncio.get_running_loop(), exporter))
                while not stop.is_set():
                    try:
                        await asyncio.wait_for(stop.wait(), timeout=30)
                    except TimeoutError:
                        if time.monotonic() - self._last_used > CHART_IDLE_SECONDS:
                            with self._lock:
                                if time.monotonic() - self._last_used > CHART_IDLE_SECONDS:
                                    self._loop = self._kaleido = self._stop = None
                                    stop.set()

        def run():
            try:
                asyncio.run(serve())
            except BaseException as error:  # noqa: BLE001 - reported to the waiting caller
                if not ready.done():
                    ready.set_exception(error)
                else:
                    logger.exception("The chart exporter stopped.")

        self._last_used = time.monotonic()
        self._thread = threading.Thread(target=run, name="pdf-chart-exporter", daemon=True)
        self._thread.start()
        self._loop, self._kaleido = ready.result(timeout=120)
        self._pid = os.getpid()

    def stop(self, wait=False):
        """Close the browser; with `wait`, until it has exited (at interpreter exit, before temp files go)."""
        loop, stop, thread = self._loop, self._stop, self._thread
        self._loop = self._kaleido = self._stop = None
        if loop is not None and stop is not None and self._pid == os.getpid() and loop.is_running():
            loop.call_soon_threadsafe(stop.set)
            if wait and thread is not None:
                thread.join(timeout=15)


_exporter = ChartExporter()
atexit.register(_exporter.stop, wait=True)


def chart_pngs(charts, *, progress=None):
    """{name: PNG bytes} for {name: (figure dict, width px, height px)}.

    Identical figures are exported once: PNGs are cached under a digest of the figure and its size
    (the cache is Django's: Redis in production). A chart that cannot be exported (no Chromium,
    a crash) is logged and left out; the templates print a note in its place.
    `progress(done, total)` is called as charts are done.
    """
    from django.core.cache import cache

    keys = {
        name: "pdf-chart:"
        + hashlib.sha256(
            json.dumps([figure, width, height, CHART_SCALE], sort_keys=True, default=str).encode()
        ).hexdigest()
        for name, (figure, width, height) in charts.items()
    }
    cached = _cache_call(cache.get_many, list(set(keys.values()))) if CHART_CACHE_ENABLED else None
    images = {name: cached[key] for name, key in keys.items() if key in (cached or {})}
    missing = [name for name in charts if name not in images]
    if progress:
        progress(len(images), len(charts))
    for start in range(0, len(missing), CHART_TABS * 2):
        batch = missing[start : start + CHART_TABS * 2]
        try:
            pngs = _exporter.export([charts[name] for name in batch])
        except Exception:
            logger.exception("Could not export %d chart(s) to PNG; the PDF is made without them.", len(batch))
            continue
        for name, png in zip(batch, pngs, strict=False):
            images[name] = png
        if CHART_CACHE_ENABLED:
            _cache_call(cache.set_many, {keys[name]: images[name] for name in batch}, CHART_CACHE_SECONDS)
        if progress:
            progress(len(images), len(charts))
    return images


def _cache_call(method, *args):
    """A cache that is down (Redis) costs the charts' reuse, never the PDF."""
    try:
        return method(*args)
    except Exception:
        logger.warning("The chart cache is unavailable; exporting the charts again.", exc_info=True)
        return None
