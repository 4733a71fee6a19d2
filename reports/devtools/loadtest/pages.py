"""What a simulated user reads off the portal's pages: a form's fields as a browser would post them, the report's
status, the links of the review queue, the village rows of a commune page. Language-independent: nothing here
reads a translated word (the load test's users browse in Khmer and in English). Plain Python, no Django."""

import re
from html.parser import HTMLParser
from typing import NamedTuple

STATUS = re.compile(r"status-badge status-(\w+)")
VILLAGE_ROW = re.compile(r'<tr id="village-(\d+)"')
WARNING = 'class="small text-warning-emphasis warning"'
ERROR = re.compile(r'<div class="(?:invalid-feedback d-block small|alert alert-danger)"[^>]*>(.*?)</div>', re.S)
TAG = re.compile(r"<[^>]+>")


class Form(NamedTuple):
    id: str | None
    action: str
    fields: dict[str, str]


class _FormReader(HTMLParser):
    """The fields of every form of a page, as the browser would post them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.fields: dict[str, str] | None = None
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.fields = {}
            self.forms.append(Form(attributes.get("id"), attributes.get("action") or "", self.fields))
        if self.fields is None or ("name" not in attributes and tag != "option"):
            return
        if tag == "input":
            self._input(attributes)
        elif tag == "select":
            self._select, self._options = attributes["name"], []
        elif tag == "option" and self._select:
            self._options.append((attributes.get("value") or "", "selected" in attributes))
        elif tag == "textarea":
            self._textarea, self._text = attributes["name"], []

    def _input(self, attributes):
        kind = (attributes.get("type") or "text").lower()
        if kind in ("checkbox", "radio") and "checked" not in attributes:
            return
        if kind not in ("button", "image", "reset") and "disabled" not in attributes:
            self.fields[attributes["name"]] = attributes.get("value") or ""

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.fields = None
        elif tag == "select" and self._select and self.fields is not None:
            chosen = [value for value, selected in self._options if selected] or [v for v, _s in self._options[:1]]
            self.fields[self._select] = chosen[0] if chosen else ""
            self._select = None
        elif tag == "textarea" and self._textarea and self.fields is not None:
            # Browsers drop the one newline that may follow <textarea>.
            self.fields[self._textarea] = "".join(self._text).removeprefix("\n")
            self._textarea = None


def forms(html: str) -> list[Form]:
    """Every form of the page, in page order."""
    reader = _FormReader()
    reader.feed(html)
    reader.close()
    return reader.forms


def form_fields(html: str, form_id: str) -> dict[str, str]:
    """The fields of the form with this id ({} if the page has none)."""
    return next((form.fields for form in forms(html) if form.id == form_id), {})


def form_with(html: str, field: str) -> dict[str, str]:
    """The fields of the first form that has this field (the login form: "username"), {} if none has."""
    return next((form.fields for form in forms(html) if field in form.fields), {})


def form_posting_to(html: str, action_end: str) -> dict[str, str] | None:
    """The fields of the first form whose action ends with `action_end` (e.g. "/approve/"), None if none does."""
    return next((form.fields for form in forms(html) if form.action.endswith(action_end)), None)


def rows(fields: dict[str, str], prefix: str) -> dict[int, dict[str, str]]:
    """{form index: {field: value}} of a formset's forms (`prefix`-N-field), without the prefix."""
    found: dict[int, dict[str, str]] = {}
    for name, value in fields.items():
        head, _dash, rest = name.partition("-")
        index, _dash, field = rest.partition("-")
        if head == prefix and index.isdecimal() and field:
            found.setdefault(int(index), {})[field] = value
    return found


def with_rows(fields: dict[str, str], prefix: str, values: dict[int, dict[str, str]]) -> dict[str, str]:
    return {**fields, **{f"{prefix}-{i}-{name}": v for i, row in values.items() for name, v in row.items()}}


def village_codes(html: str) -> list[str]:
    """The commune page's village codes, in the order of the formset's forms."""
    return VILLAGE_ROW.findall(html)


def rows_with_warnings(html: str) -> set[int]:
    """Form indexes of the village rows that show a plausibility warning (on the line under the village's figures)."""
    parts = VILLAGE_ROW.split(html)[1:]  # [code, rows html, code, rows html, ...]
    return {i for i, rows in enumerate(parts[1::2]) if WARNING in rows.split("</tbody>", 1)[0]}


def status(html: str) -> str | None:
    """The report's status as its badge names it (draft, submitted, returned, approved)."""
    found = STATUS.search(html)
    return found[1] if found else None


def has_element(html: str, element_id: str) -> bool:
    return f'id="{element_id}"' in html


def first_error(html: str) -> str:
    """The first error message of the page, as plain text (for a failure's description)."""
    found = ERROR.search(html)
    return " ".join(TAG.sub(" ", found[1]).split())[:200] if found else "no error shown"


def report_links(html: str, year: int, quarter: int) -> list[str]:
    """The report pages a review queue links to for the quarter, in its order (the longest waiting first)."""
    return re.findall(rf'href="(/reports/\d{{4}}/{year}/q{quarter}/)"', html)
