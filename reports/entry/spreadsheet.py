"""A district's quarter as a spreadsheet: the template to fill in (also the export of its figures), and its import.

The workbook (workbook()): an instructions sheet, then one sheet per commune active in the quarter with a row per
village: code and names (locked), then the figures of the commune page (VillageQuarter's counts, ODF status and its
date, the explanation of warnings) as the page would show them: saved, or pre-filled from last quarter. Three
heading rows: Khmer, English, and the portal's name of each column (the import reads that one, so columns may be
moved). Whole numbers and ODF statuses are checked by the spreadsheet program as they are typed; a hidden sheet holds
each commune's edit version, so that a file downloaded before someone saved a commune page is refused, as a second
save of the page is.

The import (read_upload(), then apply()): an .xlsx from the portal (or a CSV with a village_code column and the
same column names) is read whole; each commune's rows go through the commune page's own form (VillageFormSet and
reports/entry/validation.py), so the rules are the same. Any error, and nothing is saved: each one is listed as
"sheet, row (village), column: message". Otherwise every commune whose figures change is saved in one transaction
(save_commune_page, under the version the file was downloaded with) and one history event records the import:
who, when, the file's name and SHA-256, how many figures changed. Warnings need their explanation before the report
is submitted, as on the page.
"""

import csv
import datetime
import hashlib
import io
import zipfile
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from districts.models import Commune, Village
from reports.entry import grid, writes
from reports.entry.forms import CommuneActivityForm, VillageFormSet
from reports.models import CommuneQuarter, DistrictReport, OdfStatus, ReportEvent, VillageQuarter, WorkflowAction
from reports.workbooks import sheet_name

FIELDS = [*VillageQuarter.COUNT_FIELDS, "odf_status", "odf_status_date", "explanation"]
KEYS = ["village_code", "village_name_km", "village_name_latin"]
HEADING_ROWS = 3  # Khmer, English, the column's name
INSTRUCTIONS = "Instructions"
VERSIONS = "versions"
MAX_BYTES = 2_000_000
LABELS = {column.name: column.label for column in grid.COLUMNS}


def communes_of(report: DistrictReport):
    return Commune.objects.filter(district=report.district).active_on(report.period.bounds[0]).order_by("code")


def _rows_by_commune(report: DistrictReport):
    """[(commune, [VillageQuarter rows as the commune page shows them])]."""
    villages = Village.objects.filter(commune__district=report.district)
    previous = writes.previous_village_values(report, villages)
    return [(commune, writes.village_rows(report, commune, previous)) for commune in communes_of(report)]


def _shown(row, name):
    value = getattr(row, name)
    return "" if value is None else value


# --- The workbook -----------------------------------------------------------------------------------------------


def workbook(report: DistrictReport) -> bytes:
    book = Workbook()
    _instructions(book.active, report)
    versions = book.create_sheet(VERSIONS)
    versions.append(["commune_code", "version"])
    versions.sheet_state = "hidden"
    bold, grey = Font(bold=True), PatternFill("solid", fgColor="EEEEEE")
    for commune, rows in _rows_by_commune(report):
        record = CommuneQuarter.objects.filter(report=report, commune=commune).first()
        versions.append([commune.code, record.version if record else 0])
        sheet = book.create_sheet(sheet_name(f"{commune.code} {commune.name_latin}"))
        with translation.override("km"):
            sheet.append(
                [_("Village code"), _("Village (Khmer)"), _("Village (Latin)"), *(str(LABELS[f]) for f in FIELDS)]
            )
        with translation.override("en"):
            sheet.append(
                [_("Village code"), _("Village (Khmer)"), _("Village (Latin)"), *(str(LABELS[f]) for f in FIELDS)]
            )
        sheet.append([*KEYS, *FIELDS])
        for heading in sheet.iter_rows(min_row=1, max_row=HEADING_ROWS):
            for cell in heading:
                cell.font, cell.fill = bold, grey
        for row in rows:
            sheet.append([row.village.code, row.village.name_km, row.village.name_latin,
                          *(_shown(row, name) for name in FIELDS)])  # fmt: skip
        last = sheet.max_row
        for line in sheet.iter_rows(min_row=HEADING_ROWS + 1, max_row=last, min_col=len(KEYS) + 1):
            for cell in line:
                cell.protection = Protection(locked=False)
        _validations(sheet, last)
        sheet.protection.sheet = True  # the codes and names stay as they are; the figures are for typing
        sheet.freeze_panes = sheet.cell(row=HEADING_ROWS + 1, column=len(KEYS) + 1)
        for index in range(1, len(KEYS) + len(FIELDS) + 1):
            sheet.column_dimensions[get_column_letter(index)].width = 14 if index > len(KEYS) else 18
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _column(name):
    return get_column_letter(len(KEYS) + FIELDS.index(name) + 1)


