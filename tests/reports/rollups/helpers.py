"""Helpers and fixtures shared by the rollup tests (test_rollup, test_tasks, test_rollup_worker)."""

import contextlib
import datetime
import os
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from drssd_portal.celery import app as celery_app
from reports.models import (
    CommuneQuarter,
    DistrictReport,
    OdfStatus,
    ReportingPeriod,
    ReportStatus,
    Training,
    VillageQuarter,
)
from reports.rollups.models import Rollup

IN_CI = bool(os.environ.get("CI"))


@pytest.fixture
def eager_celery(settings):
    """Run tasks in-process even when REDIS_URL is set: these tests are not about the broker."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


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


def make_period(year=2024, quarter=1, **fields):
    from reports import quarters

    fields.setdefault("deadline", quarters.default_deadline(year, quarter))
    return ReportingPeriod.objects.get_or_create(year=year, quarter=quarter, defaults=fields)[0]


def on_day(day, hour=10):
    """An aware datetime on `day` in the portal's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def village_figures(total=100, own=40, shared=10, unimproved=30, odf_status=OdfStatus.TRIGGERED, **extra):
    figures = dict(
        households_total=total,
        hh_improved_own=own,
        hh_improved_shared=shared,
        hh_unimproved=unimproved,
        hh_open_defecation=total - own - shared - unimproved,
        idpoor_households=total // 5,
        idpoor_improved=total // 10,
        latrines_built=3,
        hh_handwashing=own,
        odf_status=odf_status,
    )
    figures.update(extra)
    return figures


def make_report(
    district,
    period,
    status=ReportStatus.APPROVED,
    *,
    figures=None,
    activities=None,
    trainings=(),
    on_time=True,
    **fields,
):
    """A district report with a village row for each active village of the district.

    `figures`: {village code: dict} or a function(village) -> dict of VillageQuarter fields
    (default village_figures()). `activities`: commune activity fields for every commune.
    """
    if status in (ReportStatus.SUBMITTED, ReportStatus.APPROVED, ReportStatus.RETURNED):
        day = period.deadline if on_time else period.deadline + datetime.timedelta(days=3)
        fields.setdefault("submitted_at", on_day(day, hour=23))
    fields.setdefault("ft_received", Decimal("175.00"))
    fields.setdefault("spent_triggering", Decimal("40.00"))
    fields.setdefault("spent_training", Decimal("20.50"))
    report = DistrictReport.objects.create(district=district, period=period, status=status, **fields)
    rows = []
    for commune in district.communes.order_by("code").prefetch_related("villages"):
        for village in commune.villages.all():
            values = (
                village_figures()
                if figures is None
                else (figures(village) if callable(figures) else figures.get(village.code))
            )
            if values is not None:
                rows.append(VillageQuarter(report=report, village=village, **values))
        CommuneQuarter.objects.create(
            report=report,
            commune=commune,
            **(
                activities
                or dict(
                    triggering_events=2,
                    triggering_women=20,
                    triggering_men=15,
                    bcc_sessions=1,
                    bcc_women=8,
                    bcc_men=4,
                    cwg_meetings=1,
                    commune_budget=Decimal("120.00"),
                )
            ),
        )
    VillageQuarter.objects.bulk_create(rows)
    for training in trainings:
        Training.objects.create(report=report, **training)
    return report


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
        *Rollup.SUM_FIELDS,
    ]
    return sorted(Rollup.objects.values_list(*fields), key=lambda row: row[1:5])


def require_postgresql():
    if connection.vendor != "postgresql":
        if IN_CI:
            pytest.fail("CI must run the rollup concurrency tests on PostgreSQL (set DATABASE_URL).")
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")
