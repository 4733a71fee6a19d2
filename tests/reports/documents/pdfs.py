"""The known dataset the PDF tests read, and helpers to read PDFs back (pypdf text, pdftoppm pictures).

2019 Q2 (closed) and Q3 (open) in the `world` fixture's units:
- district A (Thpong, ថ្ពង; province P Kampong Speu, កំពង់ស្ពឺ): Q2 approved at 40% coverage; Q3 submitted by
  dso_a and approved by reviewer_p ("Sokha Chea") at 50% coverage, 400 households, one village verified ODF,
  a training of 37 people (15 women), $1,000 received and $650 spent;
- district B (Basedth, បរសេដ្ឋ; province P): Q3 submitted, not approved (counted only in provisional data);
- district C (Dambae, តំបែរ; province Q Tbong Khmum, ត្បូងឃ្មុំ): Q3 approved at 50% coverage.
Rollups are rebuilt for both quarters.
"""

import hashlib
import os
import re
import shutil
import subprocess
from io import BytesIO
from types import SimpleNamespace

import pytest

from districts.models import Role
from reports.models import OdfStatus, ReportStatus, Training, VillageQuarter
from reports.review import workflow
from reports.rollups import build as rollup
from tests.conftest import ARTIFACTS
from tests.factories import AssignmentFactory, UserFactory
from tests.reports.builders import complete_report
from tests.reports.rollup_helpers import make_report, village_figures

A_Q3_TRAINING = dict(
    topic="clts",
    topic_detail="CLTS facilitation",
    participants_provincial=2,
    participants_district=5,
    participants_commune=10,
    participants_village=20,
    women=15,
)


@pytest.fixture
def approver_p(world):
    """A PDRD reviewer of province P with a full name, to appear as the approver."""
    user = UserFactory(username="sokha", first_name="Sokha", last_name="Chea")
    AssignmentFactory(user=user, role=Role.PDRD_REVIEWER, province=world.province_p)
    return user


@pytest.fixture
def pdf_data(world, q2, q3, dso_a, dso_b, approver_p, settings, tmp_path):
    """The dataset of the module docstring; stored PDFs go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    reviewer_q = UserFactory(username="reviewer_q_pdf")
    AssignmentFactory(user=reviewer_q, role=Role.PDRD_REVIEWER, province=world.province_q)
    dso_c = UserFactory(username="dso_c_pdf")
    AssignmentFactory(user=dso_c, role=Role.DSO, district=world.district_c)

    make_report(world.district_a, q2, ReportStatus.APPROVED, figures=lambda v: village_figures(own=30))
    a = complete_report(world.district_a, q3, by=dso_a)
    VillageQuarter.objects.filter(report=a, village__code="05080101").update(
        odf_status=OdfStatus.VERIFIED,
        odf_status_date="2019-08-20",
        explanation="Verified in August; the last households are building their latrines.",
    )
    Training.objects.create(report=a, **A_Q3_TRAINING)
    workflow.submit_report(report=a, by=dso_a)
    workflow.approve_report(report=a, by=approver_p)
    b = complete_report(world.district_b, q3, by=dso_b)
    workflow.submit_report(report=b, by=dso_b)
    c = complete_report(world.district_c, q3, by=dso_c)
    workflow.submit_report(report=c, by=dso_c)
    workflow.approve_report(report=c, by=reviewer_q)
    rebuild(q2, q3)
    for report in (a, b, c):
        report.refresh_from_db()
    return SimpleNamespace(report_a=a, report_b=b, report_c=c, q2=q2, q3=q3, world=world, reviewer_q=reviewer_q)


def rebuild(*periods):
    for period in periods:
        rollup.rebuild_period(period.pk)


# --- Reading PDFs back -------------------------------------------------------------------------------------


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
    """Save the PDF and its first page as a PNG in test-artifacts/ for a person to look at; returns the PNG path."""
    os.makedirs(ARTIFACTS, exist_ok=True)
    pdf_path = os.path.join(ARTIFACTS, f"{name}.pdf")
    with open(pdf_path, "wb") as handle:
        handle.write(content)
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm (poppler-utils) is needed: scripts/setup.sh --test installs it")
    prefix = os.path.join(ARTIFACTS, f"{name}-page")
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", "-f", "1", "-l", "1", "-singlefile", pdf_path, prefix],
        check=True,
        timeout=60,
    )
    return f"{prefix}.png"
