"""The three PDFs, rendered for the known dataset of pdf_data (conftest.py) and read back with pypdf.

Khmer text read back from a PDF: every letter is in the text layer (text_layer.py, test_text_layer.py),
but in the order the page draws the glyphs: a subscript ro or a vowel drawn before its consonant comes
first, and pypdf splits syllables with spaces. So Khmer strings are compared on their skeleton: without
whitespace and without subscript consonants; base consonants, vowels and signs must all be there, in order.
What is printed is right: see the PNG pages these tests save in test-artifacts/.
"""

import logging
import os
import re
from io import BytesIO

import pytest
from django.utils import timezone, translation

from reports.documents import district_report, numbering, rollup_reports
from reports.models import ReportStatus
from reports.review import workflow
from reports.rollups import build as rollup
from reports.rollups.models import DataState
from tests.reports.documents.pdfs import first_page_png, pdf_images, pdf_pages, pdf_text, word_boxes

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # WeasyPrint renders every document


def khmer_skeleton(text):
    """`text` without whitespace, zero-width spaces, subscript consonants (U+17D2 and the consonant after it) and
    dependent vowels (U+17B6-U+17C5, some drawn before their consonant): the consonants and signs, in order."""
    return re.sub("[\u17b6-\u17c5]", "", re.sub("\u17d2.", "", re.sub("[\\s\u200b]+", "", text)))


def assert_khmer_in(expected, text):
    missing = [word for word in expected if khmer_skeleton(word) not in khmer_skeleton(text)]
    assert missing == [], f"missing Khmer strings {missing}"


def test_khmer_skeleton_keeps_what_the_text_layer_keeps():
    assert khmer_skeleton("កំពង់ ស្ពឺ") == khmer_skeleton("កំពង់ស្ពឺ") == "កំពង់ស"
    assert khmer_skeleton("្រសុក") == khmer_skeleton("ស្រុក")  # the ro subscript is drawn first
    assert khmer_skeleton("េដាយ") == khmer_skeleton("ដោយ")  # so is the first part of ោ
    assert khmer_skeleton("ត្បូងឃ្មុំ") != khmer_skeleton("ថ្ពង")


def assert_page_numbers(pages):
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page


@pytest.fixture
def no_missing_glyphs(caplog):
    """Fail when WeasyPrint draws a .notdef box: a character no font in the stack has."""
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        yield
    assert ".notdef" not in caplog.text


# --- District quarterly report ------------------------------------------------------------------------------


def test_district_report_in_english_has_the_units_the_figures_and_the_approval(pdf_data, no_missing_glyphs):
    rendered = district_report.render_district(pdf_data.report_a, "en")
    pages = pdf_pages(rendered.content)
    text = " ".join(pages)
    assert rendered.pages == len(pages) > 0
    assert "District quarterly report" in text
    assert "Thpong" in text and "Kampong Speu" in text and "0508" in text
    assert "Basedth" not in text  # another district's name has no business here
    assert "Q3 2019" in text and "Q2 2019" in text
    assert "Approved by Sokha Chea on" in text
    assert "DRAFT" not in text and "PROVISIONAL" not in text
    # Indicators: this quarter, last quarter, the change.
    assert re.search(r"Sanitation coverage 50\.0% 40\.0% \+10\.0 pts", text)
    assert re.search(r"Households in total 400 400 \+0", text)
    assert re.search(r"ODF villages \(verified\) 1 0 \+1", text)
    # Trainings by level and sex, budget and narrative.
    assert re.search(r"CLTS facilitation 2 5 10 20 37 15 22", text)
    assert "Received this quarter $1,000.00" in text and "Spent this quarter $650.00" in text
    assert "65.0%" in text
    assert "Flooding in September." in text
    # The coverage and ODF charts: vector shapes with their text (legend, axes) in the text layer, no images.
    assert pdf_images(rendered.content) == 0
    assert "Sanitation coverage (%)" in text and "Verified ODF villages" in text and "Households (%)" in text
    assert_page_numbers(pages)
    # The administrative form: national heading, issuing body, reference number, place and date, signatures.
    report = pdf_data.report_a
    year = timezone.localtime(report.approved_at).year
    assert "Kingdom of Cambodia" in pages[0] and "Nation Religion King" in pages[0]
    assert "Kampong Speu Provincial Administration" in pages[0] and "Thpong District Administration" in pages[0]
    assert f"No. 0508/{year}/001" in pages[0]
    day = f"{timezone.localtime(report.approved_at).day} {timezone.localtime(report.approved_at):%B} {year}"
    assert f"Done at Thpong District, {day}" in pages[-1]
    assert all(heading in pages[-1] for heading in ("Prepared by", "Reviewed by", "Seen and approved"))
    assert "dso_a" in pages[-1] and "Sokha Chea" in pages[-1] and f"Approved on {day}" in pages[-1]
    assert "District Governor" in pages[-1] and "Signature and seal" in pages[-1]
    first_page_png(rendered.content, "pdf-district-en")


