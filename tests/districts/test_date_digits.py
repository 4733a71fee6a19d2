"""Dates on Khmer pages in Khmer or Arabic digits, as each person chooses: kept on the profile, applied at login."""

import datetime

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from districts import language
from districts.models import UserProfile
from tests.factories import ReportingPeriodFactory

pytestmark = pytest.mark.django_db


def render_date(day):
    return Template('{{ day|date:"SHORT_DATE_FORMAT" }} {{ day|date:"DATE_FORMAT" }}').render(Context({"day": day}))


def test_the_date_filter_writes_khmer_digits_only_on_a_khmer_page_for_who_asked():
    day = datetime.date(2019, 10, 15)
    token = language._khmer_digits.set(True)
    try:
        with translation.override("km"):
            assert render_date(day) == "១៥/១០/២០១៩ ១៥ តុលា ២០១៩"
        with translation.override("en"):
            assert render_date(day) == "15/10/2019 15 Oct 2019"
    finally:
        language._khmer_digits.reset(token)
    with translation.override("km"):
        assert render_date(day) == "15/10/2019 15 តុលា 2019"  # the default: Arabic digits


def test_choosing_khmer_digits_is_kept_on_the_profile_and_shows_on_the_next_page(client_for, dso_a, world):
    ReportingPeriodFactory(year=2019, quarter=3)
    client = client_for(dso_a)
    client.cookies["django_language"] = "km"
    response = client.post(reverse("set_date_digits"), {"digits": "khmer", "next": "/reports/0508/2019/q3/"})
    assert response.status_code == 302 and response.url == "/reports/0508/2019/q3/"
    assert UserProfile.objects.get(user=dso_a).khmer_digits is True
    page = client.get(reverse("reports:report", args=["0508", 2019, 3])).content.decode()
    assert "២០១៩" in page  # the deadline and dates of the page
    assert ">១៥</option>" in client.get(reverse("reports:district_section", args=["0508", 2019, 3])).content.decode()


def test_the_choice_follows_the_person_to_a_new_browser_at_login(client, dso_a):
    UserProfile.objects.update_or_create(user=dso_a, defaults={"khmer_digits": True, "language": "km"})
    response = client.post(reverse("login"), {"username": "dso_a", "password": "correct-horse-battery"})
    assert response.cookies[language.DIGITS_COOKIE].value == "khmer"


def test_a_next_address_elsewhere_is_not_followed(client_for, dso_a):
    response = client_for(dso_a).post(reverse("set_date_digits"), {"digits": "khmer", "next": "https://evil.example/"})
    assert response.url == "/"
