#!/usr/bin/env bash
# The fault runs by hand (tests/test_faults.py; CI runs them with the rest of the suite): gunicorn, a Celery
# worker, a PostgreSQL cluster and a Redis of their own, while Redis is killed mid-submission, the worker
# mid-rollup and PostgreSQL restarted mid-save. Needs PostgreSQL's server binaries and redis-server (run as
# root, initdb goes through runuser -u postgres). FAULT_RUNS_KEEP=1 keeps the processes' logs; extra arguments
# go to pytest, e.g. scripts/faults.sh -k frozen
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_ALLOW_ASYNC_UNSAFE=true
exec .venv/bin/python -m pytest -p no:randomly -m slow tests/test_faults.py -s "$@"