def test_district_report_in_khmer_is_in_khmer(pdf_data, no_missing_glyphs):
    rendered = district_report.render_district(pdf_data.report_a, "km")
    pages = pdf_pages(rendered.content)
    text = " ".join(pages)
    assert rendered.pages == len(pages) > 0
    # Unit names in Khmer script, with the Latin names beside them.
    assert_khmer_in(["ថ្ពង", "កំពង់ស្ពឺ"], text)
    assert "(Thpong)" in text and "(Kampong Speu)" in text
    # Khmer labels of the document: the quarter, "village", "commune", "province" ...
    with translation.override("km"):
        quarter = pdf_data.q3.label
    assert_khmer_in(
        [quarter, "ភូមិ", "ឃុំ", "សូចនាករ", "របាយការណ៍ប្រចាំត្រីមាសរបស់ស្រុក", "អនុម័តដោយ Sokha Chea", "អត្រាគ្របដណ្តប់អនាម័យ"], text
    )
    for number, page in enumerate(pages, start=1):  # "ទំព័រ X នៃ Y" in Khmer digits (the vowel of នៃ may not read back)
        khmer = str(number).translate(numbering.KHMER_DIGITS), str(len(pages)).translate(numbering.KHMER_DIGITS)
        assert re.search(rf"ទំព័រ\s*{khmer[0]}\s*\S+\s*{khmer[1]}", page), page[-80:]
    assert "50.0%" in text and "40.0%" in text and "$1,000.00" in text
    assert "Sokha Chea" in text
    assert pdf_images(rendered.content) == 0  # the charts are vectors, their text Khmer (test_print_charts.py)
    # The national heading and the same reference number as the English copy, in Khmer digits (the default).
    assert_khmer_in(["ព្រះរាជាណាចក្រកម្ពុជា", "ជាតិសាសនាព្រះមហាក្សត្រ", "រដ្ឋបាលស្រុកថ្ពង"], text)
    year = str(timezone.localtime(pdf_data.report_a.approved_at).year).translate(numbering.KHMER_DIGITS)
    assert f"០៥០៨/{year}/០០១" in text
    png = first_page_png(rendered.content, "pdf-district-km")
    assert png.endswith(".png")


def test_every_page_of_a_draft_report_says_it_is_a_draft(pdf_data, dso_a, no_missing_glyphs):
    workflow.reopen_report(report=pdf_data.report_a, by=pdf_data.report_a.approved_by, reason="Recount Amleang.")
    pdf_data.report_a.refresh_from_db()
    assert pdf_data.report_a.status == ReportStatus.DRAFT
    rendered = district_report.render_district(pdf_data.report_a, "en")
    pages = pdf_pages(rendered.content)
    assert len(pages) > 1
    for page in pages:
        assert "DRAFT — not submitted, not approved" in page
    assert "No reference number: not an approved version" in pages[0] and "No. 0508/" not in " ".join(pages)
    assert "Not yet approved" in pages[-1]
    first_page_png(rendered.content, "pdf-district-draft-en")


