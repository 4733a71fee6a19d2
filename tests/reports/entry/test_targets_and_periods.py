"""Plan targets and reporting periods through the test client: who may set them and what is refused."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from reports.models import (
    DistrictPlanTarget,
    NationalSettings,
    ReportingPeriod,
)
from tests.reports.entry.helpers import (
    report_url,
    targets_url,
)
from tests.reports.pages import (
    form_fields,
    html,
    values,
)

# --- Plan targets ------------------------------------------------------------------------------------

TARGETS = {"coverage_pct": "80.00", "odf_villages": "12", "triggering_events": "30", "budget": "5000.00"}


def test_dso_saves_plan_targets_and_report_page_shows_them(client_for, dso_a, world, q3):
    client = client_for(dso_a)
    assert client.get(targets_url()).status_code == 200

    response = client.post(f"{targets_url()}?next={report_url()}", TARGETS)

    assert response.status_code == 302
    assert response.url == report_url()
    target = DistrictPlanTarget.objects.get(district=world.district_a, year=2019)
    assert (target.coverage_pct, target.odf_villages, target.triggering_events, target.budget, target.updated_by) == (
        Decimal("80.00"),
        12,
        30,
        Decimal("5000.00"),
        dso_a,
    )
    progress = re.search(r'id="progress">(.*?)</table>', html(client.get(report_url())), re.S).group(1)
    assert "80.0%" in progress and "$5,000.00" in progress and ">12<" in progress


def test_plan_targets_saved_again_update_the_same_row(client_for, dso_a, world, q3):
    client = client_for(dso_a)
    client.post(targets_url(), TARGETS)
    version = client.get(targets_url()).context["form"]["version"].value()  # as the page posts it back
    client.post(targets_url(), {**TARGETS, "odf_villages": "15", "version": version})
    assert DistrictPlanTarget.objects.get(district=world.district_a, year=2019).odf_villages == 15


def test_coverage_target_over_100_percent_is_refused(client_for, dso_a, q3):
    response = client_for(dso_a).post(targets_url(), {**TARGETS, "coverage_pct": "120"})
    assert response.status_code == 200
    assert not DistrictPlanTarget.objects.exists()


@pytest.mark.parametrize("persona", ["reviewer_p", "pa_p", "mrd"])
def test_read_only_roles_cannot_set_plan_targets(persona, request, client_for, world, q3):
    client = client_for(request.getfixturevalue(persona))
    response = client.get(targets_url())
    assert response.status_code == 200
    fields = form_fields(response)
    assert all(fields[name]["disabled"] for name in TARGETS)
    assert "Save targets" not in html(response)
    assert client.post(targets_url(), TARGETS).status_code == 403
    assert not DistrictPlanTarget.objects.exists()


# --- Reporting periods ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["mrd", "administrator"])
def test_ministry_adds_a_quarter_and_edits_its_deadline(persona, request, client_for, q3):
    client = client_for(request.getfixturevalue(persona))
    listing = client.get(reverse("reports:periods"))
    assert listing.status_code == 200
    # The form offers the quarter after the latest one, due 15 days after it ends.
    offered = values(listing)
    deadline = tuple(offered[f"period-deadline_{part}"] for part in ("day", "month", "year"))
    assert (offered["period-year"], offered["period-quarter"], deadline) == ("2019", "4", ("15", "1", "2020"))

    response = client.post(
        reverse("reports:periods"),
        {"period-year": "2019", "period-quarter": "4", "period-deadline": "2020-01-20", "period-is_open": "on"},
    )
    assert response.status_code == 302
    q4 = ReportingPeriod.objects.get(year=2019, quarter=4)
    assert (q4.deadline, q4.is_open) == (datetime.date(2020, 1, 20), True)

    edit_url = reverse("reports:period_edit", args=[q4.pk])
    assert client.get(edit_url).status_code == 200
    response = client.post(edit_url, {"year": "2019", "quarter": "4", "deadline": "2020-01-31"})  # unchecked: closed
    assert response.status_code == 302
    q4.refresh_from_db()
    assert (q4.deadline, q4.is_open) == (datetime.date(2020, 1, 31), False)


def test_adding_an_existing_quarter_is_refused(client_for, mrd, q3):
    response = client_for(mrd).post(
        reverse("reports:periods"),
        {"period-year": "2019", "period-quarter": "3", "period-deadline": "2019-10-30", "period-is_open": "on"},
    )
    assert response.status_code == 200
    assert "This quarter already exists." in html(response)
    assert ReportingPeriod.objects.get().deadline == datetime.date(2019, 10, 15)


def test_editing_a_quarter_into_another_existing_one_is_refused(client_for, mrd, q2, q3):
    response = client_for(mrd).post(
        reverse("reports:period_edit", args=[q2.pk]), {"year": "2019", "quarter": "3", "deadline": "2019-07-15"}
    )
    assert response.status_code == 200
    assert "This quarter already exists." in html(response)
    q2.refresh_from_db()
    assert q2.quarter == 2


def test_ministry_saves_the_national_target_year(client_for, mrd, q3):
    client = client_for(mrd)
    response = client.post(reverse("reports:periods"), {"save_settings": "Save", "settings-target_year": "2030"})
    assert response.status_code == 302
    assert NationalSettings.current().target_year == 2030
    assert values(client.get(reverse("reports:periods")))["settings-target_year"] == "2030"


def test_national_target_year_out_of_range_is_refused(client_for, mrd, q3):
    response = client_for(mrd).post(
        reverse("reports:periods"), {"save_settings": "Save", "settings-target_year": "1999"}
    )
    assert response.status_code == 200
    assert NationalSettings.current().target_year != 1999


@pytest.mark.parametrize("persona", ["dso_a", "reviewer_p", "pa_p", "focal_a1"])
def test_only_the_ministry_manages_reporting_periods(persona, request, client_for, q3):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("reports:periods")).status_code == 403
    assert client.get(reverse("reports:period_edit", args=[q3.pk])).status_code == 403
    assert (
        client.post(
            reverse("reports:periods"), {"period-year": "2019", "period-quarter": "4", "period-deadline": "2020-01-15"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("reports:period_edit", args=[q3.pk]), {"year": "2019", "quarter": "3", "deadline": "2019-12-31"}
        ).status_code
        == 403
    )
    assert (
        client.post(reverse("reports:periods"), {"save_settings": "Save", "settings-target_year": "2030"}).status_code
        == 403
    )
    assert list(ReportingPeriod.objects.values_list("quarter", "deadline", "is_open")) == [
        (3, datetime.date(2019, 10, 15), True)
    ]
    assert NationalSettings.current().target_year != 2030