def _validations(sheet, last):
    first = HEADING_ROWS + 1
    if last < first:
        return
    whole = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
    whole.error, whole.showErrorMessage = _("Enter a whole number, such as 12."), True
    for name in VillageQuarter.COUNT_FIELDS:
        whole.add(f"{_column(name)}{first}:{_column(name)}{last}")
    states = DataValidation(type="list", formula1='"' + ",".join(OdfStatus.values) + '"', allow_blank=True)
    states.error, states.showErrorMessage = (
        _("Choose one of: %(states)s") % {"states": ", ".join(OdfStatus.values)},
        True,
    )
    states.add(f"{_column('odf_status')}{first}:{_column('odf_status')}{last}")
    day = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True)  # after 2000-01-01
    day.error, day.showErrorMessage = _("Enter a date."), True
    day.add(f"{_column('odf_status_date')}{first}:{_column('odf_status_date')}{last}")
    for validation in (whole, states, day):
        sheet.add_data_validation(validation)


def _instructions(sheet, report):
    sheet.title = INSTRUCTIONS
    lines = [
        _("Quarterly report of %(district)s (%(code)s), %(quarter)s") % {
            "district": report.district.name, "code": report.district.code, "quarter": report.period.label},
        _("Downloaded %(when)s. One sheet per commune, one row per village.") % {
            "when": timezone.localtime().strftime("%Y-%m-%d %H:%M")},
        _("Fill in the white cells; the village codes and names cannot be changed. Rows saved in the portal show their "
          "figures; the others show last quarter's household figures as a starting point."),
        _("Household groups must add up to the households in total; IDPoor households with a latrine cannot exceed "
          "the IDPoor households. The portal checks every rule of the commune page when you upload the file."),
        _("ODF status: %(states)s.") % {"states": "; ".join(f"{v} = {label}" for v, label in OdfStatus.choices)},
        _("Dates: the date of the ODF status, as a date (day, month, year)."),
        _("Upload the file on the report page. If any row has an error, nothing is saved and every error is listed. "
          "If someone saved a commune in the portal after you downloaded this file, download it again."),
    ]  # fmt: skip
    for line in lines:
        sheet.append([str(line)])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.column_dimensions["A"].width = 120


# --- Reading an upload ------------------------------------------------------------------------------------------


@dataclass
class Change:
    commune: str
    village: str
    figure: str
    before: str
    after: str


@dataclass
class Upload:
    """A file read and checked: the formsets to save per commune, the versions it was downloaded with, the
    changes, and the errors (none when it can be applied)."""

    name: str
    checksum: str
    communes: list = field(default_factory=list)  # [(commune, record or None, formset, expected version or None)]
    changes: list[Change] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def read_upload(report: DistrictReport, name: str, content: bytes) -> Upload:
    upload = Upload(name=name, checksum=hashlib.sha256(content).hexdigest())
    if len(content) > MAX_BYTES:
        upload.errors.append(_("The file is larger than 2 MB: a district's spreadsheet is far smaller."))
        return upload
    try:
        sheets, versions = _sheets_of(name, content)
    except ValidationError as error:
        upload.errors.extend(error.messages)
        return upload
    villages = {v.code: v for v in Village.objects.filter(commune__district=report.district).select_related("commune")}
    given: dict[str, dict[str, tuple[str, int, dict]]] = {}  # commune code: {village code: (sheet, row, values)}
    for sheet, rows in sheets:
        for number, values in rows:
            code = str(values.get("village_code") or "").strip()
            if not code:
                continue
            problem = _village_problem(code, villages.get(code), report)
            if problem:
                upload.errors.append(_where(sheet, number, code) + problem)
                continue
            given.setdefault(villages[code].commune.code, {})[code] = (sheet, number, values)
    if upload.errors:
        return upload
    for commune, rows in _rows_by_commune(report):
        found = given.get(commune.code)
        if not found:
            continue
        _check_commune(upload, commune, rows, found, report, versions.get(commune.code))
    return upload


