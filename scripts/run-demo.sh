#!/usr/bin/env bash
# First run: set up, create the SQLite database, load the gazetteer and demo data, serve on :8000.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/python manage.py migrate -v0
.venv/bin/python manage.py load_demo
echo "Open http://127.0.0.1:8000 and log in as one of the demo users above."
FRIENDLY_ERROR_PAGES=${FRIENDLY_ERROR_PAGES:-true} exec .venv/bin/python manage.py runserver "${PORT:-127.0.0.1:8000}"
