"""Fixtures for the report tests: the 2019 Q2 (closed, filed) and Q3 (open) reporting periods."""

import datetime

import pytest

from districts.models import Role
from reports.models import DistrictReport, ReportingPeriod, ReportStatus, VillageQuarter
from tests.factories import AssignmentFactory, CommuneFactory, UserFactory, VillageFactory

# Last quarter's households per village of commune A1 (codes from the `world` fixture).
Q2_HOUSEHOLDS = {"05080101": 120, "05080102": 80}


@pytest.fixture
def q3(db):
    return ReportingPeriod.objects.create(year=2019, quarter=3, deadline=datetime.date(2019, 10, 15), is_open=True)


@pytest.fixture
def q2(db):
    return ReportingPeriod.objects.create(year=2019, quarter=2, deadline=datetime.date(2019, 7, 15), is_open=False)


@pytest.fixture
def q2_report(world, q2):
    """District A's approved Q2 report with commune A1's village figures, the source of Q3's pre-fill."""
    report = DistrictReport.objects.create(district=world.district_a, period=q2, status=ReportStatus.APPROVED)
    for village in world.commune_a1.villages.order_by("code"):
        total = Q2_HOUSEHOLDS[village.code]
        VillageQuarter.objects.create(
            report=report,
            village=village,
            households_total=total,
            hh_improved_own=total // 2,
            hh_improved_shared=0,
            hh_unimproved=total // 4,
            hh_open_defecation=total - total // 2 - total // 4,
            idpoor_households=10,
            idpoor_improved=5,
            latrines_built=4,
            hh_handwashing=total // 2,
            odf_status="triggered",
        )
    return report


@pytest.fixture
def dso_a2(world):
    """A second sanitation officer of district A, to save the same page as dso_a."""
    user = UserFactory(username="dso_a2", first_name="Sreymom", last_name="Keo")
    AssignmentFactory(user=user, role=Role.DSO, district=world.district_a)
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
def celery_runs_eagerly(settings):
    """Run tasks in-process (a transition's rollup rebuild after commit), even when REDIS_URL is set.

    A test that wants a real broker switches back itself (rollup_helpers.use_broker); the previous
    setting is restored afterwards.
    """
    from drssd_portal.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before
