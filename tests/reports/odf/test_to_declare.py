"""From the quarterly report to a claim: the villages a DSO's reports show as ODF, not yet declared for verification
(reports/odf/to_declare.py and its page)."""

import datetime

import pytest
from django.urls import reverse

from reports.models import OdfStatus, VillageQuarter
from reports.odf.to_declare import villages_to_declare
from tests.factories import DistrictReportFactory
from tests.reports.odf.conftest import TODAY
from tests.reports.pages import html

PAGE = reverse("reports:odf_to_declare")


@pytest.fixture
def reported(world, q3, dso_a):
    """District A's Q3 2019 report: village 05080101 declared ODF on 12 September 2019, 05080102 verified, the
    others not ODF."""
    report = DistrictReportFactory(district=world.district_a, period=q3, filled=True, by=dso_a)
    rows = VillageQuarter.objects.filter(report=report)
    rows.filter(village__code="05080101").update(
        odf_status=OdfStatus.DECLARED, odf_status_date=datetime.date(2019, 9, 12), hh_open_defecation=0
    )
    rows.filter(village__code="05080102").update(odf_status=OdfStatus.VERIFIED, odf_status_date=None)
    return report


def codes(items):
    return [item.village.code for item in items]


def test_the_villages_the_report_shows_as_odf_are_listed_until_declared_or_certified(
    world, reported, village, walk, dso_a, focal_a1
):
    assert codes(villages_to_declare(dso_a)) == ["05080101", "05080102"]
    assert codes(villages_to_declare(focal_a1)) == ["05080101", "05080102"]  # both in commune A1

    walk.claimed(village)
    assert codes(villages_to_declare(dso_a)) == ["05080102"]
    walk.certified(village.commune.villages.get(code="05080102"))
    assert villages_to_declare(dso_a) == []


def test_only_the_latest_report_counts(world, reported, q3, dso_a):
    later = DistrictReportFactory(district=world.district_a, period=q3.__class__.objects.create(year=2019, quarter=4,
                                  deadline=datetime.date(2020, 1, 15)), filled=True, by=dso_a)  # fmt: skip
    VillageQuarter.objects.filter(report=later, village__code="05080102").update(odf_status=OdfStatus.TRIGGERED)
    assert codes(villages_to_declare(dso_a)) == []  # the Q4 rows (not ODF) are the latest


def test_the_page_links_each_village_to_its_declaration_form_with_the_reports_date(client_for, reported, dso_a):
    page = html(client_for(dso_a).get(PAGE))
    link = reverse("reports:odf_village", args=["05080101"]) + "?declared_on=2019-09-12#odf-claim-form"
    assert link in page and "Declared ODF" in page and "05080102" in page

    form = html(client_for(dso_a).get(reverse("reports:odf_village", args=["05080101"]) + "?declared_on=2019-09-12"))
    assert 'name="declared_on_year"' in form and '<option value="2019" selected>' in form


def test_a_date_in_the_future_or_not_a_date_is_not_taken(client_for, village, dso_a):
    for given in [(TODAY() + datetime.timedelta(days=3)).isoformat(), "<script>", "2019-02-30"]:
        page = html(client_for(dso_a).get(reverse("reports:odf_village", args=[village.code]), {"declared_on": given}))
        assert f'<option value="{TODAY().year}" selected>' in page and "<script>" not in page


def test_another_districts_villages_are_not_listed(world, reported, client_for, dso_b):
    assert villages_to_declare(dso_b) == []
    assert "05080101" not in html(client_for(dso_b).get(PAGE))


@pytest.mark.parametrize("persona", ["reviewer_p", "pa_p", "mrd"])
def test_those_who_do_not_declare_are_refused(client_for, request, persona):
    assert client_for(request.getfixturevalue(persona)).get(PAGE).status_code == 403


def test_the_page_and_its_link_are_in_khmer(client_for, reported, dso_a):
    client = client_for(dso_a, "km")
    page = html(client.get(PAGE))
    assert "ភូមិដែលត្រូវប្រកាស ODF" in page and "ក្នុងរបាយការណ៍ត្រីមាសទី3 ឆ្នាំ2019" in page
    assert PAGE in html(client.get(reverse("home")))