def test_every_page_of_a_submitted_report_says_it_is_provisional(pdf_data):
    rendered = district_report.render_district(pdf_data.report_b, "en")
    pages = pdf_pages(rendered.content)
    assert all("PROVISIONAL — submitted, not yet approved" in page for page in pages)
    assert "Basedth" in pages[0] and "Submitted on" in pages[0]


def test_a_returned_report_prints_the_reviewers_comments(pdf_data):
    workflow.return_report(
        report=pdf_data.report_b,
        by=approver_p_of(pdf_data),
        comments=[("", "", "Households of Test Village look too high: please recount.")],
    )
    pdf_data.report_b.refresh_from_db()
    text = pdf_text(district_report.render_district(pdf_data.report_b, "en").content)
    assert "RETURNED FOR CORRECTION — not approved" in text
    assert "Reviewer's comments" in text
    assert "please recount" in text and "Sokha Chea" in text


def approver_p_of(data):
    return data.report_a.approved_by


def test_district_report_queries_do_not_grow_with_the_villages(pdf_data, django_assert_max_num_queries):
    # About a dozen for the figures, the rest for the letterhead: the national setting, the reference number
    # (allocated on the first render: a savepoint, the last number, the insert) and the signatories; twelve for the
    # quarter's ODF funnel (reports.odf.funnel), and three more the first time the ODF settings row is read.
    with django_assert_max_num_queries(65):
        district_report.district_document(pdf_data.report_a, "en")


# --- Provincial summary and national rollup ------------------------------------------------------------------


def test_provincial_summary_in_both_languages(pdf_data, no_missing_glyphs):
    province = pdf_data.world.province_p
    document = rollup_reports.collect_provincial(province, pdf_data.q3, DataState.APPROVED)
    english = rollup_reports.render_rollup_document(document, "en")
    pages = pdf_pages(english.content)
    text = " ".join(pages)
    assert english.pages == len(pages) > 0
    assert "Provincial quarterly summary" in text and "Kampong Speu" in text
    assert "Thpong" in text and "Basedth" in text and "Dambae" not in text
    assert "League table of districts" in text and "Completeness and timeliness of reporting" in text
    # Approved data: district A alone (400 households, 50%); B is submitted, not approved.
    assert re.search(r"Sanitation coverage 50\.0% 40\.0% \+10\.0 pts", text)
    assert re.search(r"Households in total 400 400 \+0", text)
    assert "2 of 2 district reports submitted" in text and "1 approved" in text
    assert "PROVISIONAL" not in text and "Approved reports only." in text
    year = timezone.localdate().year  # numbered when first printed
    assert "Provincial Department of Rural Development of Kampong Speu" in pages[0] and f"No. 05/{year}/001" in pages[0]
    assert "Director of the Provincial Department of Rural Development" in pages[-1]
    assert pdf_images(english.content) == 0  # the charts are vectors
    assert "Reporting rate (%)" in text and "Utilisation, year to date (%)" in text and "End of last year (%)" in text
    assert_page_numbers(pages)
    first_page_png(english.content, "pdf-provincial-en")

    khmer = rollup_reports.render_rollup_document(document, "km")
    text = pdf_text(khmer.content)
    assert_khmer_in(["កំពង់ស្ពឺ", "ថ្ពង"], text)
    assert "(Kampong Speu)" in text
    first_page_png(khmer.content, "pdf-provincial-km")


