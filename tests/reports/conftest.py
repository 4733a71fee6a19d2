"""Fixtures for the report tests: the 2019 Q2 (closed, filed) and Q3 (open) reporting periods, and more people."""

import pytest

from districts.models import Role
from drssd_portal.celery import app as celery_app
from tests.factories import (
    AssignmentFactory,
    CommuneFactory,
    DistrictReportFactory,
    ReportingPeriodFactory,
    UserFactory,
    VillageFactory,
)

# Last quarter's households per village of commune A1 (codes from the `world` fixture).
Q2_HOUSEHOLDS = {"05080101": 120, "05080102": 80}


@pytest.fixture
def q3(db):
    return ReportingPeriodFactory(year=2019, quarter=3)  # due 15 October


@pytest.fixture
def q2(db):
    return ReportingPeriodFactory(year=2019, quarter=2, is_open=False)  # due 15 July


@pytest.fixture
def q2_report(world, q2):
    """District A's approved Q2 report with commune A1's village figures, the source of Q3's pre-fill."""
    return DistrictReportFactory(
        district=world.district_a,
        period=q2,
        approved=True,
        villages={
            code: dict(
                total=total,
                own=total // 2,
                shared=0,
                unimproved=total // 4,
                idpoor_households=10,
                idpoor_improved=5,
                latrines_built=4,
                hh_handwashing=total // 2,
            )
            for code, total in Q2_HOUSEHOLDS.items()
        },
    )


@pytest.fixture
def dso_a2(world):
    """A second sanitation officer of district A, to save the same page as dso_a."""
    user = UserFactory(username="dso_a2", first_name="Sreymom", last_name="Keo")
    AssignmentFactory(user=user, role=Role.DSO, district=world.district_a)
    return user


@pytest.fixture
def reviewer_q(world):
    """A PDRD reviewer of province Q: district A's report is out of their reach."""
    user = UserFactory(username="reviewer_q")
    AssignmentFactory(user=user, role=Role.PDRD_REVIEWER, province=world.province_q)
    return user


@pytest.fixture
def big_commune(world):
    """A commune of district A whose village count a test chooses: big_commune(30)."""

    def make(villages, code="050899"):
        commune = CommuneFactory(district=world.district_a, code=code)
        for i in range(villages):
            VillageFactory(commune=commune, code=f"{code}{i + 1:02d}")
        return commune

    return make


@pytest.fixture(autouse=True)
def eager_celery(settings):
    """Run tasks in-process (a transition's rollup rebuild after commit), even when REDIS_URL is set.

    A test that wants a real broker switches back itself (tests/reports/rollups/helpers.use_broker); the
    previous setting is restored afterwards.
    """
    settings.CELERY_TASK_ALWAYS_EAGER = True
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before
