"""Khmer that can be copied out of the PDFs: the glyph-to-text map (ToUnicode) built cluster by cluster.

Why the text layer was lossy: a PDF maps each glyph of a font to one Unicode string, for the whole file.
WeasyPrint 70 gives a glyph the text of the first cluster it met it in, and when a cluster is drawn
with several glyphs (Khmer: a base consonant, a subscript consonant, a vowel drawn before the base)
it gives the whole cluster's text to the last glyph and nothing to the others. So "ស្រុក" came back as
"ស ុក" (the subscript dropped), or a later word repeated an earlier word's letters.

What this module does instead, for every glyph of every cluster WeasyPrint draws: a glyph that is the
font's own glyph for a character (its cmap, read with fontTools, which WeasyPrint already uses) maps to
that character; the cluster's remaining characters, in their order, go to its remaining glyphs (a
subscript form gets "្រ"). A glyph keeps the first non-empty text it is given. Nothing is dropped and
nothing repeated; the order of a vowel drawn before its consonant (េ, ែ, ៃ and the ro subscript) follows
the page, as in any PDF without marked-content ActualText, which WeasyPrint does not write.

renderer.py makes every WeasyPrint Font's `to_unicode` a ClusterToUnicode. That depends on how WeasyPrint
70 fills the map (weasyprint/draw/text.py); tests/reports/documents/test_text_layer.py reads a Khmer PDF
back and fails if an upgrade changes it.
"""

import hashlib
import io
import unicodedata


class ClusterToUnicode(dict):
    """A font's glyph id -> text map that sees every glyph WeasyPrint draws, in order, and assigns text by cluster.

    WeasyPrint asks `glyph_id not in to_unicode` before setting a glyph's text: answering False every time
    makes it report each glyph, with "" for every glyph of a cluster but the last, which carries the cluster's
    whole text.
    """

    def __init__(self, font):
        super().__init__()
        self._font = font
        self._nominal = None
        self._pending = []
        self._done = (
            set()
        )  # (glyphs, text) of the clusters already assigned: a font draws the same ones again and again

    @property
    def nominal(self):
        if self._nominal is None:
            self._nominal = nominal_characters(self._font.file_content, self._font.index)
        return self._nominal

    def __contains__(self, glyph_id):
        return False

    def __setitem__(self, glyph_id, text):
        if not text:
            self._pending.append(glyph_id)
            return
        glyphs, self._pending = (*self._pending, glyph_id), []
        if (glyphs, text) in self._done:
            return
        self._done.add((glyphs, text))
        nominal = self.nominal
        rest = list(text)
        unmatched = []
        for glyph in glyphs:
            character = nominal.get(glyph)
            if character is not None and character in rest:
                rest.remove(character)
                self._learn(glyph, character)
            else:
                unmatched.append(glyph)
        # The characters left (a subscript, the part of a vowel drawn apart) go to the first glyph that is not the
        # font's own glyph of some character: that one is always that character (a split vowel's "េ").
        takers = [glyph for glyph in unmatched if glyph not in nominal] or unmatched
        for glyph in unmatched:
            self._learn(glyph, "".join(rest) if glyph == takers[0] else "")

    def _learn(self, glyph_id, text):
        character = self.nominal.get(glyph_id)
        if character is not None:
            text = character  # the font's own glyph for a character always means that character
        if not dict.get(self, glyph_id):
            dict.__setitem__(self, glyph_id, text)


_NOMINAL_CACHE = {}  # font file digest -> {glyph id: character}; a handful of fonts per process


def nominal_characters(content, index=0):
    """{glyph id: character} of a font file's cmap (the glyph each character is drawn with on its own)."""
    key = (hashlib.sha256(content).hexdigest(), index)
    if key not in _NOMINAL_CACHE:
        from fontTools.ttLib import TTFont

        ttfont = TTFont(io.BytesIO(content), fontNumber=index, lazy=True)
        glyphs = {}
        for codepoint, name in sorted((ttfont.getBestCmap() or {}).items()):
            # Not a presentation form (the "ﬁ" ligature): its glyph stands for "fi", as its cluster says.
            if not unicodedata.decomposition(chr(codepoint)).startswith("<"):
                glyphs.setdefault(ttfont.getGlyphID(name), chr(codepoint))
        _NOMINAL_CACHE[key] = glyphs
    return _NOMINAL_CACHE[key]