def test_provisional_provincial_summary_counts_submitted_reports_and_says_so_on_every_page(pdf_data):
    document = rollup_reports.collect_provincial(pdf_data.world.province_p, pdf_data.q3, DataState.PROVISIONAL)
    pages = pdf_pages(rollup_reports.render_rollup_document(document, "en").content)
    assert all("PROVISIONAL — includes reports submitted but not yet approved" in page for page in pages)
    # A and B now; last quarter A alone (B had no figures): not the same districts, so no change is shown.
    assert re.search(r"Households in total 800 400 —\*", " ".join(pages))
    assert "Not compared: the two quarters rest on different districts." in " ".join(pages)
    assert "No reference number: not an approved version" in pages[0] and "No. 05/" not in " ".join(pages)


def test_national_rollup_in_both_languages(pdf_data, no_missing_glyphs):
    document = rollup_reports.collect_national(pdf_data.q3, DataState.APPROVED)
    english = rollup_reports.render_rollup_document(document, "en")
    pages = pdf_pages(english.content)
    text = " ".join(pages)
    assert "National rollup" in text and "Cambodia" in text
    assert "Kampong Speu" in text and "Tbong Khmum" in text and "Thpong" in text and "Dambae" in text
    assert "Provinces by sanitation coverage" in text and "Completeness and timeliness of reporting" in text
    # Approved: A (400 households) and C (400); B waits for review. Last quarter: A alone, so the two quarters
    # rest on different districts: no change shown (comparisons.py), and the first page says what they rest on.
    assert re.search(r"Households in total 800 400 —\*", text)
    assert re.search(r"Latrines built this quarter \d+ \d+ —†", text)
    assert "Based on 2 of 3 districts: 2 reported this quarter." in pages[0]
    assert "1 district has no figures yet and is left out: Basedth." in pages[0]
    assert "3 of 3 district reports submitted" in text and "2 approved" in text
    assert "Department of Rural Health Care" in pages[0] and f"No. MRD/{timezone.localdate().year}/001" in pages[0]
    assert "Done at Phnom Penh" in pages[-1] and "Director of the Department of Rural Health Care" in pages[-1]
    assert_page_numbers(pages)
    assert pdf_images(english.content) == 0  # summary charts and one per province page, all vectors
    assert text.count("Sanitation coverage (%)") >= 1 + 2  # the legend of the summary's and each province's chart
    first_page_png(english.content, "pdf-national-en")

    khmer = rollup_reports.render_rollup_document(document, "km")
    text = pdf_text(khmer.content)
    assert_khmer_in(["កំពង់ស្ពឺ", "ថ្ពង", "តារាងពិន្ទុស្រុក"], text)  # the district scorecard's heading too
    assert "(Tbong Khmum)" in text
    first_page_png(khmer.content, "pdf-national-km")


def test_the_digest_changes_with_the_data_and_only_with_it(pdf_data, dso_b):
    digest = rollup_reports.collect_national(pdf_data.q3, DataState.APPROVED).digest()
    rollup.rebuild_period(pdf_data.q3.pk)  # a rebuild of unchanged data: same figures, same key
    assert rollup_reports.collect_national(pdf_data.q3, DataState.APPROVED).digest() == digest
    workflow.approve_report(report=pdf_data.report_b, by=pdf_data.report_a.approved_by)
    rollup.rebuild_period(pdf_data.q3.pk)
    assert rollup_reports.collect_national(pdf_data.q3, DataState.APPROVED).digest() != digest


def test_hostile_narratives_and_names_print_as_text_and_reach_no_local_file(pdf_data, no_missing_glyphs):
    """Markup, CSS that asks for local files and formulas in what a DSO typed print as the characters typed."""
    hostile = (
        '<script>alert(1)</script> <img src="file:///etc/passwd"> '
        "<style>@import 'file:///etc/passwd'; body{background:url(file:///etc/hostname)}</style> "
        '=HYPERLINK("https://evil.example/","x")'
    )
    report = pdf_data.report_b
    type(report).objects.filter(pk=report.pk).update(achievements=hostile)
    report.refresh_from_db()
    rendered = district_report.render_district(report, "en")
    text = pdf_text(rendered.content)
    assert "<script>alert(1)</script>" in text
    assert "file:///etc/passwd" in text and '=HYPERLINK("https://evil.example/","x")' in text
    assert "root:" not in text
    assert pdf_images(rendered.content) == 0  # no image from a file:// address (the charts are vectors)


