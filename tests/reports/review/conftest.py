"""The report the review tests start from."""

import pytest

from districts.models import Role
from tests.factories import AssignmentFactory, DistrictReportFactory, UserFactory


@pytest.fixture
def report(world, q3, dso_a):
    """District A's complete 2019 Q3 report, still a draft, filled in by dso_a."""
    return DistrictReportFactory(district=world.district_a, period=q3, complete=True, by=dso_a)


@pytest.fixture
def dso_c(world):
    user = UserFactory(username="dso_c")
    AssignmentFactory(user=user, role=Role.DSO, district=world.district_c)
    return user
