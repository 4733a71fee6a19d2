"""Khmer word boundaries for the PDFs: ICU's break positions become U+200B, never inside numbers, tags or titles."""

from reports.documents.khmer_text import ZWSP, break_khmer, break_khmer_lines

SENTENCE = "ស្រុកបានអនុវត្តការចុះផ្សព្វផ្សាយអនាម័យនៅតាមភូមិ"


def words(text):
    return text.split(ZWSP)


def test_a_khmer_sentence_without_spaces_gets_a_break_between_each_word():
    assert words(break_khmer(SENTENCE)) == ["ស្រុក", "បាន", "អនុវត្ត", "ការ", "ចុះ", "ផ្សព្វផ្សាយ", "អនាម័យ", "នៅ", "តាម", "ភូមិ"]


def test_breaks_are_invisible_the_text_is_otherwise_unchanged():
    assert break_khmer(SENTENCE).replace(ZWSP, "") == SENTENCE


def test_numbers_latin_text_and_punctuation_are_never_split():
    text = "បង្គន់ចំនួន១២០ ២០១៩ 12,345.50 USD village 05080101 ។"
    broken = break_khmer(text)
    for piece in ("១២០", "២០១៩", "12,345.50", "05080101", "village"):
        assert piece in broken
    # A break only ever sits between two Khmer letters.
    for index, char in enumerate(broken):
        if char == ZWSP:
            assert "\u1780" <= broken[index - 1] <= "\u17dd" and "\u1780" <= broken[index + 1] <= "\u17dd"


def test_text_without_khmer_is_returned_as_it_is():
    text = "Thpong district: 1,234 households"
    assert break_khmer(text) is text


def test_html_tags_attributes_and_the_title_are_left_alone():
    html = (
        f'<html><head><title>{SENTENCE}</title><style>.x::after {{ content: "{SENTENCE}"; }}</style></head>'
        f'<body><p title="{SENTENCE}" class="ភូមិ">{SENTENCE}</p><td>១២០</td></body></html>'
    )
    broken = break_khmer_lines(html)
    assert f"<title>{SENTENCE}</title>" in broken
    assert f'content: "{SENTENCE}"' in broken
    assert f'<p title="{SENTENCE}" class="ភូមិ">' in broken
    assert f">{break_khmer(SENTENCE)}</p>" in broken and ZWSP in break_khmer(SENTENCE)
    assert "<td>១២០</td>" in broken


def test_a_5000_character_narrative_is_segmented_without_losing_a_character():
    narrative = (SENTENCE * 120)[:5000]
    broken = break_khmer(narrative)
    assert broken.count(ZWSP) > 800
    assert broken.replace(ZWSP, "") == narrative
