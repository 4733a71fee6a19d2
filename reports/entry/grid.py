"""The commune page's village grid as plain data: one row per village with its inputs already drawn, its state,
and the messages that go under it (errors, plausibility warnings, the reviewer's comments).

The inputs are drawn here with format_html, not by one widget template per field: 22 villages are ~280 inputs,
and drawing each through Django's widget templates took two thirds of the page's time. The markup is what the
widgets drew (name, id, value, the same attributes), so the posted form is unchanged. Each village's whole
<tbody> is drawn here too (VillageRow.html): in the template, 22 rows were most of the page's template time.
The options of the date selects are drawn once per language and choice of digits (dates.date_selects_html).
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from html import escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from reports.entry import validation
from reports.entry.dates import date_selects_html, posted_date
from reports.models import OdfStatus, VillageQuarter


@dataclass(frozen=True)
class Column:
    """One input of a village row: its field, its heading, and how it is drawn (count, choice, date or text)."""

    name: str
    label: str
    kind: str = "count"


# The figures a DSO types every quarter, in the order of the paper form: one row each at laptop size.
FIGURE_COLUMNS = [
    Column("households_total", _("Households in total")),
    Column("hh_improved_own", _("Own improved latrine")),
    Column("hh_improved_shared", _("Shared improved latrine")),
    Column("hh_unimproved", _("Unimproved latrine")),
    Column("hh_open_defecation", _("Open defecation")),
    Column("idpoor_households", _("IDPoor households")),
    Column("idpoor_improved", _("IDPoor with improved latrine")),
    Column("latrines_built", _("Latrines built this quarter")),
    Column("hh_handwashing", _("Hand-washing with soap and water")),  # a hyphen: a narrow heading breaks there
    Column("odf_status", _("ODF status"), "choice"),
]
# Used now and then: they fold into the line under the village's figures.
DETAIL_COLUMNS = [
    Column("odf_status_date", _("Date of status"), "date"),
    Column("explanation", _("Explanation of warnings"), "text"),
]
COLUMNS = FIGURE_COLUMNS + DETAIL_COLUMNS


SAVED_MEANWHILE = _("Saved meanwhile:")
EMPTY = _("(empty)")
USE_IT = _("Use it")
UNCHANGED_CONFIRM = _("Unchanged: confirm")  # a carried row's box
DETAILS_BUTTON = _("Date, explanation")  # opens the line under a village's figures
PDRD_COMMENT = _("PDRD comment:")


class RowState:
    """What a village row needs from the DSO, worst first."""

    ERROR = "error"
    WARNING = "warning"
    PREFILLED = "prefilled"  # carried over from last quarter, not confirmed (not yet saved, or saved unchanged)
    NOT_STARTED = "not-started"
    SAVED = "saved"


STATE_LABELS = {
    RowState.ERROR: _("has an error"),
    RowState.WARNING: _("has a warning"),
    RowState.PREFILLED: _("from last quarter, not confirmed"),
    RowState.NOT_STARTED: _("not saved yet"),
    RowState.SAVED: _("saved"),
}


@lru_cache(maxsize=8)
def _escaped_texts(language):
    """Every fixed text of the grid in `language`, translated and escaped once per process: headings by field,
    row states, button and message labels, and the ODF options' labels."""
    texts = {f"column:{column.name}": escape(str(column.label)) for column in COLUMNS}
    texts.update({f"state:{state}": escape(str(label)) for state, label in STATE_LABELS.items()})
    texts.update(
        unchanged=escape(str(UNCHANGED_CONFIRM)), details=escape(str(DETAILS_BUTTON)), comment=escape(str(PDRD_COMMENT))
    )
    texts["odf_options"] = [("", "", "—")] + [
        (value, escape(value), escape(str(label))) for value, label in OdfStatus.choices
    ]
    return texts


def grid_texts():
    return _escaped_texts(get_language())


@dataclass
class Cell:
    column: Column
    name: str
    value: str
    input: SafeString
    errors: list[str]
    comments: list
    theirs: str | None = None  # after an edit conflict: the value saved meanwhile, where it differs from this one

    @property
    def theirs_html(self):
        return mark_safe(theirs_html(self))  # noqa: S308  # escaped inside


