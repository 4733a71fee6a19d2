#!/usr/bin/env bash
# Set up everything the portal needs on this machine: Debian packages (when run as root with
# apt-get), a virtual environment in .venv with the locked Python packages, compiled translations.
#   scripts/setup.sh          runtime only (requirements.txt)
#   scripts/setup.sh --test   runtime, test and dev packages (requirements-test.txt; Chromium, fonts, poppler, pytest, ruff, mypy...)
set -euo pipefail
cd "$(dirname "$0")/.."

with_tests=false
[ "${1:-}" = "--test" ] && with_tests=true

# Khmer fonts for pages and PDFs, gettext for compiling translations; Pango and HarfBuzz for WeasyPrint (PDFs).
# Tests only: Chromium for the browser tests, poppler to read the PDFs back.
system_packages=(fonts-noto-core fonts-khmeros gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)
$with_tests && system_packages+=(chromium poppler-utils)
# pg_dump, pg_restore and psql for the backup test (the PostgreSQL server's own package may already bring them).
$with_tests && ! command -v pg_dump >/dev/null && system_packages+=(postgresql-client)

missing=()
for package in "${system_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Missing Debian packages: ${missing[*]}" >&2
    echo "Install them as root: apt-get install -y ${missing[*]}" >&2
    $with_tests && exit 1
  fi
fi

python="${PYTHON:-}"
if [ -z "$python" ]; then
  for candidate in python3.11 python3; do
    command -v "$candidate" >/dev/null && python="$candidate" && break
  done
fi
"$python" -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required"' || {
  echo "Python 3.11 is required (set PYTHON=/path/to/python3.11)." >&2; exit 1; }

[ -x .venv/bin/python ] || "$python" -m venv .venv
# Install from the lock files: every transitive dependency pinned, with hashes (pip refuses anything
# else in --require-hashes mode). requirements-test.txt is the full lock of runtime + test + dev tools,
# so --test installs it alone. The .in files hold the direct dependencies; see the locks' headers.
lock=requirements.txt
$with_tests && lock=requirements-test.txt
.venv/bin/python -m pip install -q --disable-pip-version-check --require-hashes -r "$lock"

# The compiled .mo files are committed; recompile when gettext is there so they never go stale.
if command -v msgfmt >/dev/null; then
  .venv/bin/python manage.py compilemessages -v0 --ignore=.venv
fi
