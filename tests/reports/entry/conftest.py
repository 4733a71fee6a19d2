"""Fixtures of the data-entry page tests: commune A1's page and the district section, saved once."""

import pytest

from reports.models import DistrictReport
from tests.reports.entry.helpers import a1_report, commune_url, section_url
from tests.reports.pages import TRAINING, commune_post, district_post, good_village


@pytest.fixture
def a1_saved(client_for, dso_a, world, q3):
    """Commune A1's page saved once by dso_a: two villages (100 and 60 households) and its activities."""
    client = client_for(dso_a)
    response = client.post(commune_url(), commune_post([good_village(100), good_village(60)]))
    assert response.status_code == 302
    client.logout()
    return a1_report(world, q3)


@pytest.fixture
def section_saved(client_for, dso_a, world, q3):
    client = client_for(dso_a)
    response = client.post(section_url(), district_post(trainings=[TRAINING]))
    assert response.status_code == 302
    client.logout()
    return DistrictReport.objects.get(district=world.district_a, period=q3)
