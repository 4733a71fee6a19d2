"""Helpers of the rollup tests (test_build, test_tasks, test_worker): the rows' content, brokers, PostgreSQL."""

import contextlib
import os

import pytest
from django.db import connection

from drssd_portal.celery import app as celery_app
from reports.rollups import build
from reports.rollups.models import DataState, Rollup

IN_CI = bool(os.environ.get("CI"))


@contextlib.contextmanager
def use_broker(url, *, eager=False):
    """Point the Celery app at another broker for a while, dropping pooled connections on the way in and out."""
    before = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = url, eager
    celery_app._after_fork()  # forgets the connection and producer pools, as a fresh process would
    try:
        yield
    finally:
        celery_app.conf.broker_url, celery_app.conf.task_always_eager = before
        celery_app._after_fork()


def snapshot():
    """Every rollup row's content, without the build time: what idempotence must leave unchanged."""
    fields = [
        "id",
        "level",
        "code",
        "period_id",
        "data_state",
        "province_id",
        "district_id",
        "commune_id",
        "carried_since",
        *Rollup.SUM_FIELDS,
    ]
    return sorted(Rollup.objects.values_list(*fields), key=lambda row: row[1:5])


def require_postgresql():
    if connection.vendor != "postgresql":
        if IN_CI:
            pytest.fail("CI must run the rollup concurrency tests on PostgreSQL (set DATABASE_URL).")
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")


BUILDERS = ["python", "sql"]


def use_builder(monkeypatch, name):
    """Rebuild by one path: "python" (build.py's reference path, on any database) or "sql" (sql.py's statements;
    PostgreSQL only: skipped on SQLite here, a failure in CI)."""
    if name == "sql":
        require_postgresql()
    monkeypatch.setattr(build, "ROWS_IN_SQL", name == "sql")
    return name


def row(level, code, period, state=DataState.APPROVED):
    """The rollup row of one unit, quarter and data state."""
    return Rollup.objects.get(level=level, code=code, period=period, data_state=state)
