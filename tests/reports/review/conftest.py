"""The report the review tests start from."""

import pytest

from tests.factories import DistrictReportFactory


@pytest.fixture
def report(world, q3, dso_a):
    """District A's complete 2019 Q3 report, still a draft, filled in by dso_a."""
    return DistrictReportFactory(district=world.district_a, period=q3, complete=True, by=dso_a)
