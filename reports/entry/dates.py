"""Date inputs that follow the page's language, not the browser's.

A browser's <input type="date"> shows the browser's own date order and month names (a Khmer page in an
English browser showed 08/24/2017). DayMonthYearWidget is Django's SelectDateWidget in the order Cambodian
forms write a date (day, month, year), with the months named in the page's language. The grid of the
commune page draws the same three selects itself (date_selects_html), for speed. Days and years are in Khmer
digits for those who chose them (districts/language.py).

The month names: Django's Khmer catalogue spells March មិនា; MONTH_NAMES marks the twelve English names for
our own catalogue, whose Khmer names (មករា ... ធ្នូ, as administrative letters write them) then win for every
date the portal shows, these selects included.
"""

import datetime
import functools
from html import escape

from django import forms
from django.utils.dates import MONTHS
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext_lazy as _

from districts.language import khmer_date_digits
from districts.templatetags.dates import in_chosen_digits

MONTH_NAMES = [
    gettext_noop("January"),
    gettext_noop("February"),
    gettext_noop("March"),
    gettext_noop("April"),
    gettext_noop("May"),
    gettext_noop("June"),
    gettext_noop("July"),
    gettext_noop("August"),
    gettext_noop("September"),
    gettext_noop("October"),
    gettext_noop("November"),
    gettext_noop("December"),
]
FIRST_YEAR = 2008  # the first CLTS triggering in the pilot provinces: no date before it is a real one
PARTS = (("day", _("Day")), ("month", _("Month")), ("year", _("Year")))


def years():
    return range(datetime.date.today().year + 1, FIRST_YEAR - 1, -1)  # the recent years first


class DayMonthYearWidget(forms.SelectDateWidget):
    """Day, month (named in the page's language) and year; blank allowed on optional fields."""

    def __init__(self, attrs=None):
        # The empty choice names the part ("Day"), so three empty selects say what each one is.
        super().__init__(attrs=attrs, years=years(), months=MONTHS, empty_label=(_("Year"), _("Month"), _("Day")))

    @staticmethod
    def _parse_date_fmt():
        yield from ("day", "month", "year")

    def get_context(self, name, value, attrs):
        """Each select on the same line, named for screen readers ("Meeting date — Month")."""
        context = super().get_context(name, value, attrs)
        label = (attrs or {}).get("aria-label") or self.attrs.get("aria-label", "")
        for subwidget, (part, part_label) in zip(context["widget"]["subwidgets"], PARTS, strict=True):
            subwidget["attrs"]["class"] = f"form-select d-inline-block w-auto me-1 date-{part}"
            subwidget["attrs"]["aria-label"] = f"{label} — {part_label}" if label else str(part_label)
            if part != "month":
                for _group, options, _index in subwidget["optgroups"]:
                    for option in options:
                        if option["value"] != "":
                            option["label"] = in_chosen_digits(str(option["label"]))
        return context

    def value_omitted_from_data(self, data, files, name):
        # A page posts the three selects; a hand-made or older client may post the date whole ("2019-08-24").
        return name not in data and super().value_omitted_from_data(data, files, name)


def split_date(value):
    """(day, month, year) as strings from "2019-08-24" or a partial "2019-8-" as posted; empty parts are ""."""
    parts = (value or "").split("-")
    if len(parts) != 3:
        return "", "", ""

    def number(part):
        part = part.strip()
        return str(int(part)) if part.isdigit() and int(part) else ""

    year, month, day = parts
    return number(day), number(month), number(year)


def posted_date(data, name):
    """The date posted by the three selects of `name`, as "YYYY-MM-DD" when complete and valid, else as posted
    ("2019-2-" or "2019-2-31": the field then says what is wrong)."""
    value = forms.SelectDateWidget().value_from_datadict(data, {}, name) or ""
    try:
        year, month, day = (int(part) for part in value.split("-"))
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return value


def date_selects_html(name, value, *, label, invalid=False, disabled=False):
    """The three selects of a date, drawn with the standard library's escape (the commune grid draws dozens)."""
    chosen = dict(zip(("day", "month", "year"), split_date(value), strict=True))
    options = _drawn_options(get_language(), khmer_date_digits(), datetime.date.today().year)
    css = "form-select form-select-sm" + (" is-invalid" if invalid else "")
    selects = []
    for part, part_label in PARTS:
        selects.append(
            f'<select name="{escape(name)}_{part}" id="id_{escape(name)}_{part}" class="{css} date-{part}" '
            f'aria-label="{escape(label)} — {escape(str(part_label))}"'
            + (' aria-invalid="true"' if invalid else "")
            + (" disabled" if disabled else "")
            + f">{_with_selected(options[part], chosen[part])}</select>"
        )
    return f'<div class="date-selects" id="id_{escape(name)}" data-date-for="{escape(name)}">{"".join(selects)}</div>'


@functools.lru_cache(maxsize=16)
def _drawn_options(language, khmer_digits, this_year):
    """{part: its <option> elements drawn once, none selected} for a language, a choice of digits and a year (the
    arguments are the cache key; the lazy labels and in_chosen_digits() read the same from the active language)."""
    drawn = {
        "day": [(str(d), in_chosen_digits(str(d))) for d in range(1, 32)],
        "month": [(str(m), str(MONTHS[m])) for m in range(1, 13)],
        "year": [(str(y), in_chosen_digits(str(y))) for y in years()],
    }
    return {
        part: [("", '<option value=""', f">{escape(str(part_label))}</option>")]
        + [(v, f'<option value="{v}"', f">{escape(text)}</option>") for v, text in drawn[part]]
        for part, part_label in PARTS
    }


def _with_selected(options, chosen):
    """The drawn options with the one of value `chosen` selected (the empty one when nothing is chosen)."""
    return "".join(f"{head} selected{tail}" if value == chosen else head + tail for value, head, tail in options)