def _where(sheet, number, code):
    return _("sheet %(sheet)s, row %(row)s (village %(code)s): ") % {"sheet": sheet, "row": number, "code": code}


def _village_problem(code, village, report):
    if village is None:
        known = Village.objects.filter(code=code).select_related("commune__district").first()
        if known is not None:
            return _("this village is in %(district)s, not in %(this)s.") % {
                "district": known.commune.district.name, "this": report.district.name}  # fmt: skip
        return _("there is no village with this code in the gazetteer.")
    if village.retired_on is not None and village.retired_on <= report.period.bounds[0]:
        return _("this village was retired on %(date)s; enter its figures under the village that took it over.") % {
            "date": village.retired_on.isoformat()}  # fmt: skip
    return None


def _check_commune(upload, commune, rows, found, report, version):
    """Validate one commune's rows with the commune page's formset; record errors, or the formset and changes."""
    data, where = _formset_data(rows, found)
    formset = VillageFormSet(data, instances=rows, prefix="villages")
    if not formset.is_valid():
        for index, form in enumerate(formset.forms):
            sheet, number, code = where[index]
            place = _where(sheet or commune.code, number or "—", code)
            upload.errors.extend(
                f"{place}{LABELS.get(name, name)}: {message}"
                for name, messages in form.errors.items()
                for message in messages
            )
        upload.errors.extend(str(message) for message in formset.non_form_errors())
        return
    changes = [
        Change(commune.name, row.village.code, str(LABELS[name]), before, after)
        for row, form in zip(rows, formset.forms, strict=True)
        for name in FIELDS
        if (before := "" if row.pk is None else _text(form.initial.get(name)))
        != (after := _text(form.cleaned_data.get(name)))
    ]
    upload.changes.extend(changes)
    confirms = any(key.endswith("-confirm") for key in data)
    record = CommuneQuarter.objects.filter(report=report, commune=commune).first()
    if changes or confirms or record is None:
        upload.communes.append((commune, record, formset, version))


def _formset_data(rows, found):
    """(the commune page's POST for these rows: the file's values, the stored ones for villages not in it;
    {form index: (sheet, row number, village code)})."""
    data = {"villages-TOTAL_FORMS": str(len(rows)), "villages-INITIAL_FORMS": str(len(rows)),
            "villages-MIN_NUM_FORMS": "0", "villages-MAX_NUM_FORMS": "1000"}  # fmt: skip
    where = {}
    for index, row in enumerate(rows):
        sheet, number, values = found.get(row.village.code, (None, None, {}))
        where[index] = (sheet, number, row.village.code)
        for name in FIELDS:
            value = values[name] if name in values else _shown(row, name)
            data[f"villages-{index}-{name}"] = _as_posted(name, value)
        if row.village.code in found and (getattr(row, "prefilled", False) or (row.pk and not row.confirmed)):
            data[f"villages-{index}-confirm"] = "on"  # a row in the file is the DSO's figures: confirmed
    return data, where


