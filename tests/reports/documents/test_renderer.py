"""render_pdf's URL fetcher serves our static files, and refuses everything else."""

import logging
import os
import re

import pytest

from reports.documents import renderer as pdf

PASSWD = "file:///etc/passwd"


@pytest.mark.parametrize(
    "url",
    [
        PASSWD,
        "file:///work/main/static/css/print.css",  # file:// is refused even inside the static files
        "http://127.0.0.1/",
        "http://127.0.0.1:8000/static/css/print.css",
        "http://localhost/static/css/print.css",
        "https://cdn.example.org/static/css/print.css",
        "ftp://drssd-pdf.invalid/static/css/print.css",
        "data:text/css,body{color:red}",
        f"{pdf.PDF_BASE_URL}etc/passwd",
        f"{pdf.PDF_BASE_URL}static/../../../../etc/passwd",
        f"{pdf.PDF_BASE_URL}static/css/../../settings.py",
        f"{pdf.PDF_BASE_URL}static/%2e%2e/%2e%2e/etc/passwd",
        f"{pdf.PDF_BASE_URL}static//etc/passwd",
        f"{pdf.PDF_BASE_URL}static/css/portal.css%00.png",
        f"{pdf.PDF_BASE_URL}static/vendor/bootstrap/bootstrap.bundle.min.js",  # not a type a PDF loads
        f"{pdf.PDF_BASE_URL}static/css/missing.css",
        f"{pdf.PDF_BASE_URL}manage.py",
        f"{pdf.PDF_BASE_URL}pdf-images/secret.png",  # not a static file
    ],
)
def test_fetcher_refuses_anything_but_our_static_files(url):
    with pytest.raises(pdf.ResourceRefused):
        pdf.fetch(url)


def test_fetcher_serves_the_print_stylesheet():
    response = pdf.fetch(f"{pdf.PDF_BASE_URL}static/css/print.css")
    assert response.content_type == "text/css"
    assert b"Noto Sans Khmer" in response.read()


def test_fetcher_refuses_a_symlink_in_the_static_files_that_points_outside(settings, tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    (static / "passwd.css").symlink_to("/etc/passwd")
    settings.STATICFILES_DIRS = [str(static)]
    settings.STATIC_ROOT = str(tmp_path / "collected")
    with pytest.raises(pdf.ResourceRefused):
        pdf.fetch(f"{pdf.PDF_BASE_URL}static/passwd.css")


def test_a_refused_resource_is_left_out_and_the_document_still_renders(settings, tmp_path, caplog):
    """A template that points at /etc/passwd, a local server and the network gets none of them."""
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "hostile.html").write_text(
        '<html><head><link rel="stylesheet" href="http://127.0.0.1:8000/evil.css">'
        '<link rel="stylesheet" href="/static/css/print.css"></head>'
        '<body><p>Visible text</p><img src="file:///etc/passwd"><img src="http://127.0.0.1/x.png">'
        '<iframe src="file:///etc/passwd"></iframe><object data="file:///etc/hostname"></object>'
        '<img src="/static/../../../etc/passwd"></body></html>'
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(templates)]}]
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        rendered = pdf.render_pdf("hostile.html", {}, "en")
    assert rendered.content.startswith(b"%PDF") and rendered.pages == 1
    assert b"root:" not in rendered.content  # nothing of /etc/passwd made it in
    refused = caplog.text
    assert "etc/passwd" in refused and "127.0.0.1" in refused
    assert "print.css" not in refused  # our own stylesheet was served


def test_only_render_pdf_calls_weasyprint():
    """The one helper: no other module of the portal imports WeasyPrint (bench_pdfs times bare WeasyPrint
    as the floor to compare against, so it is the one exception)."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    allowed = {
        os.path.join(root, "reports", "documents", "renderer.py"),
        os.path.join(root, "reports", "devtools", "management", "commands", "bench_pdfs.py"),
    }
    importing = re.compile(r"^\s*(from|import)\s+weasyprint\b", re.MULTILINE)
    offenders = []
    for folder in ("reports", "districts", "drssd_portal"):
        for dirpath, _dirs, files in os.walk(os.path.join(root, folder)):
            for name in files:
                path = os.path.join(dirpath, name)
                if name.endswith(".py") and path not in allowed:
                    with open(path, encoding="utf-8") as handle:
                        if importing.search(handle.read()):
                            offenders.append(path)
    assert offenders == []


def test_warm_up_renders_a_page_with_the_documents_fonts_and_never_raises(monkeypatch, caplog):
    rendered = []
    monkeypatch.setattr(pdf, "render_pdf", lambda *args, **kwargs: rendered.append(args))
    pdf.warm_up()
    assert rendered == [(pdf.WARM_UP_TEMPLATE, {}, "km")]
    monkeypatch.undo()

    pdf.warm_up()  # for real: WeasyPrint, Pango, ICU and the fonts loaded, nothing raised

    monkeypatch.setattr(pdf, "WARM_UP_TEMPLATE", "reports/documents/no-such-template.html")
    pdf.warm_up()  # a worker starts even when the warm-up fails; it says so
    assert "Warming up the PDF renderer failed" in caplog.text


def test_weasyprint_loads_every_library_it_finds_by_searching_without_searching():
    """A fresh process: load_weasyprint() opens the native libraries by their Linux names, never asking
    ctypes.util.find_library (which runs ldconfig, gcc and ld), and opens the same ones an ordinary import does."""
    import subprocess
    import sys

    probe = (
        "import ctypes.util, sys\n"
        "searched = []\n"
        "search = ctypes.util.find_library\n"
        "ctypes.util.find_library = lambda name: searched.append(name) or search(name)\n"
        "{load}\n"
        "ffi = sys.modules['weasyprint.text.ffi']\n"
        "names = ('gobject', 'pango', 'harfbuzz', 'harfbuzz_subset', 'fontconfig', 'pangoft2')\n"
        "print([name for name in names if getattr(ffi, name, None) is not None], len(searched))\n"
    )
    fast = "from reports.documents.renderer import load_weasyprint; load_weasyprint()"

    def run(load):
        done = subprocess.run(
            [sys.executable, "-c", probe.format(load=load)], capture_output=True, text=True, check=True, timeout=120
        )
        return done.stdout.strip().rsplit(" ", 1)

    ordinary_libraries, ordinary_searches = run("import weasyprint")
    libraries, searches = run(fast)
    assert libraries == ordinary_libraries
    assert "'harfbuzz_subset'" in libraries  # fonts are subset: the PDFs stay small
    assert int(ordinary_searches) > 0
    assert searches == "0"
