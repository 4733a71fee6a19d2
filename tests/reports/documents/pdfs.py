"""Reading PDFs back: pypdf text and images, and a pdftoppm picture of the first page for a person to look at."""

import hashlib
import os
import re
import shutil
import subprocess
from io import BytesIO

import pytest

from tests.conftest import ARTIFACTS


def pdf_pages(content):
    """The text of each page, as pypdf extracts it (whitespace runs collapsed to one space)."""
    from pypdf import PdfReader

    return [re.sub(r"\s+", " ", page.extract_text() or "") for page in PdfReader(BytesIO(content)).pages]


def pdf_text(content):
    return " ".join(pdf_pages(content))


def pdf_images(content):
    """How many different images the PDF holds (pages may share one resource dictionary)."""
    from pypdf import PdfReader

    return len(
        {hashlib.sha256(image.data).hexdigest() for page in PdfReader(BytesIO(content)).pages for image in page.images}
    )


def first_page_png(content, name, dpi=110):
    """Save the PDF, its first page and its last page as PNGs in test-artifacts/ for a person to look at; returns
    the first page's PNG path (the last page is <name>-last-page.png)."""
    os.makedirs(ARTIFACTS, exist_ok=True)
    pdf_path = os.path.join(ARTIFACTS, f"{name}.pdf")
    with open(pdf_path, "wb") as handle:
        handle.write(content)
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm (poppler-utils) is needed: scripts/setup.sh --test installs it")
    pages = len(pdf_pages(content))
    for page, suffix in ((1, "page"), (pages, "last-page")):
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-png", "-f", str(page), "-l", str(page), "-singlefile", pdf_path,
             os.path.join(ARTIFACTS, f"{name}-{suffix}")],
            check=True,
            timeout=60,
        )  # fmt: skip
    return os.path.join(ARTIFACTS, f"{name}-page.png")


def word_boxes(content):
    """[(page number, page width pt, x min, x max, word)] of every word, from `pdftotext -bbox-layout`."""
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is needed: scripts/setup.sh --test installs it")
    done = subprocess.run(
        ["pdftotext", "-bbox-layout", "-", "-"], input=content, capture_output=True, check=True, timeout=120
    )
    boxes = []
    pages = done.stdout.decode().split("<page ")[1:]
    for number, page in enumerate(pages, start=1):
        width = float(re.search(r'width="([\d.]+)"', page).group(1))
        for x_min, x_max, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', page
        ):
            boxes.append((number, width, float(x_min), float(x_max), word))
    return boxes
