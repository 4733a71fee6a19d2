"""gunicorn's settings, read from the working directory by the production image (Dockerfile), the load test
(scripts/loadtest.sh) and the fault runs. Chosen from the quarter-end load test on a 2-core machine (README,
"Benchmarks"): a process per core and one more, each with many threads, so that a request waiting (for a
password hash on the low-priority pool, for PostgreSQL, for Redis) does not hold a whole process. Command-line
options override these.
"""

import os

# One process more than cores: on 2 cores, 3 x 64 met the load targets and kept pages quick during the login
# burst, where 2 x 16, 2 x 40, 2 x 64 and 3 x 32 did not (README, "Benchmarks").
workers = int(os.environ.get("WEB_WORKERS", (os.cpu_count() or 2) + 1))
worker_class = "gthread"
# Many threads: during a login burst most of them only wait for a password hash (drssd_portal/passwords.py).
threads = int(os.environ.get("WEB_THREADS", "64"))
# The web processes share a pool of PostgreSQL connections among their threads (settings.py, "Database"): a thread
# holds one only while it serves a request. Per process; PostgreSQL sees WEB_WORKERS x this.
os.environ.setdefault("DB_POOL_MAX_SIZE", "8")
timeout = int(os.environ.get("WEB_TIMEOUT", "120"))
# A worker restarts after this many requests (plus a random share, so they do not restart together): a slow leak
# in a long-lived process cannot grow for ever.
max_requests = 5000
max_requests_jitter = 500


def post_worker_init(worker):
    """Each web process warms the PDF renderer as it starts (reports/documents/renderer.py: warm_up), in the
    background: the worker serves requests at once, and the first district report it renders is not a cold one."""
    import threading

    from reports.documents.renderer import warm_up

    threading.Thread(target=warm_up, name="pdf-warm-up", daemon=True).start()
