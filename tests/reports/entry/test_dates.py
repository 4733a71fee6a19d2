"""Dates are entered in the page's language: day, month named in that language, year (reports/entry/dates.py)."""

import datetime

import pytest

from reports.entry.dates import posted_date, split_date
from reports.models import VillageQuarter
from tests.reports.entry.helpers import commune_url, section_url
from tests.reports.pages import commune_post, good_village, html, values

pytestmark = pytest.mark.django_db


def test_no_entry_page_leaves_the_date_to_the_browsers_locale(client_for, dso_a, world, q3):
    client = client_for(dso_a)
    client.cookies["django_language"] = "km"
    for url in (commune_url(), section_url()):
        page = html(client.get(url))
        assert 'type="date"' not in page, url
        assert ">មីនា</option>" in page and ">ថ្ងៃ</option>" in page, url  # March as Khmer letters write it


def test_a_date_posted_as_day_month_year_is_saved(client_for, dso_a, world, q3):
    row = good_village(100, odf_status="declared", hh_open_defecation=0, hh_unimproved=50, odf_status_date="2019-09-03")
    response = client_for(dso_a).post(commune_url(), commune_post([row, good_village(60)]))
    assert response.status_code == 302
    saved = VillageQuarter.objects.get(village__code="05080101", report__period=q3)
    assert saved.odf_status_date == datetime.date(2019, 9, 3)


def test_an_incomplete_date_is_refused_with_what_was_chosen_still_shown(client_for, dso_a, world, q3):
    client = client_for(dso_a)
    client.cookies["django_language"] = "km"
    posted = commune_post([good_village(100), good_village(60)])
    posted.update({"villages-0-odf_status_date_day": "31", "villages-0-odf_status_date_month": "2"})  # no year
    response = client.post(commune_url(), posted)
    assert response.status_code == 200 and not VillageQuarter.objects.exists()
    shown = values(response)
    assert (shown["villages-0-odf_status_date_day"], shown["villages-0-odf_status_date_month"]) == ("31", "2")
    assert "is-invalid" in html(response).split('name="villages-0-odf_status_date_day"')[1][:200]


def test_dates_split_and_join_as_the_selects_post_them():
    assert split_date("2019-08-04") == ("4", "8", "2019")
    assert split_date("2019-8-") == ("", "8", "2019") and split_date("") == ("", "", "")
    assert posted_date({"d_day": "4", "d_month": "8", "d_year": "2019"}, "d") == "2019-08-04"
    assert posted_date({"d_day": "31", "d_month": "2", "d_year": "2019"}, "d") == "2019-2-31"  # shown, refused
    assert posted_date({"d": "2019-08-04"}, "d") == "2019-08-04"  # a whole date from an older client
