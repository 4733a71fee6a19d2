"""Khmer copied or extracted from the PDFs: every letter there, none repeated (text_layer.py).

A PDF maps each glyph to one text for the whole file; Khmer draws one syllable with several glyphs. Glyph ids
below are made up; each test feeds the map as WeasyPrint 70 does: "" for every glyph of a cluster but the last.
"""

import collections
import re
import subprocess
from types import SimpleNamespace

import pytest

from reports.documents import district_report
from reports.documents.text_layer import ClusterToUnicode
from tests.reports.documents.test_documents import LONG_KHMER

SA, U, KA, NA, E, AA, RO_BELOW, AU_RIGHT = 10, 11, 12, 13, 14, 15, 90, 91
NOMINAL = {SA: "ស", U: "ុ", KA: "ក", NA: "ន", E: "េ", AA: "ា"}  # the font's own glyph of each character


def fresh_map():
    mapping = ClusterToUnicode(SimpleNamespace(file_content=b"", index=0))
    mapping._nominal = NOMINAL
    return mapping


def draw(mapping, glyphs, text):
    for glyph in glyphs[:-1]:
        mapping[glyph] = ""
    mapping[glyphs[-1]] = text


def test_a_subscript_gets_its_own_letters_and_the_base_keeps_its_own():
    mapping = fresh_map()
    draw(mapping, [RO_BELOW, SA, U], "ស្រុ")  # the ro subscript is drawn before the base
    assert dict(mapping) == {RO_BELOW: "្រ", SA: "ស", U: "ុ"}
    draw(mapping, [RO_BELOW, KA], "ក្រ")  # the same subscript in another syllable: still "្រ"
    assert mapping.get(RO_BELOW) == "្រ" and mapping.get(KA) == "ក"


def test_a_vowel_drawn_in_two_parts_is_not_lost():
    mapping = fresh_map()
    draw(mapping, [E, NA, AU_RIGHT], "នៅ")  # ៅ: a "េ" before the consonant, its right part after
    assert mapping.get(NA) == "ន" and mapping.get(AU_RIGHT) == "ៅ" and mapping.get(E) == "េ"


def test_weasyprint_is_made_to_report_every_glyph():
    mapping = fresh_map()
    draw(mapping, [SA], "ស")
    assert SA not in mapping  # so WeasyPrint computes the text of every occurrence, not only the first
    assert list(mapping.items()) == [(SA, "ស")]


@pytest.mark.django_db
@pytest.mark.slow
def test_every_letter_of_a_khmer_narrative_can_be_extracted_from_the_pdf(pdf_data):
    report = pdf_data.report_a
    report.achievements = LONG_KHMER
    content = district_report.render_district(report, "km").content
    extracted = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True).stdout
    text = re.sub(r"[\s\u200b]+", "", extracted.decode())
    # The narrative may cross a page break: the page's furniture (digits, Latin letters) splits it in runs. No other
    # Khmer run of the report is 200 letters long.
    narrative = "".join(re.findall(r"[\u1780-\u17ff]{200,}", text))
    wanted, got = collections.Counter(LONG_KHMER), collections.Counter(narrative)
    # Vowels drawn in two parts come back as the parts the page shows (ោ as េ and ា): every other letter, each
    # consonant and subscript sign included, is there as often as it was written.
    two_part_vowels = set("ោើៅៀឿ")
    short = {letter: wanted[letter] - got[letter] for letter in wanted if letter not in two_part_vowels}
    assert {letter: n for letter, n in short.items() if n > 0} == {}
