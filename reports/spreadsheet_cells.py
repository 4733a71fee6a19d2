"""Cells of spreadsheet downloads (the dashboards' CSVs): text that a spreadsheet program would run as a formula.

SECURITY: a unit name or label that starts with =, +, -, @, a tab or a carriage return is a formula to Excel and
LibreOffice ("CSV injection"); such a cell is written with a leading apostrophe, which they show as text.
Numbers, including negative ones, are left as they are.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _is_number(value):
        return "'" + value
    return value


def safe_row(row):
    return [safe_cell(value) for value in row]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip().lower() not in ("nan", "inf", "-inf", "+inf", "infinity", "-infinity", "+infinity")