@dataclass
class VillageRow:
    village: object
    index: int
    figures: list[Cell]
    figures_html: SafeString  # the figures' <td> cells
    details: list[Cell]
    warnings: list
    errors: list[tuple[str, str]]  # (the figure's heading, or "" for the row, message)
    comments: list[tuple[str, object]]  # (the figure's heading, the reviewer's open comment on it)
    state: str
    filled: bool  # every figure of the row has a value
    confirm_ticked: bool = False  # a carried row's "Unchanged" box, as posted

    @property
    def confirmable(self):
        """A row carried over from last quarter: its "Unchanged" box confirms the figures as they are."""
        return self.state == RowState.PREFILLED

    @property
    def state_label(self):
        return STATE_LABELS[self.state]

    @property
    def opens_details(self):
        """ "true" when the line under the figures starts open: it has something to read (a warning, an error, a
        comment, an explanation written, a value saved meanwhile). A date alone (pre-filled from last quarter, on
        nearly every village) leaves it closed: open, it doubled the height of every row."""
        opens = (
            self.warnings
            or self.errors
            or self.comments
            or any(cell.theirs is not None or (cell.column.kind == "text" and cell.value) for cell in self.details)
        )
        return "true" if opens else "false"

    @property
    def has_problem(self):
        return self.state in (RowState.ERROR, RowState.WARNING) or bool(self.comments) or self.differs

    @property
    def differs(self):
        """After an edit conflict: some value of this village was saved differently meanwhile."""
        return any(cell.theirs is not None for cell in self.figures + self.details)

    def html(self, *, editable):
        """The village's <tbody>: its heading cell and figures, then the line under them (date of status,
        explanation, messages). Drawn here rather than in the template: 22 villages' rows were most of the
        commune page's template time."""
        texts = grid_texts()
        code, name = escape(self.village.code), escape(str(self.village.name))
        confirm = (
            f'<label class="grid-confirm d-block"><input type="checkbox" class="form-check-input me-1" '
            f'name="villages-{self.index}-confirm"{" checked" if self.confirm_ticked else ""}>'
            f"{texts['unchanged']}</label>"
            if self.confirmable and editable
            else ""
        )
        details = "".join(
            f'<div class="grid-detail grid-{cell.column.kind}"><label class="form-label small mb-0" '
            f'for="id_{escape(cell.name)}{"_day" if cell.column.kind == "date" else ""}">'
            f"{texts['column:' + cell.column.name]}</label>{cell.input}{theirs_html(cell)}</div>"
            for cell in self.details
        )
        messages = "".join(
            f'<div class="invalid-feedback d-block small">{_labelled(label)}{escape(str(message))}</div>'
            for label, message in self.errors
        )
        messages += "".join(
            f'<div class="small text-warning-emphasis warning" data-code="{escape(warning.code)}">'
            f"⚠ {escape(str(warning.message))}</div>"
            for warning in self.warnings
        )
        messages += "".join(
            f'<div class="small text-danger review-comment">{texts["comment"]} '
            f"{_labelled(label)}{escape(str(comment.text))}</div>"
            for label, comment in self.comments
        )
        return mark_safe(  # noqa: S308  # every value in it went through escape()
            f'<tbody class="village-block state-{self.state}{" has-problem" if self.has_problem else ""}" '
            f'data-village="{code}" data-name="{name}">'
            f'<tr id="village-{code}" class="{self.css}">'
            f'<th scope="row" class="grid-village small fw-normal">'
            f'<span class="village-name">{name}</span> <span class="unit-code">{code}</span> '
            f'<span class="badge village-state village-state-{self.state}">{texts["state:" + self.state]}</span>'
            f'{confirm}<button type="button" class="btn btn-link btn-sm p-0 grid-more" '
            f'aria-expanded="{self.opens_details}" aria-controls="village-{code}-details">'
            f"{texts['details']}</button></th>{self.figures_html}</tr>"
            f'<tr class="village-detail" id="village-{code}-details" data-open="{self.opens_details}">'
            f'<td colspan="{VillageGrid.width}"><div class="village-detail-fields">{details}</div>{messages}</td>'
            f"</tr></tbody>"
        )

    @property
    def css(self):
        return (
            "village-row table-danger"
            if self.errors
            else "village-row table-warning"
            if self.warnings
            else "village-row"
        )


