"""Small things a DSO met in the walkthrough: the money carried from last quarter, blank training counts, the
training rows added without saving (Playwright, in test_browser.py)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from reports.entry import writes
from reports.models import DistrictReport, Training
from tests.factories import DistrictReportFactory, ReportingPeriodFactory
from tests.reports.entry.helpers import messages_of, report_url, section_url
from tests.reports.pages import TRAINING, district_post


@pytest.fixture
def q2_money(world, q3):
    q2 = ReportingPeriodFactory(year=2019, quarter=2, is_open=False)
    return DistrictReportFactory(
        district=world.district_a,
        period=q2,
        ft_annual_allocation=Decimal("700.00"),
        ft_carried_over=Decimal("120.00"),
        ft_received=Decimal("175.00"),
        spent_meetings=Decimal("40.00"),
        spent_triggering=Decimal("60.00"),
        spent_training=None,
        spent_monitoring=Decimal("15.50"),
        spent_odf_verification=None,
    )


def test_a_new_report_starts_with_the_years_allocation_and_last_quarters_balance(world, q3, q2_money):
    report = writes.open_report(district=world.district_a, period=q3)
    # 120 carried + 175 received - (40 + 60 + 15.50) spent
    assert (report.ft_annual_allocation, report.ft_carried_over) == (Decimal("700.00"), Decimal("179.50"))


def test_an_open_report_is_never_refilled(world, q3, q2_money):
    report = writes.open_report(district=world.district_a, period=q3)
    DistrictReport.objects.filter(pk=report.pk).update(ft_carried_over=Decimal("10.00"))
    assert writes.open_report(district=world.district_a, period=q3).ft_carried_over == Decimal("10.00")


def test_nothing_is_carried_into_a_new_year_nor_a_negative_balance(q2_money):
    # "Carried over" is what earlier quarters of this year received and did not spend (the field's own help):
    # a new year starts afresh, allocation and balance alike.
    next_year = ReportingPeriodFactory.build(year=2020, quarter=1)
    assert writes.budget_carried_from(q2_money, next_year) == {}
    same_year = ReportingPeriodFactory.build(year=2019, quarter=3)
    q2_money.spent_training = Decimal("500.00")
    assert writes.budget_carried_from(q2_money, same_year) == {"ft_annual_allocation": Decimal("700.00")}
    assert writes.budget_carried_from(None, same_year) == {}


def test_blank_training_counts_are_saved_as_zero(client_for, dso_a, world, q3):
    blank = {**TRAINING, "participants_provincial": "", "participants_district": "", "women": ""}
    response = client_for(dso_a).post(section_url(), district_post(trainings=[blank]))
    assert response.status_code == 302, messages_of(response)
    training = Training.objects.get()
    assert (training.participants_provincial, training.participants_district, training.women) == (0, 0, 0)
    assert (training.participants_commune, training.participants_village) == (10, 20)


def test_the_blank_counts_show_their_default_and_the_section_says_so(client_for, dso_a, world, q3):
    page = client_for(dso_a).get(section_url()).content.decode()
    assert 'name="trainings-0-women"' in page and 'placeholder="0"' in page
    assert "A blank count is 0." in page
    assert 'id="training-empty-row"' in page and "trainings-__prefix__-topic" in page


def test_a_dsos_home_offers_the_open_quarters_still_to_fill_in(client_for, dso_a, world, q3):
    page = client_for(dso_a).get(reverse("home")).content.decode()
    section = page[page.index('id="quarters-to-fill"') :]
    assert 'id="open-quarter"' in section and reverse("reports:report", args=["0508", 2019, 3]) in section
    assert "not started" in section and ">Start<" in section
    DistrictReportFactory(district=world.district_a, period=q3, complete=True, by=dso_a)  # a draft: "Continue"
    page = client_for(dso_a).get(reverse("home")).content.decode()
    assert ">Continue<" in page[page.index('id="quarters-to-fill"') :]


def test_a_reviewers_home_has_nothing_to_fill_in(client_for, reviewer_p, world, q3):
    assert 'id="quarters-to-fill"' not in client_for(reviewer_p).get(reverse("home")).content.decode()


def test_the_district_section_saves_and_goes_back_to_the_report(client_for, dso_a, world, q3):
    client = client_for(dso_a)
    client.get(section_url())
    posted = district_post()
    posted["then"] = "report"
    response = client.post(section_url(), posted)
    assert response.status_code == 302 and response.url == report_url()


def test_every_entry_form_takes_counts_as_count_fields():
    """An entry form's Meta names count_formfield; a new form that forgets it would take "12.5" or "-3"."""
    from django import forms as django_forms

    from reports.entry import forms as entry_forms

    entry_form_classes = [
        cls
        for cls in vars(entry_forms).values()
        if isinstance(cls, type) and issubclass(cls, entry_forms.EntryForm) and cls is not entry_forms.EntryForm
    ]
    assert len(entry_form_classes) >= 5
    for cls in entry_form_classes:
        for name, field in cls.base_fields.items():
            assert type(field) is not django_forms.IntegerField, f"{cls.__name__}.{name}"