# --- Khmer that wraps: no word past the right margin -----------------------------------------------------------

# A Khmer narrative written as Khmer is written: words run together, no spaces, 5,000 characters.
LONG_KHMER = (
    "ស្រុកបានអនុវត្តការចុះផ្សព្វផ្សាយអនាម័យនៅតាមភូមិចំនួនដប់ប្រាំភូមិហើយប្រជាពលរដ្ឋបានសាងសង់បង្គន់អនាម័យថ្មី"
    "ដោយខ្លួនឯងក្រុមការងារឃុំបានតាមដានការប្រើប្រាស់បង្គន់និងការលាងដៃដោយសាប៊ូ" * 40
)[:5000]
RIGHT_MARGIN_PT = 14 / 25.4 * 72  # print.css: 14 mm


def assert_no_word_past_the_right_margin(content):
    boxes = word_boxes(content)
    past = [(page, x_max, word[:12]) for page, width, _x, x_max, word in boxes if x_max > width - RIGHT_MARGIN_PT + 1]
    assert past == [], past[:5]
    return boxes


def khmer_lines_of(boxes):
    """How many lines hold the narrative's words (each broken line starts a new word box at the left margin)."""
    return sum(1 for _page, _width, x_min, _x, word in boxes if "ផ្សព្វ" in word or "ស្រុក" in word)


@pytest.mark.parametrize("language", ["en", "km"])
def test_a_long_khmer_narrative_wraps_inside_the_page_of_every_document(pdf_data, language):
    from reports.models import ProvincialReport

    report = pdf_data.report_a
    report.achievements = LONG_KHMER
    report.challenges = "ផ្លូវ" + LONG_KHMER[:800]
    district_pdf = district_report.render_district(report, language).content
    boxes = assert_no_word_past_the_right_margin(district_pdf)
    # The narrative is all there, on many lines (it used to be one line running off the page).
    narrative_words = [word for _p, _w, _x, _xm, word in boxes if any("\u1780" <= c <= "\u17ff" for c in word)]
    assert sum(len(word) for word in narrative_words) > 4000
    assert khmer_lines_of(boxes) > 20
    first_page_png(district_pdf, f"pdf-district-long-khmer-{language}")

    ProvincialReport.objects.create(
        province=pdf_data.world.province_p, period=pdf_data.q3, achievements=LONG_KHMER, challenges=LONG_KHMER[:900]
    )
    province = rollup_reports.collect_provincial(pdf_data.world.province_p, pdf_data.q3, DataState.APPROVED)
    provincial_pdf = rollup_reports.render_rollup_document(province, language).content
    assert khmer_lines_of(assert_no_word_past_the_right_margin(provincial_pdf)) > 20

    nation = rollup_reports.collect_national(pdf_data.q3, DataState.APPROVED)
    assert_no_word_past_the_right_margin(rollup_reports.render_rollup_document(nation, language).content)


# --- PDF/A-3b for filing --------------------------------------------------------------------------------------


def test_a_stream_whose_data_ends_in_a_carriage_return_keeps_its_exact_length(monkeypatch):
    """About 1 stream in 256 ends in CR (a zlib checksum, an object stream's last entry); before "endstream" it must
    not read as part of the end-of-line (PDF/A 6.1.7.1: /Length is the data's exact length)."""
    import page
    import pydyf

    from reports.documents import renderer

    finish = renderer._pdf_a_fixes

    def with_a_stream_ending_in_cr(document, pdf):
        finish(document, pdf)
        stream = pydyf.Stream([b"0 0 m\r"])
        pdf.add_object(stream)
        pdf.catalog["TestStream"] = stream.reference

    monkeypatch.setattr(renderer, "_pdf_a_fixes", with_a_stream_ending_in_cr)
    content = renderer.render_pdf(renderer.WARM_UP_TEMPLATE, {}, "km").content
    assert b"0 0 m\r\r\nendstream" in content
    report = page.validate_pdf_bytes(content, profile="3b")
    assert report.is_compliant, [(f.rule_id, f.message) for f in report.failures]


