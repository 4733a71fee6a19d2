"""Downloads of the portal's tables, XLSX and CSV alike: a header block saying what the table is (unit, quarter,
data state, basis), an empty line, then the columns the screen shows.

Numbers stay numbers (a spreadsheet sums them); text stays text, also text that starts with = (openpyxl would write
it as a formula; SECURITY: a unit name is never run as a formula, as in the CSVs: spreadsheet_cells.py).
"""

import csv
import io
import re
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from reports.spreadsheet_cells import safe_row

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What a sheet's name may not hold, and its length (Excel's rules).
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_LENGTH = 31
NUMBER = re.compile(r"^-?(0|[1-9]\d{0,14})(\.\d+)?$")


def sheet_name(text: str) -> str:
    return SHEET_NAME_FORBIDDEN.sub(" ", str(text)).strip()[:SHEET_NAME_LENGTH] or "Sheet"


def table_csv(header: list[str], rows: list[list], about: list[tuple[str, str]] = ()) -> str:
    """The CSV text: a byte-order mark (so spreadsheet programs read Khmer as UTF-8); `about` as label,value lines
    and an empty line (as in the XLSX); the header row, the rows. Text that a spreadsheet would run as a formula is
    written as text (spreadsheet_cells.py). Programs that want the figures alone have the read API (/api/v1/)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    if about:
        writer.writerows(safe_row([str(label), str(value)]) for label, value in about)
        writer.writerow([])
    writer.writerow(safe_row([str(heading) for heading in header]))
    writer.writerows(safe_row(row) for row in rows)
    return out.getvalue()


def table_workbook(*, title: str, about: list[tuple[str, str]], header: list[str], rows: list[list]) -> bytes:
    """One sheet: `about` as label/value lines (unit, quarter, data state, basis), a blank line, the column headings
    (bold, frozen), then `rows`. Returns the .xlsx file's bytes."""
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_name(title)
    bold = Font(bold=True)
    for label, value in about:
        sheet.append([str(label), str(value)])
        sheet.cell(row=sheet.max_row, column=1).font = bold
    sheet.append([])
    sheet.append([str(heading) for heading in header])
    heading_row = sheet.max_row
    for cell in sheet[heading_row]:
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append([_value(value) for value in row])
    for row in sheet.iter_rows(min_row=1):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = TYPE_STRING  # never a formula, whatever it starts with
    sheet.freeze_panes = sheet.cell(row=heading_row + 1, column=1)
    for index, heading in enumerate(header, start=1):
        width = max([len(str(heading))] + [len(str(row[index - 1])) for row in rows[:200] if index <= len(row)])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 45)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _value(value):
    """A cell's value: numbers as numbers (Decimal as float: money with two decimals), the rest as text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, Decimal):
        return float(value)
    text = str(value)
    if NUMBER.match(text):  # the charts' tables hold their numbers as text ("50.0"): a spreadsheet sums them
        return float(text) if "." in text else int(text)
    return text
