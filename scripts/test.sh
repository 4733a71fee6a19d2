#!/usr/bin/env bash
# Set up (virtual environment, test packages, Chromium, fonts) and run the whole test suite.
# Uses PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set (CI sets both), else SQLite.
# Extra arguments go to pytest, e.g. scripts/test.sh tests/districts -x, or the quick loop without the slow
# tests (PDFs, demo load, browser, subprocesses): scripts/test.sh -m "not slow"
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
export DJANGO_ALLOW_ASYNC_UNSAFE=true
exec .venv/bin/python -m pytest "$@"