def test_every_document_is_valid_pdf_a_3b_with_its_metadata(pdf_data):
    """Checked with page (the page-validation package: a PDF/A validator that passes the veraPDF corpus)."""
    import page
    from pypdf import PdfReader

    documents = {
        "district": lambda language: district_report.render_district(pdf_data.report_a, language),
        "provincial": lambda language: rollup_reports.render_rollup_document(
            rollup_reports.collect_provincial(pdf_data.world.province_p, pdf_data.q3, DataState.APPROVED), language
        ),
        "national": lambda language: rollup_reports.render_rollup_document(
            rollup_reports.collect_national(pdf_data.q3, DataState.APPROVED), language
        ),
    }
    for name, render in documents.items():
        for language in ("en", "km"):
            content = render(language).content
            report = page.validate_pdf_bytes(content, profile="3b")
            assert report.is_compliant, (name, language, [(f.rule_id, f.message) for f in report.failures])
            reader = PdfReader(BytesIO(content))
            assert reader.trailer["/Root"]["/Lang"] == language
            if language == "en":
                title = reader.metadata.title
                assert "/" in title.rsplit("No. ", 1)[1], title  # the reference number is in the title
                assert reader.metadata.subject and "Q3 2019" in reader.metadata.subject


def test_the_odf_section_prints_the_quarters_funnel_and_the_digest_follows_it(pdf_data):
    import datetime

    from reports.dashboards.models import ScorecardWeights
    from reports.odf.models import OdfSlippage
    from tests.factories import UserFactory
    from tests.reports.odf.test_funnel import at, claim

    by = UserFactory(username="odf_recorder")
    day = datetime.date
    claim("05080101", day(2019, 7, 2), visited_on=day(2019, 7, 20), certified_on=day(2019, 8, 1), by=by)
    claim("05080102", day(2019, 9, 1), by=by)  # declared only
    digest = rollup_reports.collect_provincial(pdf_data.world.province_p, pdf_data.q3, DataState.APPROVED).digest()

    district = " ".join(pdf_pages(district_report.render_district(pdf_data.report_a, "en").content))
    assert "ODF verification in the quarter, by commune" in district
    assert "declared ODF 2 · verified 1 · certified 1 · slipped back 0" in district
    assert "certified ODF villages 1 · ODF communes 0" in district
    # The reports' own count of ODF communes is named apart from the certified one (one name, one number).
    assert "Communes reported ODF" in district and len(re.findall(r"ODF communes \d", district)) == 1
    document = rollup_reports.collect_provincial(pdf_data.world.province_p, pdf_data.q3, DataState.APPROVED)
    provincial = " ".join(pdf_pages(rollup_reports.render_rollup_document(document, "en").content))
    assert "5. ODF verification in the quarter, by district" in provincial
    assert "Communes reported ODF" in provincial
    assert re.search(r"Thpong 2 1 1 0 0 1 / 4 0 / 2 0 / 1 0 0", provincial)
    # The district scorecard, its components beside the score, and the formula with the MRD's weights under it.
    assert "6. District scorecard" in provincial
    assert "Score = (30 × Coverage progress + 25 × ODF certified share" in provincial
    assert "Recognition" in provincial and "Test Village 05080101 (Test Commune 050801)" in provincial
    national = rollup_reports.collect_national(pdf_data.q3, DataState.APPROVED)
    national_text = " ".join(pdf_pages(rollup_reports.render_rollup_document(national, "en").content))
    assert "5. ODF verification in the quarter, by province" in national_text
    assert "Villages newly certified ODF Test Village 05080101 (Test Commune 050801)" in national_text
    thpong = next(found for found in document.odf_funnel.rows if found[0].code == "0508")
    assert thpong[1].certified_villages == 1

    OdfSlippage.objects.create(
        village_id=pdf_data.report_a.village_quarters.get(village__code="05080101").village_id,
        slipped_on=day(2019, 9, 10),
        reason="Open defecation seen",
        source=OdfSlippage.Source.REVIEWER,
        recorded_at=at(day(2019, 9, 10)),
    )
    document = rollup_reports.collect_provincial(pdf_data.world.province_p, pdf_data.q3, DataState.APPROVED)
    assert document.odf_funnel.total.slipped == 1 and document.digest() != digest
    digest = document.digest()
    weights = ScorecardWeights.current()
    weights.budget = 0
    weights.save()
    changed = rollup_reports.collect_provincial(pdf_data.world.province_p, pdf_data.q3, DataState.APPROVED)
    assert changed.digest() != digest  # new weights, new scores: a new PDF


