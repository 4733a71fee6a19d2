"""The provincial and national PDFs state what their figures rest on, on the first page, and compare two quarters
like with like only (reports/documents/comparisons.py).

The quarter of these tests, in the `world` fixture's units (all approved):
- 2019 Q2: districts A (Thpong) and B (Basedth) of province P (Kampong Speu) report: province P is complete;
- 2019 Q3: A reports; B does not, so its stock figures are carried forward from Q2 2019;
- district C (Dambae, province Q) never reports: it has no figures, and is named and left out.
"""

import re

import pytest
from django.utils import translation

from reports.documents import rollup_reports
from reports.rollups import basis
from reports.rollups import build as rollup
from reports.rollups.models import DataState
from tests.factories import DistrictReportFactory
from tests.reports.documents.pdfs import first_page_png, pdf_pages, pdf_text
from tests.reports.documents.test_documents import assert_khmer_in, no_missing_glyphs  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # WeasyPrint renders every document

FLOW_LINES = ["Latrines built this quarter", "CLTS triggering events this quarter", "BCC sessions", "Trainings"]


@pytest.fixture
def carried_quarter(world, q2, q3, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    for district in (world.district_a, world.district_b):
        DistrictReportFactory(district=district, period=q2, filled=True, approved=True)
    DistrictReportFactory(district=world.district_a, period=q3, filled=True, approved=True)
    rollup.rebuild_all()
    return q3


def assert_flows_not_compared(text):
    """Every flow line of the summary's indicators (before the league tables, section 3) prints this quarter and
    last quarter, then "—" and its mark, never a change."""
    text = text.split("3. League table")[0]
    for label in FLOW_LINES:
        assert re.search(rf"{label} [\d,]+ [\d,]+ —†", text), label
        assert not re.search(rf"{label} [\d,]+ [\d,]+ [+-]", text), label
    assert "not the same districts reported in both quarters" in text


def test_national_rollup_states_its_basis_on_the_first_page(carried_quarter, no_missing_glyphs):  # noqa: F811
    document = rollup_reports.collect_national(carried_quarter, DataState.APPROVED)
    english = rollup_reports.render_rollup_document(document, "en")
    pages = pdf_pages(english.content)
    first, text = pages[0], " ".join(pages)
    assert "What these figures rest on" in first
    assert (
        "Based on 2 of 3 districts: 1 reported this quarter, 1 carried forward from earlier quarters "
        "(oldest: Q2 2019)." in first
    )
    assert "1 of 3 districts reported this quarter." in first
    assert "1 district has no figures yet and is left out: Dambae." in first
    # Stock figures rest on the same districts in both quarters (B carried forward, C without figures in both):
    # compared. Flow figures: one report against two, not compared.
    assert re.search(r"Households in total 800 800 \+0", text)
    assert re.search(r"Sanitation coverage [\d.]+% [\d.]+% \+0\.0 pts", text)
    assert_flows_not_compared(text)
    # The tables mark the district carried forward and the province resting on it.
    assert "Basis" in text and "carried forward from Q2 2019" in text
    assert "1 reported, 1 carried forward (oldest Q2 2019)" in text
    # Province P's page: its own basis.
    assert "Based on 2 of 2 districts: 1 reported this quarter, 1 carried forward" in text
    first_page_png(english.content, "pdf-national-carried-en")

    khmer = rollup_reports.render_rollup_document(document, "km")
    first = pdf_pages(khmer.content)[0]
    assert_khmer_in(["តំបែរ"], first)  # the district without figures, named in the document's language
    with translation.override("km"):
        oldest = basis.quarter_label((2019, 2))
    assert_khmer_in([oldest], first)  # the oldest carried quarter, as the Khmer catalogue names it
    first_page_png(khmer.content, "pdf-national-carried-km")


def test_provincial_summary_does_not_compare_a_partial_quarter_with_a_full_one(
    carried_quarter,
    world,
    no_missing_glyphs,  # noqa: F811
):
    document = rollup_reports.collect_provincial(world.province_p, carried_quarter, DataState.APPROVED)
    content = rollup_reports.render_rollup_document(document, "en").content
    pages = pdf_pages(content)
    first, text = pages[0], " ".join(pages)
    # Q2 was complete (A and B reported); in Q3 only A did.
    assert (
        "Based on 2 of 2 districts: 1 reported this quarter, 1 carried forward from earlier quarters "
        "(oldest: Q2 2019)." in first
    )
    assert "1 of 2 districts reported this quarter." in first
    assert "no figures yet and" not in first  # every district of P has figures
    assert_flows_not_compared(text)
    assert re.search(r"Households in total 800 800 \+0", text)
    # B's page and the league table say its figures are carried forward; its communes are marked too.
    assert "No report counted this quarter: figures carried forward from Q2 2019." in text
    assert text.count("carried forward from Q2 2019") >= 1 + 1 + 2  # league, B's page, its two communes
    first_page_png(content, "pdf-provincial-carried-en")


def test_a_quarter_resting_on_other_districts_prints_no_change(carried_quarter, world, q2):
    # Q2 2019 against Q1 2019, a quarter built with no report at all: nothing compared.
    from tests.factories import ReportingPeriodFactory

    ReportingPeriodFactory(year=2019, quarter=1)
    rollup.rebuild_all()
    document = rollup_reports.collect_national(q2, DataState.APPROVED)
    text = pdf_text(rollup_reports.render_rollup_document(document, "en").content)
    assert re.search(r"Households in total 800 0 —\*", text)
    assert re.search(r"Latrines built this quarter [\d,]+ 0 —†", text)
    assert "Not compared: the two quarters rest on different districts." in text
    assert "Based on 2 of 3 districts: 2 reported this quarter." in text


def test_the_digest_covers_since_when_figures_are_carried(carried_quarter):
    document = rollup_reports.collect_national(carried_quarter, DataState.APPROVED)
    digest = document.digest()
    carried = [row for row in document.rows if row.carried_since is not None]
    assert {row.code for row in carried} == {"KH", "05", "0501"}
    carried[0].carried_since = carried[0].carried_since.replace(year=2018)  # same sums, an older quarter
    assert document.digest() != digest
