"""Line-break opportunities in Khmer text, for WeasyPrint.

Khmer is written without spaces between words; Pango (WeasyPrint's text layout) breaks lines only
where the text allows it, so a Khmer paragraph becomes one line that runs off the page and is cut.
Browsers break Khmer with ICU's dictionary; we ask the same ICU (the pyicu-wheels package bundles
its data) for its line-break positions and insert ZERO WIDTH SPACE (U+200B) at each one that falls
between two Khmer letters. Never between digits (Khmer or Arabic), punctuation or Latin text, so
numbers, dates and codes are never split; a U+200B is invisible and prints nothing.

break_khmer_lines(html) is applied by the renderer to every document's body text (narratives,
comments, unit names, labels, table cells): one place, whatever the template.
"""

import re
import threading
from functools import lru_cache

ZWSP = "\u200b"
# Khmer letters, signs and vowels (U+1780-U+17DD) and the Khmer Symbols block; not the digits
# U+17E0-U+17E9 nor the lunar-date digits U+17F0-U+17F9.
_KHMER_LETTER = "\u1780-\u17dd\u19e0-\u19ff"
# A run worth segmenting: two or more Khmer letters (a ZWSP already there is kept as a break).
_KHMER_RUN = re.compile(f"[{_KHMER_LETTER}]{{2,}}")
# Text between tags in the body; tags and attribute values are left alone.
_TEXT_BETWEEN_TAGS = re.compile(r">([^<]+)<")
_SKIPPED_ELEMENTS = re.compile(r"(<(style|script|title)\b.*?</\2>)", re.DOTALL | re.IGNORECASE)

_local = threading.local()


def _line_breaker():
    """ICU's line BreakIterator for Khmer, one per thread (an iterator holds its text: not shareable)."""
    breaker = getattr(_local, "breaker", None)
    if breaker is None:
        import icu

        breaker = _local.breaker = icu.BreakIterator.createLineInstance(icu.Locale("km"))
    return breaker


def khmer_break_positions(run):
    """Offsets inside `run` (a string of Khmer letters) where ICU allows a line break."""
    breaker = _line_breaker()
    breaker.setText(run)
    # ICU counts UTF-16 code units; Khmer lies in the Basic Multilingual Plane, so they equal str offsets.
    return [position for position in breaker if 0 < position < len(run)]


@lru_cache(maxsize=4096)
def _segment_run(run):
    positions = khmer_break_positions(run)
    if not positions:
        return run
    pieces, start = [], 0
    for position in positions:
        pieces.append(run[start:position])
        start = position
    pieces.append(run[start:])
    return ZWSP.join(pieces)


def break_khmer(text):
    """`text` with U+200B at every Khmer word boundary ICU finds; text without Khmer is returned as is."""
    if not text or not _KHMER_RUN.search(text):
        return text
    return _KHMER_RUN.sub(lambda match: _segment_run(match.group(0)), text)


def break_khmer_lines(html):
    """An HTML document with break_khmer() applied to the text between its tags (not to <style>,
    <script> or <title>, nor to tags and attribute values)."""
    parts = _SKIPPED_ELEMENTS.split(html)
    out = []
    # split() with two groups yields: text, whole skipped element, its tag name, text, ...
    for index in range(0, len(parts), 3):
        out.append(_TEXT_BETWEEN_TAGS.sub(lambda match: f">{break_khmer(match.group(1))}<", parts[index]))
        if index + 1 < len(parts):
            out.append(parts[index + 1])
    return "".join(out)
