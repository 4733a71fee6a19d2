"""The DHIS2 exchange page: the MRD downloads a quarter and replaces the mapping; nobody else reaches it."""

import json

import pytest
from django.urls import reverse

from reports.exchange import dhis2
from reports.exchange.models import Dhis2Mapping
from reports.rollups import build as rollup
from tests.factories import DistrictReportFactory

PAGES = ["reports:dhis2", "reports:dhis2_export", "reports:dhis2_mapping_csv", "reports:dhis2_schema"]


@pytest.fixture
def approved_q3(world, q3):
    dhis2.replace_mapping(dhis2.EXAMPLE_MAPPING.read_bytes())
    DistrictReportFactory(district=world.district_a, period=q3, filled=True, approved=True)
    rollup.rebuild_all()
    return q3


@pytest.mark.parametrize("persona", ["dso_a", "reviewer_p", "pa_p"])
@pytest.mark.parametrize("name", PAGES)
def test_only_the_ministry_reaches_the_exchange(client_for, request, approved_q3, persona, name):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse(name), {"quarter": "2019Q3", "state": "approved", "format": "adx"}).status_code == 403
    assert client.post(reverse(name), {"file": ""}).status_code == 403


def test_the_page_offers_the_latest_quarter_with_reports_and_lists_the_mapping(client_for, mrd, approved_q3, q2):
    page = client_for(mrd, "km").get(reverse("reports:dhis2")).content.decode()
    assert "ការផ្លាស់ប្តូរទិន្នន័យជាមួយ DHIS2" in page  # the page in Khmer
    assert '<option value="2019Q3" selected>' in page and "DRSSD_HOUSEHOLDS_TOTAL" in page
    assert 'id="dhis2-unmapped"' not in page  # the example maps every figure
    assert f'href="{reverse("reports:dhis2")}"' in page  # in the menu


def test_the_menu_offers_the_exchange_to_the_ministry_only(client_for, dso_a, reviewer_p, approved_q3):
    for persona in (dso_a, reviewer_p):
        assert reverse("reports:dhis2") not in client_for(persona).get(reverse("home")).content.decode()


def test_the_ministry_downloads_a_quarter_as_adx_and_as_json(client_for, mrd, approved_q3):
    client = client_for(mrd)
    url = reverse("reports:dhis2_export")
    adx = client.get(url, {"quarter": "2019Q3", "state": "approved", "format": "adx"})
    assert adx.status_code == 200 and adx["Content-Type"] == "application/adx+xml"
    assert 'filename="drssd-2019Q3-approved.adx.xml"' in adx["Content-Disposition"]
    assert dhis2.validate_adx(adx.content, dhis2.Mapping.current()) == []
    data = client.get(url, {"quarter": "2019Q3", "state": "provisional", "format": "json"})
    assert json.loads(data.content)["dataSet"] == "DRSSD_QTR"


def test_a_download_without_a_mapping_says_why_on_the_page(client_for, mrd, approved_q3):
    Dhis2Mapping.objects.all().delete()
    client = client_for(mrd)
    response = client.get(reverse("reports:dhis2_export"), {"quarter": "2019Q3", "state": "approved", "format": "adx"})
    assert response.status_code == 302
    assert "no data set" in client.get(response["Location"]).content.decode()


def test_the_ministry_replaces_the_mapping_and_a_wrong_file_changes_nothing(client_for, mrd, approved_q3, tmp_path):
    client = client_for(mrd)
    good = tmp_path / "mapping.csv"
    good.write_text(
        "kind,key,identifier,category_option_combo\ndata_set,data_set,SAN_QTR,\nfigure,latrines_built,L1,\n"
    )
    with good.open("rb") as handle:
        response = client.post(reverse("reports:dhis2"), {"file": handle})
    assert response.status_code == 302 and dhis2.Mapping.current().data_set == "SAN_QTR"
    assert Dhis2Mapping.objects.get(kind="figure").updated_by == mrd
    bad = tmp_path / "bad.csv"
    bad.write_text("kind,key,identifier,category_option_combo\ndata_set,data_set,X,\nfigure,latrines_built,L 1,\n")
    with bad.open("rb") as handle:
        page = client.post(reverse("reports:dhis2"), {"file": handle}).content.decode()
    assert "line 3" in page and "not changed" in page
    assert client.get(reverse("reports:dhis2_mapping_csv")).content.decode().count("\n") == 3  # as uploaded


def test_the_example_mapping_and_the_schema_download(client_for, mrd, approved_q3):
    client = client_for(mrd)
    example = client.get(reverse("reports:dhis2_mapping_csv"), {"example": "1"}).content.decode()
    assert example.startswith("kind,key,identifier,category_option_combo") and "DRSSD_QTR" in example
    schema = client.get(reverse("reports:dhis2_schema")).content.decode()
    assert "urn:ihe:qrph:adx:2015" in schema and "DRSSD_HOUSEHOLDS_TOTAL" in schema
