"""End to end: a real Celery worker process, Redis as the broker, the test database on PostgreSQL.

A submission commits, its rollup task goes through Redis to the worker, and the district, province
and national rows change. Then the broker "goes down" for a submission, and after it comes back the
repair task, run by the worker, catches up. In CI (CI set) these tests must run: without Redis or
PostgreSQL they fail. Elsewhere they skip unless REDIS_URL is set.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection, transaction
from django.utils import timezone

from drssd_portal.celery import app as celery_app
from reports.models import DistrictReport, ReportStatus
from reports.rollups import build as rollup
from reports.rollups import scheduling, tasks
from reports.rollups.models import NATIONAL_CODE, DataState, Rollup, RollupLevel, StaleRollup
from tests.factories import DistrictReportFactory, ReportingPeriodFactory
from tests.reports.rollups.helpers import IN_CI, use_broker

PROJECT_ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = os.environ.get("REDIS_URL", "")
CLOSED_PORT_BROKER = "redis://127.0.0.1:6390/0"
WAIT_SECONDS = 60

pytestmark = pytest.mark.slow  # a worker process


def require_services():
    missing = [
        problem
        for problem, absent in (
            ("REDIS_URL is not set", not REDIS_URL),
            ("the tests do not run on PostgreSQL (set DATABASE_URL)", connection.vendor != "postgresql"),
        )
        if absent
    ]
    if missing:
        message = "The real-worker rollup test needs Redis and PostgreSQL: " + "; ".join(missing)
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def database_url(settings_dict):
    """A DATABASE_URL for the test database pytest-django created, for the worker process."""
    user = quote(settings_dict["USER"] or "")
    password = f":{quote(settings_dict['PASSWORD'])}" if settings_dict["PASSWORD"] else ""
    host = settings_dict["HOST"] or "127.0.0.1"
    port = f":{settings_dict['PORT']}" if settings_dict["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{settings_dict['NAME']}"


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker, tmp_path_factory):
    """A `celery worker` subprocess consuming a queue of its own, on the test database; stopped afterwards."""
    with django_db_blocker.unblock():
        require_services()
        url = database_url(connection.settings_dict)
    queue = f"rollup-e2e-{uuid.uuid4().hex[:8]}"
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": REDIS_URL, "CELERY_TASK_ALWAYS_EAGER": "false"}
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "drssd_portal",
                "worker",
                "--pool=solo",
                "-Q",
                queue,
                "-n",
                f"{queue}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "INFO",
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    # Our rollup tasks go to the worker's own queue, so no stray message from another run interferes.
    celery_app.conf.update(task_routes={"reports.rollups.tasks.*": {"queue": queue}})
    try:
        yield process, log_path
    finally:
        celery_app.conf.update(task_routes=None)
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for(condition, worker, what):
    process, log_path = worker
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        assert process.poll() is None, f"the worker died:\n{log_path.read_text()[-3000:]}"
        time.sleep(0.2)
    pytest.fail(f"waited {WAIT_SECONDS} s for {what}; worker log:\n{log_path.read_text()[-3000:]}")


def rows(period, level, code):
    return {row.data_state: row for row in Rollup.objects.filter(period=period, level=level, code=code)}


@pytest.fixture
def quarter(transactional_db, world):
    """A rolled-up quarter: district A's draft, B's and C's approved reports (400 households each)."""
    period = ReportingPeriodFactory()
    draft = DistrictReportFactory(district=world.district_a, period=period, filled=True)
    DistrictReportFactory(district=world.district_b, period=period, filled=True, approved=True)
    DistrictReportFactory(district=world.district_c, period=period, filled=True, approved=True)
    rollup.rebuild_period(period.pk)
    return period, draft


def submit(report):
    with transaction.atomic():
        report.status = ReportStatus.SUBMITTED
        report.save()
        scheduling.schedule_rebuild(report=report)


def test_worker_rebuilds_district_province_and_nation_after_a_submission(worker, quarter, world):
    period, draft = quarter
    submitted = timezone.now()
    with use_broker(REDIS_URL):
        submit(draft)
    wait_for(
        lambda: rows(period, RollupLevel.NATIONAL, NATIONAL_CODE)[DataState.PROVISIONAL].reports_included == 3,
        worker,
        "the worker's rollup",
    )
    district = rows(period, RollupLevel.DISTRICT, world.district_a.code)
    province = rows(period, RollupLevel.PROVINCE, world.province_p.code)
    nation = rows(period, RollupLevel.NATIONAL, NATIONAL_CODE)
    assert (district[DataState.PROVISIONAL].households_total, district[DataState.APPROVED].households_total) == (400, 0)
    assert district[DataState.PROVISIONAL].reports_submitted == 1
    assert (province[DataState.PROVISIONAL].households_total, province[DataState.APPROVED].households_total) == (
        800,
        400,
    )
    assert (nation[DataState.PROVISIONAL].households_total, nation[DataState.APPROVED].households_total) == (1200, 800)
    assert all(row.built_at >= submitted for row in (*district.values(), *province.values(), *nation.values()))
    wait_for(lambda: not StaleRollup.objects.exists(), worker, "the stale mark to be cleared")


def test_after_a_broker_outage_the_worker_repair_catches_up(worker, quarter, world):
    period, draft = quarter
    with use_broker(CLOSED_PORT_BROKER):
        submit(draft)  # Redis is "down": the submission still commits and the rollup is marked stale
    assert DistrictReport.objects.get(pk=draft.pk).status == ReportStatus.SUBMITTED
    assert StaleRollup.objects.filter(district=world.district_a, period=period).exists()
    assert rows(period, RollupLevel.NATIONAL, NATIONAL_CODE)[DataState.PROVISIONAL].households_total == 800
    with use_broker(REDIS_URL):  # the broker is back: the beat's next repair run goes to the worker
        tasks.repair_stale_rollups.delay()
    wait_for(lambda: not StaleRollup.objects.exists(), worker, "the repair task")
    assert rows(period, RollupLevel.NATIONAL, NATIONAL_CODE)[DataState.PROVISIONAL].households_total == 1200
    assert rows(period, RollupLevel.PROVINCE, world.province_p.code)[DataState.PROVISIONAL].households_total == 800
