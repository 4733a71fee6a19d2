"""Quarter arithmetic and the quarter's name: small pure functions, no database."""

import datetime

from django.utils.translation import gettext as _


def quarter_bounds(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    """First and last day of a calendar quarter."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"quarter must be 1-4, not {quarter!r}")
    first = datetime.date(year, 3 * quarter - 2, 1)
    next_first = datetime.date(year + 1, 1, 1) if quarter == 4 else datetime.date(year, 3 * quarter + 1, 1)
    return first, next_first - datetime.timedelta(days=1)


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)


def next_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year + 1, 1) if quarter == 4 else (year, quarter + 1)


def default_deadline(year: int, quarter: int, days_after_end: int = 15) -> datetime.date:
    """Reports are due a fortnight after the quarter ends unless the MRD sets another day."""
    return quarter_bounds(year, quarter)[1] + datetime.timedelta(days=days_after_end)


def quarter_of(day: datetime.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def label(year: int, quarter: int) -> str:
    """ "Q2 2019" in the active language: the one name of a quarter on every page, chart, CSV and PDF."""
    return _("Q%(quarter)d %(year)d") % {"quarter": quarter, "year": year}
