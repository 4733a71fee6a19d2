"""Queueing a Celery task once the caller's transaction has committed, without letting a dead broker
hold up the request.

Every stage that starts background work after a write (rollups after a transition, e-mails after a
review decision, a stored PDF after a request) goes through `enqueue_on_commit`, so a task never sees
uncommitted data and a broker that is down costs the request at most about a second: the write has
committed, the failure is logged, and each stage has its own way to catch up (stale rollup marks and
the periodic repair, the daily e-mail catch-up, a failed PDF row the user can ask for again).
"""

import logging
from collections.abc import Callable

from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)

# Try briefly, then give up: the caller's catch-up path takes over.
DISPATCH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def enqueue(task: Task, *args: object, catch_up: str, on_failure: Callable[[], object] | None = None) -> None:
    """Queue `task(*args)` now (or run it, when tasks are eager). Never raises: a failure is logged with
    `catch_up` (what will make up for it, for whoever reads the log) and `on_failure()` is called, if given."""
    try:
        task.apply_async(args, retry=True, retry_policy=DISPATCH_RETRY_POLICY)
    except Exception:
        logger.exception("Could not run or queue %s%r; %s.", task.name, args, catch_up)
        if on_failure is not None:
            on_failure()


def enqueue_on_commit(task: Task, *args: object, catch_up: str, on_failure: Callable[[], object] | None = None) -> None:
    """Queue `task(*args)` once the current transaction commits; nothing if it rolls back."""
    transaction.on_commit(lambda: enqueue(task, *args, catch_up=catch_up, on_failure=on_failure))
