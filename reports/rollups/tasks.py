"""Celery entry points of the rollups: thin wrappers that take ids and call reports.rollups.build.

Arguments and results are JSON (CELERY_TASK_SERIALIZER). Every task is idempotent, so a retry, a
redelivered message or a duplicate from the periodic repair does no harm.
"""

from celery import shared_task
from django.db import OperationalError

from reports.rollups import build

# Retried with exponential backoff when the database is unreachable or a deadlock victim (both
# OperationalError); acknowledged only after running, so a message whose worker died mid-run is
# delivered again (by Redis, after its visibility timeout). A task that fails for good leaves its
# stale mark for the periodic repair.
ROLLUP_TASK_OPTIONS = {
    "acks_late": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(**ROLLUP_TASK_OPTIONS, soft_time_limit=120, time_limit=180)
def rebuild_district_quarter(district_id, period_id):
    """Rebuild one district-quarter's rollups and its province's and the nation's (see build.py)."""
    return {"rows": build.rebuild_district_quarter(district_id, period_id)}


@shared_task(**ROLLUP_TASK_OPTIONS, soft_time_limit=20 * 60, time_limit=25 * 60)
def repair_stale_rollups():
    """Rebuild every rollup marked stale, e.g. those whose task was lost while Redis was down (beat)."""
    return build.repair_stale()
