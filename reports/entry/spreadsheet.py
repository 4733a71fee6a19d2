"""A district's quarter as a spreadsheet: the template to fill in (also the export of its figures), and its import.

The workbook (workbook()): an instructions sheet; a Communes sheet with a row per commune active in the quarter and
its activities (CommuneQuarter.ACTIVITY_FIELDS: triggering, BCC, meetings, budget); then one sheet per commune with a
row per village: code and names (locked), then the figures of the commune page (VillageQuarter's counts, ODF status
and its date, the explanation of warnings) as the page would show them: saved, or pre-filled from last quarter. Three
heading rows: Khmer, English, and the portal's name of each column (the import reads that one, so columns may be
moved). Whole numbers and ODF statuses are checked by the spreadsheet program as they are typed; a hidden sheet holds
each commune's edit version, so that a file downloaded before someone saved a commune page is refused, as a second
save of the page is.

The import (read_upload(), then apply()): an .xlsx from the portal (or a CSV with a village_code column and the
same column names) is read whole; each commune's rows and activities go through the commune page's own forms
(VillageFormSet, CommuneActivityForm and reports/entry/validation.py), so the rules are the same. Any error, and
nothing is saved: each one is listed as "sheet, row (village), column: message". Otherwise every commune whose
figures change is saved in one transaction (save_commune_page, under the version the file was downloaded with) and
one history event records the import: who, when, the file's name and SHA-256, how many figures changed. Warnings
need their explanation before the report is submitted, as on the page.
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
from reports.workbooks import sheet_name, table_csv

FIELDS = [*VillageQuarter.COUNT_FIELDS, "odf_status", "odf_status_date", "explanation"]
KEYS = ["village_code", "village_name_km", "village_name_latin"]
COMMUNE_KEYS = ["commune_code", "commune_name_km", "commune_name_latin"]
ACTIVITIES = CommuneQuarter.ACTIVITY_FIELDS
COMMUNES = "Communes"  # the communes' activities, a row per commune
HEADING_ROWS = 3  # Khmer, English, the column's name
INSTRUCTIONS = "Instructions"
VERSIONS = "versions"
MAX_BYTES = 2_000_000
MAX_UNPACKED_BYTES = 50_000_000
LABELS = {column.name: column.label for column in grid.COLUMNS}


def communes_of(report: DistrictReport):
    return Commune.objects.filter(district=report.district).active_on(report.period.bounds[0]).order_by("code")


def _rows_by_commune(report: DistrictReport, only=None):
    """[(commune, [VillageQuarter rows as the commune page shows them])], of the communes `only` (codes) if given."""
    communes = communes_of(report)
    if only is not None:
        communes = communes.filter(code__in=only)
    villages = Village.objects.filter(commune__in=communes)
    previous = writes.previous_village_values(report, villages)
    return [(commune, writes.village_rows(report, commune, previous)) for commune in communes]


def _shown(row, name):
    value = getattr(row, name)
    return "" if value is None else value


# --- The workbook -----------------------------------------------------------------------------------------------


def workbook(report: DistrictReport, only=None) -> bytes:
    """The district's workbook, or of the communes `only` (codes: a commune focal point's own commune)."""
    book = Workbook()
    _instructions(book.active, report)
    versions = book.create_sheet(VERSIONS)
    versions.append(["commune_code", "version"])
    versions.sheet_state = "hidden"
    activities = book.create_sheet(COMMUNES)
    _headings(activities, COMMUNE_KEYS, ACTIVITIES, {name: _activity_label(name) for name in ACTIVITIES})
    records = {r.commune_id: r for r in CommuneQuarter.objects.filter(report=report)}
    by_commune = _rows_by_commune(report, only)
    for commune, rows in by_commune:
        record = records.get(commune.pk)
        versions.append([commune.code, record.version if record else 0])
        activities.append([commune.code, commune.name_km, commune.name_latin,
                           *(_shown(record, name) if record else "" for name in ACTIVITIES)])  # fmt: skip
        sheet = book.create_sheet(sheet_name(f"{commune.code} {commune.name_latin}"))
        _headings(sheet, KEYS, FIELDS, LABELS)
        for row in rows:
            sheet.append([row.village.code, row.village.name_km, row.village.name_latin,
                          *(_shown(row, name) for name in FIELDS)])  # fmt: skip
        _unlock_and_protect(sheet, len(KEYS))
        _validations(sheet, sheet.max_row)
    _unlock_and_protect(activities, len(COMMUNE_KEYS))
    _activity_validations(activities)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def village_csv(report: DistrictReport, only=None) -> str:
    """The village rows of the workbook as CSV (the import reads it back): commune_code, the village keys and
    figures, one row per village; no headings in Khmer (the column names are the portal's)."""
    rows = [
        [
            commune.code,
            row.village.code,
            row.village.name_km,
            row.village.name_latin,
            *(_text(_shown(row, n)) for n in FIELDS),
        ]
        for commune, rows in _rows_by_commune(report, only)
        for row in rows
    ]
    return table_csv(["commune_code", *KEYS, *FIELDS], rows)


def _activity_label(name):
    return CommuneQuarter._meta.get_field(name).verbose_name


def _headings(sheet, keys, fields, labels):
    """The three heading rows: Khmer, English, the columns' names (which the import reads)."""
    bold, grey = Font(bold=True), PatternFill("solid", fgColor="EEEEEE")
    for language in ("km", "en"):
        with translation.override(language):
            if keys == KEYS:
                key_labels = [_("Village code"), _("Village (Khmer)"), _("Village (Latin)")]
            else:
                key_labels = [_("Commune code"), _("Commune (Khmer)"), _("Commune (Latin)")]
            sheet.append([*key_labels, *(str(labels[name]) for name in fields)])
    sheet.append([*keys, *fields])
    for heading in sheet.iter_rows(min_row=1, max_row=HEADING_ROWS):
        for cell in heading:
            cell.font, cell.fill = bold, grey
    for index in range(1, len(keys) + len(fields) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 14 if index > len(keys) else 18


def _unlock_and_protect(sheet, keys):
    """The cells after the key columns are for typing; the codes and names stay as they are."""
    for line in sheet.iter_rows(min_row=HEADING_ROWS + 1, max_row=sheet.max_row, min_col=keys + 1):
        for cell in line:
            cell.protection = Protection(locked=False)
    sheet.protection.sheet = True
    sheet.freeze_panes = sheet.cell(row=HEADING_ROWS + 1, column=keys + 1)


def _activity_validations(sheet):
    if sheet.max_row <= HEADING_ROWS:
        return
    whole = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
    whole.error, whole.showErrorMessage = _("Enter a whole number, such as 12."), True
    money = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
    money.error, money.showErrorMessage = _("Enter an amount in US dollars, such as 150.50."), True
    for name in ACTIVITIES:
        column = get_column_letter(len(COMMUNE_KEYS) + ACTIVITIES.index(name) + 1)
        (money if name == "commune_budget" else whole).add(f"{column}{HEADING_ROWS + 1}:{column}{sheet.max_row}")
    sheet.add_data_validation(whole)
    sheet.add_data_validation(money)


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
    # [(commune, record or None, village formset, activity form, expected version or None)]: what apply() saves
    communes: list = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def read_upload(report: DistrictReport, name: str, content: bytes, allowed=None) -> Upload:
    """Read and check a file. `allowed`: the codes of the communes the person may change (None: every commune of
    the district); a row of another commune is an error naming it."""
    upload = Upload(name=name, checksum=hashlib.sha256(content).hexdigest())
    if len(content) > MAX_BYTES:
        upload.errors.append(_("The file is larger than 2 MB: a district's spreadsheet is far smaller."))
        return upload
    try:
        sheets, commune_rows, versions = _sheets_of(name, content)
    except ValidationError as error:
        upload.errors.extend(error.messages)
        return upload
    given = _given_villages(report, sheets, upload)
    by_commune = _rows_by_commune(report)
    activities = _given_activities(report, {commune.code for commune, _rows in by_commune}, commune_rows, upload)
    if allowed is not None:
        _refuse_other_communes(upload, given, activities, allowed)
    if upload.errors:
        return upload
    records = {r.commune_id: r for r in CommuneQuarter.objects.filter(report=report)}
    for commune, rows in by_commune:
        found, activity = given.get(commune.code, {}), activities.get(commune.code)
        if found or activity:
            record = records.get(commune.pk)
            _check_commune(upload, commune, rows, found, activity, report, record, versions.get(commune.code))
    return upload


def _refuse_other_communes(upload, given, activities, allowed):
    """SECURITY: a commune focal point's file may change their own communes only."""
    for code in sorted(set(given) | set(activities)):
        if code not in allowed:
            upload.errors.append(
                _(
                    "The file changes commune %(code)s, which you may not change: upload your own commune's "
                    "figures only."
                )
                % {"code": code}
            )


def _given_villages(report, sheets, upload):
    """{commune code: {village code: (sheet, row, values)}} of the village sheets; a row whose village is not one of
    the district's villages of the quarter is an error."""
    villages = {v.code: v for v in Village.objects.filter(commune__district=report.district).select_related("commune")}
    given: dict[str, dict[str, tuple[str, int, dict]]] = {}
    for sheet, rows in sheets:
        for number, values in rows:
            code = str(values.get("village_code") or "").strip()
            if not code:
                continue
            problem = _village_problem(code, villages.get(code), report)
            if problem:
                upload.errors.append(_where(sheet, number, code) + problem)
            else:
                given.setdefault(villages[code].commune.code, {})[code] = (sheet, number, values)
    return given


def _given_activities(report, communes, commune_rows, upload):
    """{commune code: (row, values)} of the Communes sheet; a commune that is not one of the district's in the
    quarter is an error."""
    activities: dict[str, tuple[int, dict]] = {}
    for number, values in commune_rows:
        code = str(values.get("commune_code") or "").strip()
        if code and code not in communes:
            facts = {"sheet": COMMUNES, "row": number, "code": code, "district": report.district.name,
                     "quarter": report.period.label}  # fmt: skip
            upload.errors.append(
                _(
                    "sheet %(sheet)s, row %(row)s (commune %(code)s): this is not a commune of %(district)s in "
                    "%(quarter)s."
                )
                % facts  # fmt: skip
            )
        elif code:
            activities[code] = (number, values)
    return activities


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


def _check_commune(upload, commune, rows, found, activity, report, record, version):
    """Validate one commune's rows with the commune page's formset and its activities with the page's form; record
    the errors, or what to save and the changes."""
    data, where = _formset_data(rows, found)
    formset = VillageFormSet(data, instances=rows, prefix="villages")
    activity_form = _activity_form(record or CommuneQuarter(report=report, commune=commune), activity)
    valid = formset.is_valid() & activity_form.is_valid()  # both, so that every error is listed
    if not valid:
        for index, form in enumerate(formset.forms):
            sheet, number, code = where[index]
            place = _where(sheet or commune.code, number or "—", code)
            upload.errors.extend(
                place + _figure_message(LABELS.get(name, name), message)
                for name, messages in form.errors.items()
                for message in messages
            )
        upload.errors.extend(str(message) for message in formset.non_form_errors())
        place = _("sheet %(sheet)s, row %(row)s (commune %(code)s): ") % {
            "sheet": COMMUNES, "row": activity[0] if activity else "—", "code": commune.code}  # fmt: skip
        upload.errors.extend(
            place + _figure_message(_activity_label(name) if name in ACTIVITIES else "", message)
            for name, messages in activity_form.errors.items()
            for message in messages
        )
        return
    changes = [
        Change(commune.name, row.village.code, str(LABELS[name]), before, after)
        for row, form in zip(rows, formset.forms, strict=True)
        for name in FIELDS
        if (before := "" if row.pk is None else _text(form.initial.get(name)))
        != (after := _text(form.cleaned_data.get(name)))
    ]
    changes += [
        Change(commune.name, "", str(_activity_label(name)), before, after)
        for name in ACTIVITIES
        if (before := "" if record is None else _text(getattr(record, name)))
        != (after := _text(activity_form.cleaned_data.get(name)))
    ]
    upload.changes.extend(changes)
    confirms = any(key.endswith("-confirm") for key in data)
    if changes or confirms:  # an untouched commune is left as it is (no empty rows written)
        upload.communes.append((commune, record, formset, activity_form, version))


def _figure_message(figure, message):
    """ "Households in total: the groups add up to 90, …" (a message about the row as a whole has no figure)."""
    if not figure:
        return str(message)
    return _("%(figure)s: %(message)s") % {"figure": figure, "message": message}


def _activity_form(record, activity):
    """The commune page's activity form, bound to the file's values (the stored ones where the file has none)."""
    values = activity[1] if activity else {}
    data = {
        f"activities-{name}": _as_posted(name, values[name] if name in values else _shown(record, name))
        for name in ACTIVITIES
    }
    return CommuneActivityForm(data, instance=record, prefix="activities")


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
    """([(sheet name, [(row number, {column name: value})])] of the village sheets, [(row number, {column: value})]
    of the communes' activities, {commune code: version}) of an .xlsx or .csv file (a CSV holds village rows)."""
    if name.lower().endswith(".csv"):
        return _csv_rows(content), [], {}
    _refuse_a_zip_bomb(content)
    try:
        values = load_workbook(io.BytesIO(content), data_only=True)
        formulas = load_workbook(io.BytesIO(content), data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise ValidationError(
            _("This is not an Excel .xlsx file (or a CSV file): download the spreadsheet from the report page.")
        ) from None
    sheets, commune_rows, problems = [], [], []
    for sheet in values.worksheets:
        if sheet.title == COMMUNES:
            commune_rows = _sheet_rows(sheet, formulas[sheet.title], problems, COMMUNE_KEYS, ACTIVITIES)
        elif sheet.title not in (INSTRUCTIONS, VERSIONS):
            sheets.append((sheet.title, _sheet_rows(sheet, formulas[sheet.title], problems, KEYS, FIELDS)))
    if problems:
        raise ValidationError(problems)
    versions = {}
    if VERSIONS in values.sheetnames:
        for line in values[VERSIONS].iter_rows(min_row=2, values_only=True):
            if line and line[0] is not None and isinstance(line[1], int | float):
                versions[str(line[0])] = int(line[1])
    return sheets, commune_rows, versions


def _refuse_a_zip_bomb(content):
    """SECURITY: a small file can unpack to gigabytes of XML: measure before reading it."""
    try:
        unpacked = sum(entry.file_size for entry in zipfile.ZipFile(io.BytesIO(content)).infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip at all: refused when it is read, with the reason
    if unpacked > MAX_UNPACKED_BYTES:
        raise ValidationError(_("The file unpacks to more than 50 MB: a district's spreadsheet is far smaller."))


def _sheet_rows(sheet, formulas, problems, keys, fields):
    """[(row number, {column name: value})] of a sheet whose key column is keys[0]; what is wrong with it goes
    to `problems`."""
    names = [str(c.value).strip() if c.value is not None else "" for c in sheet[HEADING_ROWS]]
    if keys[0] not in names:
        problems.append(
            _("sheet %(sheet)s has no %(column)s column in row 3: use the portal's spreadsheet.")
            % {"sheet": sheet.title, "column": keys[0]}
        )
        return []
    known = (*keys, *fields)
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
    for commune, record, formset, activities, version in upload.communes:  # the communes with something to save
        record = record or writes.open_commune_quarter(report=report, commune=commune)
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
        round=report.events.filter(action=WorkflowAction.SUBMITTED).count() + 1,  # the round being prepared
        note=note,
        by=by,
    )
