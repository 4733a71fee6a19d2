#!/usr/bin/env bash
# The quarter-end load test (README, "Benchmarks"): 200 DSOs saving commune pages and submitting in the last hours
# before the deadline, 25 PDRD reviewers reading and approving, 10 dashboard viewers, against the production shape
# (gunicorn with DEBUG=false, PostgreSQL, Redis, a Celery worker and Celery beat) on this machine.
#
#   scripts/loadtest.sh --minutes N [--users DSOS,REVIEWERS,VIEWERS] [--spawn-rate R] [--workers W] [--threads T]
#                       [--db NAME] [--redis-db N] [--port P] [--seed S]
#
# It drops and recreates its own database (drssd_load unless --db; the name must start with drssd_load), fills it
# with the national synthetic dataset and the load test's people (prepare_loadtest), starts what it needs, runs
# Locust headless, then checks for lost saves and for rollups that caught up with the last approval, and prints
# requests/s and p50/p95/p99 per action, the errors, the login burst (everyone starts, and so logs in, within the
# first 30 s unless --spawn-rate says otherwise: the p95 of every other request meanwhile, on the line before the
# summary line, and the p95 of saves, commune pages and dashboards after it), and one summary line. Everything it started is stopped when
# it ends, also on Ctrl-C or failure; the database is kept for inspection until the next run. Logs, Locust's CSV
# files and the accounts file stay in the directory it names. PostgreSQL: PGHOST, PGPORT, PGUSER (default
# 127.0.0.1, 5432, postgres, no password); Redis: REDIS_BASE (default redis://127.0.0.1:6379), database --redis-db.
# Exit status: 0 every target met, 1 a target missed, 2 the run failed.
set -euo pipefail
cd "$(dirname "$0")/.."

MINUTES="" USERS="200,25,10" SPAWN_RATE="" WORKERS=${WEB_WORKERS:-$(($(nproc) + 1))} THREADS=${WEB_THREADS:-64}
DB=drssd_load REDIS_DB=13 PORT=8765 SEED=1
usage() { sed -n '6,7p' "$0" | sed 's/^# //'; }
while [ $# -gt 0 ]; do
  case "$1" in -h | --help) usage; exit 0 ;; esac
  [ $# -ge 2 ] || { echo "$1 needs a value." >&2; usage >&2; exit 2; }
  case "$1" in
    --minutes) MINUTES=${2:-} ;;
    --users) USERS=${2:-} ;;
    --spawn-rate) SPAWN_RATE=${2:-} ;;
    --workers) WORKERS=${2:-} ;;
    --threads) THREADS=${2:-} ;;
    --db) DB=${2:-} ;;
    --redis-db) REDIS_DB=${2:-} ;;
    --port) PORT=${2:-} ;;
    --seed) SEED=${2:-} ;;
    *) echo "Unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift 2
done
IFS=, read -r DSOS REVIEWERS VIEWERS <<<"$USERS"
for value in "$DSOS" "$REVIEWERS" "$VIEWERS"; do
  [[ "$value" =~ ^[0-9]+$ ]] || { usage >&2; echo "--users takes three whole numbers." >&2; exit 2; }
done
# The quarter-end morning: every simulated person starts, and so logs in, within the first 30 s.
SPAWN_RATE=${SPAWN_RATE:-$(((DSOS + REVIEWERS + VIEWERS + 29) / 30))}
for value in "$MINUTES" "$SPAWN_RATE" "$WORKERS" "$THREADS" "$REDIS_DB" "$PORT" "$SEED"; do
  [[ "$value" =~ ^[0-9]+$ ]] || { usage >&2; echo "Expected whole numbers (--minutes is required)." >&2; exit 2; }
done
[[ "$DB" =~ ^drssd_load[a-z0-9_]*$ ]] || { echo "--db must start with drssd_load: this script drops it." >&2; exit 2; }
TOTAL=$((DSOS + REVIEWERS + VIEWERS))

RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/drssd-loadtest.XXXXXX")
PIDS=()
stop_all() {
  local pid waited=0
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 300 ]; do sleep 0.1; waited=$((waited + 1)); done
    kill -KILL "$pid" 2>/dev/null || true
  done
  PIDS=()
}
on_exit() {
  local status=$?
  trap - EXIT INT TERM
  stop_all
  [ -z "${redis_owned:-}" ] || own_redis_db || true
  rm -rf "$RUN_DIR/static"  # the collected static files: nothing to inspect there
  [ "$status" -le 1 ] || echo "The load test stopped (status $status); logs in $RUN_DIR" >&2
  exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
fail() { echo "$*" >&2; exit 2; }
step() { echo "== $*"; }

# The production settings (docker-compose.yml), with plain HTTP on 127.0.0.1 instead of the TLS proxy.
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
export DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB"
export REDIS_URL="${REDIS_BASE:-redis://127.0.0.1:6379}/$REDIS_DB"
export DEBUG=false DEV_TOOLS=false ALLOWED_HOSTS=127.0.0.1,localhost EMAIL_URL=consolemail://
export SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false SECURE_HSTS_SECONDS=0
export STATIC_ROOT="$RUN_DIR/static" MEDIA_ROOT="$RUN_DIR/media" SECURITY_LOG_FILE="$RUN_DIR/security.log"
SECRET_KEY=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')
export SECRET_KEY
manage() { DEV_TOOLS=true .venv/bin/python manage.py "$@"; }

# A Redis database of the load test's own: empty, or marked as ours by an earlier run. Emptied (but for the mark)
# before the run, so that no cached page or queued task of an earlier run is left, and after it.
own_redis_db() {
  .venv/bin/python - "$REDIS_URL" <<'EOF'
import sys
import redis
client = redis.Redis.from_url(sys.argv[1], socket_connect_timeout=2)
MARK = b"drssd-loadtest:owner"
if not client.exists(MARK) and client.dbsize():
    sys.exit(f"{sys.argv[1]} holds keys that are not the load test's: choose another --redis-db.")
client.set(MARK, "scripts/loadtest.sh")
keys = [key for key in client.scan_iter(count=1000) if key != MARK]
for start in range(0, len(keys), 1000):
    client.delete(*keys[start : start + 1000])
EOF
}

step "Checking PostgreSQL, Redis db $REDIS_DB and port $PORT (logs in $RUN_DIR)"
psql -d postgres -Atqc 'select 1' >/dev/null || fail "PostgreSQL is not reachable at $PGHOST:$PGPORT as $PGUSER."
own_redis_db || exit 2
redis_owned=1
.venv/bin/python -c "import socket, sys; sys.exit(socket.socket().connect_ex(('127.0.0.1', $PORT)) == 0)" ||
  fail "Port $PORT is in use: choose another --port."

started=$SECONDS
step "Recreating database $DB with the national synthetic dataset"
dropdb --if-exists "$DB" || fail "Could not drop $DB (is something still connected to it?)."
createdb "$DB"
manage migrate -v0
manage generate_national_dataset --seed "$SEED" >"$RUN_DIR/dataset.log" 2>&1 || fail "$(tail -20 "$RUN_DIR/dataset.log")"
tail -3 "$RUN_DIR/dataset.log"
manage prepare_loadtest --accounts "$RUN_DIR/accounts.json" --dsos "$DSOS" --reviewers "$REVIEWERS" \
  --viewers "$VIEWERS" --seed "$SEED"
.venv/bin/python manage.py collectstatic --noinput -v0

step "Starting gunicorn ($WORKERS workers x $THREADS threads), a Celery worker and Celery beat on Redis db $REDIS_DB"
# gunicorn.conf.py as in production (WEB_WORKERS, WEB_THREADS); a control socket of its own: the default path is
# shared by every gunicorn of this user on the machine.
WEB_WORKERS=$WORKERS WEB_THREADS=$THREADS .venv/bin/gunicorn drssd_portal.wsgi --bind "127.0.0.1:$PORT" \
  --control-socket "$RUN_DIR/gunicorn.ctl" >"$RUN_DIR/gunicorn.log" 2>&1 &
PIDS+=($!)
# The worker at a lower CPU priority, as in docker-compose.yml: rollups wait a moment, people do not.
nice -n 10 .venv/bin/celery -A drssd_portal worker -n "loadtest-$PORT@%h" --loglevel=INFO --concurrency=2 \
  >"$RUN_DIR/worker.log" 2>&1 &
PIDS+=($!)
.venv/bin/celery -A drssd_portal beat --loglevel=INFO --schedule="$RUN_DIR/celerybeat-schedule" \
  >"$RUN_DIR/beat.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 120); do
  for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null || fail "A service died while starting: see $RUN_DIR/*.log"; done
  if curl -fs -o /dev/null "http://127.0.0.1:$PORT/accounts/login/" && grep -q " ready." "$RUN_DIR/worker.log"; then
    break
  fi
  sleep 0.5
done
curl -fsS -o /dev/null "http://127.0.0.1:$PORT/accounts/login/" || fail "gunicorn did not answer: $RUN_DIR/gunicorn.log"
grep -q " ready." "$RUN_DIR/worker.log" || fail "The Celery worker did not start: $RUN_DIR/worker.log"
portal_pids="${PIDS[*]}"  # gunicorn, the Celery worker and beat: the CPU account's "portal"
DEV_TOOLS=true .venv/bin/python manage.py check_loadtest watch --accounts "$RUN_DIR/accounts.json" \
  --watch-file "$RUN_DIR/rollups.jsonl" >"$RUN_DIR/watch.log" 2>&1 &
watcher=$!
PIDS+=("$watcher")
echo "Ready after $((SECONDS - started)) s."

cpu_snapshot() { .venv/bin/python -m reports.devtools.loadtest.machine snapshot "$RUN_DIR/records/$1" $portal_pids; }
mkdir -p "$RUN_DIR/records"
cpu_snapshot cpu-start.json
step "Locust: $DSOS DSOs, $REVIEWERS reviewers, $VIEWERS dashboard viewers ($SPAWN_RATE new a second) for $MINUTES min"
LOADTEST_ACCOUNTS="$RUN_DIR/accounts.json" LOADTEST_RECORDS="$RUN_DIR/records" PYTHONPATH="$PWD" \
  LOADTEST_DSOS="$DSOS" LOADTEST_REVIEWERS="$REVIEWERS" LOADTEST_VIEWERS="$VIEWERS" \
  .venv/bin/locust -f reports/devtools/loadtest/locustfile.py --headless -u "$TOTAL" -r "$SPAWN_RATE" \
  --run-time "${MINUTES}m" --stop-timeout 30 --host "http://127.0.0.1:$PORT" --csv "$RUN_DIR/locust" \
  --only-summary --loglevel WARNING >"$RUN_DIR/locust.log" 2>&1 || true  # failures are counted below
cpu_snapshot cpu-end.json
[ -s "$RUN_DIR/locust_stats.csv" ] || fail "Locust did not run: $(tail -20 "$RUN_DIR/locust.log")"
kill -TERM "$watcher" 2>/dev/null || true
wait "$watcher" 2>/dev/null || true

step "Result ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
status=0
manage check_loadtest report --accounts "$RUN_DIR/accounts.json" --watch-file "$RUN_DIR/rollups.jsonl" \
  --records "$RUN_DIR/records" --stats "$RUN_DIR/locust" || status=$?
exit "$status"