@dataclass
class VillageGrid:
    rows: list[VillageRow] = field(default_factory=list)
    editable: bool = False  # the person may change the figures: carried rows get their "Unchanged" box

    columns = FIGURE_COLUMNS
    width = len(FIGURE_COLUMNS) + 1  # the village column

    @property
    def filled(self):
        return sum(row.filled for row in self.rows)

    @property
    def rows_html(self):
        """Every village's <tbody> (VillageRow.html)."""
        return mark_safe("".join(row.html(editable=self.editable) for row in self.rows))  # noqa: S308  # escaped

    @property
    def problems(self):
        """Villages with an error, a warning or a reviewer's comment."""
        return sum(row.has_problem for row in self.rows)


def village_grid(rows, previous, by_target, *, editable, forms=None, saved_meanwhile=None):
    """The grid of a commune page: `rows` are the commune's village rows (stored or pre-filled), `previous` last
    quarter's rows by village id, `by_target` the open review comments by target, and `forms` the village forms
    in the same order once a page was posted (their values and errors are shown; none on a plain visit, where the
    grid is drawn from the rows without building a form). After an edit conflict `saved_meanwhile` holds the rows
    as stored now, by village id: where a stored value differs from the posted one, the cell shows it beside."""
    texts = grid_texts()
    labels = {column.name: str(column.label) for column in COLUMNS}
    grid = VillageGrid(editable=editable)
    for index, row in enumerate(rows):
        form = forms[index] if forms is not None else None
        values = _values(form, row)
        before = previous.get(row.village_id)
        warnings = validation.village_warnings(
            values, {f: getattr(before, f) for f in VillageQuarter.COUNT_FIELDS} if before else None
        )
        prefix = f"village:{row.village.code}:"
        comments = {t[len(prefix) :]: c for t, c in by_target.items() if t.startswith(prefix)}
        errors = form.errors if form is not None else {}
        village_name = str(row.village.name)
        cells = {}
        for column in COLUMNS:
            name = f"villages-{index}-{column.name}"
            value = _shown(form, name, row, column)
            drawn = _draw(
                column,
                name,
                value,
                (labels[column.name], village_name),
                texts,
                invalid=column.name in errors,
                disabled=not editable,
            )
            cells[column.name] = Cell(
                column, name, value, drawn, list(errors.get(column.name, [])), comments.get(column.name, [])
            )
            if saved_meanwhile is not None:
                stored = saved_meanwhile.get(row.village_id)
                theirs = _shown(None, name, stored, column) if stored is not None else ""
                if not same_value(theirs, value):
                    cells[column.name].theirs = theirs
        figures = [cells[column.name] for column in FIGURE_COLUMNS]
        row_errors = [(labels[name], message) for name in labels for message in errors.get(name, [])]
        row_errors += [("", message) for message in errors.get("__all__", [])]
        grid.rows.append(
            VillageRow(
                village=row.village,
                index=index,
                figures=figures,
                figures_html=_figure_cells(figures, texts),
                details=[cells[column.name] for column in DETAIL_COLUMNS],
                warnings=warnings,
                errors=row_errors,
                comments=[(labels.get(name, ""), c) for name, cs in comments.items() for c in cs],
                state=_state(row, row_errors, warnings),
                filled=all(cell.value != "" for cell in figures),
                confirm_ticked=form is not None and form.data.get(f"villages-{index}-confirm") == "on",
            )
        )
    return grid


def _values(form, row):
    """The figures to check for warnings: what was posted, once valid, else the row as stored or pre-filled."""
    if form is not None and hasattr(form, "cleaned_data"):
        return form.cleaned_data
    return {f: getattr(row, f) for f in VillageQuarter.COUNT_FIELDS + ["odf_status"]}


def _shown(form, name, row, column):
    """The value the input shows: what the person posted (valid or not, so nothing typed is lost), else the row's."""
    if form is not None:
        if column.kind == "date":
            return posted_date(form.data, name)
        return form.data.get(name) or ""
    value = getattr(row, column.name)
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def same_value(a, b):
    """Whether two shown values are the same figure ("0120" and "120" are; "" and "0" are not)."""
    a, b = a.strip(), b.strip()
    if a == b:
        return True
    try:
        return int(a) == int(b)
    except ValueError:
        return False


