"""Quarter arithmetic: pure functions, no database."""

import datetime

import pytest

from reports import quarters


@pytest.mark.parametrize(
    ("quarter", "first", "last"),
    [
        (1, datetime.date(2023, 1, 1), datetime.date(2023, 3, 31)),
        (2, datetime.date(2023, 4, 1), datetime.date(2023, 6, 30)),
        (3, datetime.date(2023, 7, 1), datetime.date(2023, 9, 30)),
        (4, datetime.date(2023, 10, 1), datetime.date(2023, 12, 31)),
    ],
)
def test_quarter_bounds_are_first_and_last_day_of_the_quarter(quarter, first, last):
    assert quarters.quarter_bounds(2023, quarter) == (first, last)


def test_first_quarter_of_a_leap_year_ends_on_31_march_and_includes_29_february():
    first, last = quarters.quarter_bounds(2024, 1)
    assert (first, last) == (datetime.date(2024, 1, 1), datetime.date(2024, 3, 31))
    assert first <= datetime.date(2024, 2, 29) <= last
    assert (last - first).days + 1 == 91  # 90 days in a common year


def test_quarters_of_a_year_cover_it_without_gaps():
    days = sum((last - first).days + 1 for first, last in (quarters.quarter_bounds(2019, q) for q in (1, 2, 3, 4)))
    assert days == 365


@pytest.mark.parametrize("quarter", [0, 5, -1, "2"])
def test_quarter_outside_one_to_four_is_refused(quarter):
    with pytest.raises(ValueError):
        quarters.quarter_bounds(2023, quarter)


@pytest.mark.parametrize(
    ("year", "quarter", "previous"),
    [
        (2020, 1, (2019, 4)),
        (2020, 2, (2020, 1)),
        (2020, 3, (2020, 2)),
        (2020, 4, (2020, 3)),
    ],
)
def test_previous_quarter_crosses_into_last_year_from_q1(year, quarter, previous):
    assert quarters.previous_quarter(year, quarter) == previous


@pytest.mark.parametrize(
    ("year", "quarter", "following"),
    [
        (2019, 1, (2019, 2)),
        (2019, 2, (2019, 3)),
        (2019, 3, (2019, 4)),
        (2019, 4, (2020, 1)),
    ],
)
def test_next_quarter_crosses_into_next_year_from_q4(year, quarter, following):
    assert quarters.next_quarter(year, quarter) == following


@pytest.mark.parametrize(("year", "quarter"), [(2019, 1), (2019, 4), (2020, 1), (2024, 3)])
def test_next_and_previous_quarter_are_inverse(year, quarter):
    assert quarters.previous_quarter(*quarters.next_quarter(year, quarter)) == (year, quarter)
    assert quarters.next_quarter(*quarters.previous_quarter(year, quarter)) == (year, quarter)


@pytest.mark.parametrize(
    ("quarter", "deadline"),
    [
        (1, datetime.date(2019, 4, 15)),
        (2, datetime.date(2019, 7, 15)),
        (3, datetime.date(2019, 10, 15)),
        (4, datetime.date(2020, 1, 15)),
    ],
)
def test_default_deadline_is_fifteen_days_after_quarter_end(quarter, deadline):
    assert quarters.default_deadline(2019, quarter) == deadline


def test_default_deadline_takes_another_number_of_days():
    assert quarters.default_deadline(2019, 3, days_after_end=31) == datetime.date(2019, 10, 31)
    assert quarters.default_deadline(2019, 3, days_after_end=0) == datetime.date(2019, 9, 30)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2019, 1, 1), (2019, 1)),
        (datetime.date(2019, 3, 31), (2019, 1)),
        (datetime.date(2019, 4, 1), (2019, 2)),
        (datetime.date(2019, 6, 30), (2019, 2)),
        (datetime.date(2019, 7, 1), (2019, 3)),
        (datetime.date(2019, 9, 30), (2019, 3)),
        (datetime.date(2019, 10, 1), (2019, 4)),
        (datetime.date(2019, 12, 31), (2019, 4)),
        (datetime.date(2024, 2, 29), (2024, 1)),
    ],
)
def test_quarter_of_a_day(day, expected):
    assert quarters.quarter_of(day) == expected


def test_every_day_lies_within_the_bounds_of_its_quarter():
    day = datetime.date(2023, 12, 25)
    for _ in range(800):
        first, last = quarters.quarter_bounds(*quarters.quarter_of(day))
        assert first <= day <= last
        day += datetime.timedelta(days=1)
