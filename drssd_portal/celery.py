"""The Celery app. Configured from the CELERY_* block of settings.py.

With REDIS_URL set it talks to Redis; without it (the embedded default) tasks run
eagerly in the calling process, so a first run needs no broker.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "drssd_portal.settings")

app = Celery("drssd_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each stage of reports/ that runs work in the background owns a tasks.py.
app.autodiscover_tasks(["reports.review", "reports.rollups", "reports.documents"])