def theirs_html(cell):
    """Under an input after an edit conflict: the value saved meanwhile and a button that takes it (js)."""
    if cell.theirs is None:
        return ""
    shown = dict(OdfStatus.choices).get(cell.theirs, cell.theirs) if cell.column.kind == "choice" else cell.theirs
    saved_meanwhile, empty, use_it = str(SAVED_MEANWHILE), str(EMPTY), str(USE_IT)
    return (
        f'<div class="grid-theirs small">{escape(saved_meanwhile)} '
        f"<strong>{escape(str(shown)) if shown != '' else escape(empty)}</strong> "
        f'<button type="button" class="btn btn-link btn-sm p-0 grid-take" data-for="id_{escape(cell.name)}" '
        f'data-value="{escape(cell.theirs)}">{escape(use_it)}</button></div>'
    )


def activity_differences(form, stored):
    """After an edit conflict on a commune page: {field: the "saved meanwhile" line} for each commune activity whose
    stored value differs from the posted one."""
    differences = {}
    for name in form.fields:
        value = form.data.get(form.add_prefix(name)) or ""
        stored_value = getattr(stored, name)
        theirs = "" if stored_value is None else str(stored_value)
        if not same_value(theirs, value) and not _same_amount(theirs, value):
            cell = Cell(Column(name, "", "count"), form.add_prefix(name), value, SafeString(""), [], [], theirs)
            differences[name] = mark_safe(theirs_html(cell))  # noqa: S308  # escaped inside
    return differences


def _same_amount(a, b):
    """Money: "150" and "150.00" are the same amount."""
    try:
        return Decimal(a.strip()) == Decimal(b.strip())
    except (InvalidOperation, ValueError):
        return False


def _figure_cells(figures, texts):
    """The figures' table cells, each input under its label (the label is shown on phones only)."""
    return mark_safe(  # noqa: S308  # every value in it went through escape()
        "".join(
            f'<td class="grid-cell grid-{cell.column.kind}{" has-comment" if cell.comments else ""}'
            f'{" has-theirs" if cell.theirs is not None else ""}">'
            f'<label class="grid-label" for="id_{escape(cell.name)}">{texts["column:" + cell.column.name]}</label>'
            f"{cell.input}{theirs_html(cell)}</td>"
            for cell in figures
        )
    )


def _labelled(label):
    """ "<strong>Households in total:</strong> " before a message about one figure; nothing for the whole row."""
    return f"<strong>{escape(str(label))}:</strong> " if label else ""


def _state(row, errors, warnings):
    if errors:
        return RowState.ERROR
    if warnings:
        return RowState.WARNING
    if getattr(row, "prefilled", False) or (row.pk is not None and not row.confirmed):
        return RowState.PREFILLED
    if row.pk is None:
        return RowState.NOT_STARTED
    return RowState.SAVED


def _draw(column, name, value, label, texts, *, invalid, disabled):
    """One input, as Django's widget would have drawn it (plus the village in its accessible name: `label` is
    (the figure's heading, the village's name)). Plain string building with the standard library's escape():
    Django's lazy-aware format_html was a third of the grid's time."""
    heading, village = label
    css = "form-select form-select-sm" if column.kind == "choice" else "form-control form-control-sm"
    escaped = escape(name)
    common = (
        f'name="{escaped}" id="id_{escaped}" class="{css}{" is-invalid" if invalid else ""}" '
        f'aria-label="{texts["column:" + column.name]} — {escape(village)}"'
        + (' aria-invalid="true"' if invalid else "")
        + (" disabled" if disabled else "")
    )
    if column.kind == "count":
        drawn = f'<input type="number" {common} value="{escape(value)}" min="0" step="1" inputmode="numeric">'
    elif column.kind == "date":
        drawn = date_selects_html(name, value, label=f"{heading} — {village}", invalid=invalid, disabled=disabled)
    elif column.kind == "text":
        drawn = f'<textarea {common} rows="1">\n{escape(value)}</textarea>'
    else:
        options = "".join(
            f'<option value="{escaped_option}"{" selected" if option == value else ""}>{text}</option>'
            for option, escaped_option, text in texts["odf_options"]
        )
        drawn = f"<select {common}>{options}</select>"
    return mark_safe(drawn)  # noqa: S308  # every value in it went through escape()
