"""Rollup tasks: configuration, JSON messages, idempotence (also two workers at once), dispatch on
commit only, and a report change that survives a broker outage and is repaired afterwards.
"""

import logging
import threading

import pytest
from django.conf import settings as django_settings
from django.db import OperationalError, connection, transaction
from kombu.exceptions import EncodeError

from drssd_portal.celery import app as celery_app
from reports.models import DistrictReport, ReportStatus
from reports.rollups import build as rollup
from reports.rollups import scheduling, tasks
from reports.rollups.models import NATIONAL_CODE, DataState, Rollup, RollupLevel, StaleRollup
from tests.factories import DistrictReportFactory, ReportingPeriodFactory
from tests.reports.rollups.helpers import require_postgresql, snapshot, use_broker

CLOSED_PORT_BROKER = "redis://127.0.0.1:6390/0"  # nothing listens there: the broker is "down"
ROLLUP_TASKS = [tasks.rebuild_district_quarter, tasks.repair_stale_rollups]


def national(period, state=DataState.PROVISIONAL):
    return Rollup.objects.get(level=RollupLevel.NATIONAL, code=NATIONAL_CODE, period=period, data_state=state)


def submit(report):
    """What the workflow's submit does to the rollups: change state and schedule, in one transaction."""
    with transaction.atomic():
        report.status = ReportStatus.SUBMITTED
        report.save()
        scheduling.schedule_rebuild(report=report)


@pytest.fixture
def quarter(world):
    """A quarter already rolled up, with district A's draft and district B's and C's approved reports."""
    period = ReportingPeriodFactory()
    draft = DistrictReportFactory(district=world.district_a, period=period, filled=True)
    DistrictReportFactory(district=world.district_b, period=period, filled=True, approved=True)
    DistrictReportFactory(district=world.district_c, period=period, filled=True, approved=True)
    rollup.rebuild_period(period.pk)
    return period, draft


@pytest.fixture
def dispatched(monkeypatch):
    """Record the rollup tasks queued instead of running them."""
    calls = []
    monkeypatch.setattr(
        tasks.rebuild_district_quarter, "apply_async", lambda args, **options: calls.append(tuple(args))
    )
    return calls


# --- Configuration ----------------------------------------------------------------------------------


@pytest.mark.parametrize("task", ROLLUP_TASKS, ids=lambda t: t.name)
def test_rollup_tasks_retry_with_backoff_and_have_time_limits(task):
    assert task.acks_late is True
    assert OperationalError in task.autoretry_for
    assert task.retry_backoff and task.max_retries == 5
    assert 0 < task.soft_time_limit < task.time_limit


def test_repair_runs_every_15_minutes_from_beat():
    entry = django_settings.CELERY_BEAT_SCHEDULE["every-15-min-repair-stale-rollups"]
    assert entry["task"] == tasks.repair_stale_rollups.name
    assert entry["task"] in celery_app.tasks
    assert entry["schedule"].total_seconds() == 15 * 60


def test_tasks_serialise_with_json_only(world, django_capture_on_commit_callbacks):
    assert celery_app.conf.task_serializer == "json" and celery_app.conf.result_serializer == "json"
    assert celery_app.conf.accept_content == ["json"]
    assert all(task.serializer == "json" for task in ROLLUP_TASKS)
    period = ReportingPeriodFactory()
    report = DistrictReportFactory(district=world.district_a, period=period, filled=True)
    # A real message through an in-memory broker: the submit queues JSON holding two ids.
    with use_broker("memory://"):
        with celery_app.connection_for_read() as conn:
            conn.SimpleQueue(celery_app.conf.task_default_queue).clear()
        with django_capture_on_commit_callbacks(execute=True):
            submit(report)
        with celery_app.connection_for_read() as conn:
            message = conn.SimpleQueue(celery_app.conf.task_default_queue).get(timeout=2)
        assert message.content_type == "application/json"
        assert message.headers["task"] == tasks.rebuild_district_quarter.name
        assert message.decode()[0] == [world.district_a.pk, period.pk]
        message.ack()
        with pytest.raises(EncodeError):  # a model instance is not JSON: refused at the sender
            tasks.rebuild_district_quarter.delay(report, period.pk)


# --- Idempotence --------------------------------------------------------------------------------------


def test_rebuild_task_run_once_or_twice_leaves_identical_rows(quarter, world):
    period, draft = quarter
    draft.status = ReportStatus.APPROVED
    draft.save()
    tasks.rebuild_district_quarter.apply(args=(world.district_a.pk, period.pk)).get()
    once = snapshot()
    tasks.rebuild_district_quarter.apply(args=(world.district_a.pk, period.pk)).get()
    assert snapshot() == once
    assert national(period, DataState.APPROVED).reports_included == 3