def test_the_national_rollup_prints_the_district_scorecard_by_province_and_its_digest_follows_the_weights(pdf_data):
    import subprocess

    from reports.dashboards.models import ScorecardWeights
    from tests.conftest import ARTIFACTS

    document = rollup_reports.collect_national(pdf_data.q3, DataState.APPROVED)
    _template, context, _figures = rollup_reports.rollup_document(document, "en")
    # Every district of the funnel, grouped by province (in code order), each group highest score first.
    groups = context["scorecard_groups"]
    assert [province.code for province, _scores in groups] == sorted(province.code for province, _scores in groups)
    assert sum(len(scores) for _province, scores in groups) == len(document.odf_funnel.rows) == 3
    for province, scores in groups:
        assert all(found.unit.province_id == province.pk for found in scores)
        totals = [found.total or 0 for found in scores]
        assert totals == sorted(totals, reverse=True)
    thpong = next(found for _province, scores in groups for found in scores if found.unit.name_latin == "Thpong")
    assert thpong.total is not None

    content = rollup_reports.render_rollup_document(document, "en").content
    pages = pdf_pages(content)
    page = next(number for number, text in enumerate(pages, 1) if "6. District scorecard, by province" in text)
    text = pages[page - 1]
    assert "Kampong Speu" in text and "Each province's districts, highest score first." in text
    # The district's row: its five components (value · points), then its score.
    assert re.search(r"Thpong( [\d.]+% · [\d.]+| — · 0\.0){5} " + re.escape(f"{thpong.total:.1f}"), text), text
    formula = "Score = (30 × Coverage progress + 25 × ODF certified share"
    assert formula in " ".join(pages[page - 1 : page + 1])
    os.makedirs(ARTIFACTS, exist_ok=True)
    with open(os.path.join(ARTIFACTS, "pdf-national-scorecard.pdf"), "wb") as handle:
        handle.write(content)
    subprocess.run(
        ["pdftoppm", "-r", "110", "-png", "-f", str(page), "-l", str(page), "-singlefile",
         os.path.join(ARTIFACTS, "pdf-national-scorecard.pdf"), os.path.join(ARTIFACTS, "pdf-national-scorecard")],
        check=True,
        timeout=60,
    )  # fmt: skip

    digest = document.digest()
    assert rollup_reports.collect_national(pdf_data.q3, DataState.APPROVED).digest() == digest
    weights = ScorecardWeights.current()
    weights.budget = 0
    weights.save()
    changed = rollup_reports.collect_national(pdf_data.q3, DataState.APPROVED)
    assert changed.weights["budget"] == 0 and changed.digest() != digest  # new weights, new scores: a new PDF
    _template, context, _figures = rollup_reports.rollup_document(changed, "en")
    assert "15 × Reporting timeliness + 0 × Budget use" in context["scorecard_formula"]
