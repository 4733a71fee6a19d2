#!/usr/bin/env bash
# Style and types, as CI checks them: ruff (format and lint) over the whole tree, mypy over the service and
# read modules listed in pyproject.toml. Exits non-zero on any finding. Needs `scripts/setup.sh --test` first.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff format --check .
.venv/bin/ruff check .
.venv/bin/mypy