def _text(value):
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _as_posted(name, value):
    """A cell's value as the commune page would post it."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    if name == "odf_status":
        by_label = {str(label).lower(): code for code, label in OdfStatus.choices}
        return by_label.get(text.lower(), text)
    return text


def _sheets_of(name, content):
    """([(sheet name, [(row number, {column name: value})])], {commune code: version}) of an .xlsx or .csv file."""
    if name.lower().endswith(".csv"):
        return _csv_rows(content), {}
    try:
        values = load_workbook(io.BytesIO(content), data_only=True)
        formulas = load_workbook(io.BytesIO(content), data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise ValidationError(
            _("This is not an Excel .xlsx file (or a CSV file): download the spreadsheet from the report page.")
        ) from None
    sheets, problems = [], []
    for sheet in values.worksheets:
        if sheet.title not in (INSTRUCTIONS, VERSIONS):
            sheets.append((sheet.title, _sheet_rows(sheet, formulas[sheet.title], problems)))
    if problems:
        raise ValidationError(problems)
    versions = {}
    if VERSIONS in values.sheetnames:
        for line in values[VERSIONS].iter_rows(min_row=2, values_only=True):
            if line and line[0] is not None and isinstance(line[1], int | float):
                versions[str(line[0])] = int(line[1])
    return sheets, versions


def _sheet_rows(sheet, formulas, problems):
    """[(row number, {column name: value})] of a commune sheet; what is wrong with it goes to `problems`."""
    names = [str(c.value).strip() if c.value is not None else "" for c in sheet[HEADING_ROWS]]
    if "village_code" not in names:
        problems.append(
            _("sheet %(sheet)s has no village_code column in row 3: use the portal's spreadsheet.")
            % {"sheet": sheet.title}
        )
        return []
    known = (*KEYS, *FIELDS)
    rows = []
    for number, line in enumerate(sheet.iter_rows(min_row=HEADING_ROWS + 1, values_only=True), start=HEADING_ROWS + 1):
        rows.append((number, {names[i]: value for i, value in enumerate(line) if i < len(names) and names[i] in known}))
        for i, cell in enumerate(formulas[number][: len(names)]):
            if isinstance(cell.value, str) and cell.value.startswith("=") and line[i] is None:
                problems.append(
                    _("sheet %(sheet)s, row %(row)s: %(column)s is a formula without a saved value; open the file in "
                      "a spreadsheet program, save it and upload it again.") % {
                        "sheet": sheet.title, "row": number, "column": names[i]}
                )  # fmt: skip
    return rows


def _csv_rows(content):
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("The CSV file is not UTF-8 text: save it as CSV UTF-8.")) from None
    lines = list(csv.reader(io.StringIO(text)))
    start = next((i for i, line in enumerate(lines) if "village_code" in [c.strip() for c in line]), None)
    if start is None:
        raise ValidationError(
            _("The CSV file has no village_code column: use the columns of the portal's spreadsheet.")
        )
    names = [c.strip() for c in lines[start]]
    rows = [(i + 1, {names[j]: value for j, value in enumerate(line) if j < len(names)})
            for i, line in enumerate(lines[start + 1 :], start=start + 1)]  # fmt: skip
    return [("CSV", rows)]


# --- Applying it ------------------------------------------------------------------------------------------------


@transaction.atomic
def apply(report: DistrictReport, upload: Upload, *, by) -> ReportEvent:
    """Save every commune of a checked upload, then record the import. Raises writes.EditConflict (nothing saved)
    when a commune was saved after the file was downloaded, PermissionDenied when the report is not editable."""
    assert not upload.errors
    for commune, record, formset, version in upload.communes:  # the communes with something to save
        record = record or writes.open_commune_quarter(report=report, commune=commune)
        activities = CommuneActivityForm(
            {f"activities-{name}": _text(getattr(record, name)) for name in CommuneQuarter.ACTIVITY_FIELDS},
            instance=record,
            prefix="activities",
        )
        activities.is_valid()
        writes.save_commune_page(
            commune_quarter=record,
            activity_form=activities,
            village_formset=formset,
            expected_version=record.version if version is None else version,
            by=by,
        )
    note = _("Spreadsheet %(name)s (SHA-256 %(checksum)s): %(count)d figures changed in %(villages)d villages.") % {
        "name": upload.name, "checksum": upload.checksum, "count": len(upload.changes),
        "villages": len({c.village for c in upload.changes})}  # fmt: skip
    return ReportEvent.objects.create(
        report=report,
        action=WorkflowAction.IMPORTED,
        from_status=report.status,
        to_status=report.status,
        note=note,
        by=by,
    )
