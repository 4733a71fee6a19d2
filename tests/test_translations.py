"""The Khmer catalogue is complete and compiled: every string a user sees has its Khmer."""

import gettext
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "locale"
KM_PO = LOCALE / "km" / "LC_MESSAGES" / "django.po"
KM_MO = LOCALE / "km" / "LC_MESSAGES" / "django.mo"


def test_khmer_catalogue_has_no_empty_or_fuzzy_entry():
    catalogue = polib.pofile(str(KM_PO))
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []
    assert "fuzzy" not in (catalogue.metadata_is_fuzzy and "fuzzy" or "")


def test_compiled_khmer_catalogue_matches_the_po_file():
    catalogue = polib.pofile(str(KM_PO))
    with KM_MO.open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = []
    for entry in catalogue.translated_entries():
        if entry.msgid_plural:
            got = compiled.ngettext(entry.msgid, entry.msgid_plural, 1)
            expected = entry.msgstr_plural[0]
        elif entry.msgctxt:
            got = compiled.pgettext(entry.msgctxt, entry.msgid)
            expected = entry.msgstr
        else:
            got = compiled.gettext(entry.msgid)
            expected = entry.msgstr
        if got != expected:
            stale.append(entry.msgid)
    assert stale == [], "run: python manage.py compilemessages --ignore=.venv"


def test_khmer_translations_keep_their_placeholders():
    catalogue = polib.pofile(str(KM_PO))
    import re

    placeholder = re.compile(r"%\([a-z_]+\)[sd]|%[sd]")
    broken = [
        entry.msgid
        for entry in catalogue.translated_entries()
        if not entry.msgid_plural
        and sorted(placeholder.findall(entry.msgid)) != sorted(placeholder.findall(entry.msgstr))
    ]
    assert broken == []
