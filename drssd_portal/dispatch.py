"""Queueing a Celery task once the caller's transaction has committed, without letting a dead broker
hold up the request.

Every stage that starts background work after a write (rollups after a transition, e-mails after a
review decision, a stored PDF after a request) goes through `enqueue_on_commit`, so a task never sees
uncommitted data and a broker that is down costs the request at most about a second: the write has
committed, the failure is logged, and each stage has its own way to catch up (stale rollup marks and
the periodic repair, the daily e-mail catch-up, a failed PDF row the user can ask for again).

A broker that failed is remembered as down for a while (drssd_portal/redis_outage.py, shared with the cache):
later requests skip it at once instead of each waiting its timeouts again (a Redis that accepts connections
and never answers would otherwise cost every request seconds). The catch-up paths cover what is skipped.
"""

import logging
from collections.abc import Callable

from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from drssd_portal import redis_outage

logger = logging.getLogger(__name__)

# Try briefly, then give up: the caller's catch-up path takes over.
DISPATCH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
BROKER_FAILURES = (OperationalError, RedisConnectionError, RedisTimeoutError, OSError)


def enqueue(task: Task, *args: object, catch_up: str, on_failure: Callable[[], object] | None = None) -> None:
    """Queue `task(*args)` now (or run it, when tasks are eager). Never raises: a failure is logged with
    `catch_up` (what will make up for it, for whoever reads the log) and `on_failure()` is called, if given."""
    if redis_outage.seems_down() and not _eager(task):
        logger.warning("Broker down a moment ago: %s%r not queued; %s.", task.name, args, catch_up)
        if on_failure is not None:
            on_failure()
        return
    try:
        task.apply_async(args, retry=True, retry_policy=DISPATCH_RETRY_POLICY)
    except Exception as error:
        if isinstance(error, BROKER_FAILURES):
            redis_outage.remember()
        logger.exception("Could not run or queue %s%r; %s.", task.name, args, catch_up)
        if on_failure is not None:
            on_failure()


def _eager(task: Task) -> bool:
    """Tasks run in-process (no broker at all): nothing to skip."""
    app = getattr(task, "app", None)
    return bool(app is not None and app.conf.task_always_eager)


def enqueue_on_commit(task: Task, *args: object, catch_up: str, on_failure: Callable[[], object] | None = None) -> None:
    """Queue `task(*args)` once the current transaction commits; nothing if it rolls back."""
    transaction.on_commit(lambda: enqueue(task, *args, catch_up=catch_up, on_failure=on_failure))