def test_repair_task_run_once_or_twice_leaves_identical_rows(quarter, world):
    period, draft = quarter
    draft.status = ReportStatus.SUBMITTED
    draft.save()
    scheduling.mark_stale(report=draft)
    assert tasks.repair_stale_rollups.apply().get() == {"rebuilt": 1, "failed": 0}
    once = snapshot()
    assert tasks.repair_stale_rollups.apply().get() == {"rebuilt": 0, "failed": 0}
    assert snapshot() == once
    assert national(period).reports_included == 3


def run_at_once(*jobs):
    """Run each (function, args) in its own thread and database connection, released together."""
    barrier, errors = threading.Barrier(len(jobs)), []

    def work(function, args):
        try:
            barrier.wait()
            function(*args)
        except Exception as error:  # reported in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors


def test_two_workers_running_the_same_tasks_at_once_leave_identical_rows(transactional_db, quarter, world):
    require_postgresql()
    period, draft = quarter
    draft.status = ReportStatus.SUBMITTED
    draft.save()
    rollup.rebuild_district_quarter(world.district_a.pk, period.pk)
    sequential = snapshot()
    rebuild = tasks.rebuild_district_quarter.apply
    for _round in range(3):
        run_at_once(
            (lambda: rebuild(args=(world.district_a.pk, period.pk)).get(), ()),
            (lambda: rebuild(args=(world.district_a.pk, period.pk)).get(), ()),
        )
        assert snapshot() == sequential
        run_at_once(
            (lambda: tasks.repair_stale_rollups.apply().get(), ()),
            (rollup.rebuild_period, (period.pk,)),
            (lambda: rebuild(args=(world.district_c.pk, period.pk)).get(), ()),
        )
        assert snapshot() == sequential


def test_two_districts_of_one_province_rebuilt_at_once_both_reach_the_province_row(transactional_db, quarter, world):
    require_postgresql()
    period, draft = quarter
    b_report = DistrictReport.objects.get(district=world.district_b, period=period)
    for round_number in range(4):
        # Both districts' reports change; their rebuilds race for the province and national rows.
        draft.status = ReportStatus.APPROVED if round_number % 2 == 0 else ReportStatus.DRAFT
        b_report.status = ReportStatus.SUBMITTED if round_number % 2 == 0 else ReportStatus.APPROVED
        draft.save()
        b_report.save()
        run_at_once(
            (rollup.rebuild_district_quarter, (world.district_a.pk, period.pk)),
            (rollup.rebuild_district_quarter, (world.district_b.pk, period.pk)),
        )
        raced = snapshot()
        rollup.rebuild_period(period.pk)
        assert raced == snapshot()


# --- Dispatch on commit -----------------------------------------------------------------------------


def test_a_transaction_that_rolls_back_dispatches_nothing(transactional_db, quarter, dispatched):
    period, draft = quarter
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            draft.status = ReportStatus.SUBMITTED
            draft.save()
            scheduling.schedule_rebuild(report=draft)
            raise RuntimeError("the submit failed after scheduling")
    assert dispatched == []
    assert not StaleRollup.objects.exists()
    draft.refresh_from_db()
    assert draft.status == ReportStatus.DRAFT


def test_a_transaction_that_commits_dispatches_once(transactional_db, quarter, dispatched, world):
    period, draft = quarter
    with transaction.atomic():
        draft.status = ReportStatus.SUBMITTED
        draft.save()
        scheduling.schedule_rebuild(report=draft)
        assert dispatched == []  # not before the commit
    assert dispatched == [(world.district_a.pk, period.pk)]
    assert StaleRollup.objects.filter(district=world.district_a, period=period).exists()


# --- Broker outage ------------------------------------------------------------------------------------


def test_submission_succeeds_while_the_broker_is_down_and_the_repair_catches_up(
    transactional_db, quarter, world, caplog
):
    period, draft = quarter
    before = national(period).households_total
    with use_broker(CLOSED_PORT_BROKER), caplog.at_level(logging.ERROR, logger="drssd_portal.dispatch"):
        submit(draft)  # no exception escapes: the DSO's submission goes through
    draft.refresh_from_db()
    assert draft.status == ReportStatus.SUBMITTED  # nothing lost
    assert StaleRollup.objects.filter(district=world.district_a, period=period).exists()
    assert national(period).households_total == before  # the rollup waits for the repair
    assert "periodic repair" in caplog.text

    # The broker is back; the beat's repair task brings every rollup up to date.
    assert tasks.repair_stale_rollups.apply().get() == {"rebuilt": 1, "failed": 0}
    assert national(period).households_total == before + 400
    assert national(period, DataState.APPROVED).households_total == before
    assert not StaleRollup.objects.exists()
