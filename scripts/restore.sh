#!/usr/bin/env bash
# Restore a backup written by scripts/backup.sh into a new database (and its media into an empty folder), then
# check what came back: row counts, a file for every stored PDF, the migrations this code would still apply.
# Usage: see `usage` below, or run scripts/restore.sh --help. README, "Backups", has the production commands.
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/postgres.sh"

usage() {
  cat <<'EOF'
Usage: scripts/restore.sh [--media TARBALL] [--media-root DIR] [--replace] DUMP TARGET

  DUMP      a drssd-<time>.dump written by scripts/backup.sh
  TARGET    the database to restore into: a name on the server of DATABASE_URL, or a postgres:// URL.
            A database that does not exist is created; one that exists must be empty.
  --media TARBALL   also unpack the media-<time>.tar.gz of the same backup into --media-root
  --media-root DIR  where the media go (default: MEDIA_ROOT); the folder must be empty
  --replace         take the place of a database and media folder that are not empty. The dump is restored
                    into a new database first; only when that worked is the old database renamed to
                    <TARGET>_before_<time> (kept until you drop it) and the new one given its name. Nothing may
                    be connected to it: stop web, worker, beat and backup first. Media files of the same name
                    are overwritten, other files stay.
EOF
}

media="" media_root=${MEDIA_ROOT:-} replace=false
while [ $# -gt 0 ]; do
  case $1 in
    --media) media=${2:?--media needs a tarball}; shift ;;
    --media-root) media_root=${2:?--media-root needs a folder}; shift ;;
    --replace) replace=true ;;
    -h | --help) usage; exit 0 ;;
    -*) fail "unknown option $1 (see --help)" ;;
    *) break ;;
  esac
  shift
done
[ $# -eq 2 ] || { usage >&2; exit 2; }
dump=$1 target=$2

# sql URL STATEMENT: run it, print the rows bare (no header, no alignment, no notices).
sql() {
  PGOPTIONS="-c client_min_messages=warning" psql --no-psqlrc --no-password --quiet --tuples-only --no-align \
    --set=ON_ERROR_STOP=1 --dbname="$1" --command="$2"
}

# --- Refuse before anything is changed ------------------------------------------------------------------------
[ -f "$dump" ] || fail "no dump at $dump"
pg_restore --file=/dev/null "$dump" || fail "$dump is not a dump pg_restore can read to its end"
if [ -n "$media" ]; then
  [ -f "$media" ] || fail "no media tarball at $media"
  [ -n "$media_root" ] || fail "say where the media go: --media-root DIR, or set MEDIA_ROOT"
  tar --list --gzip --file="$media" >/dev/null || fail "$media is not a tarball tar can read"
  if [ -d "$media_root" ] && [ -n "$(ls -A "$media_root")" ] && ! $replace; then
    fail "the media folder $media_root is not empty: give an empty one (--media-root), or add --replace"
  fi
fi

if [[ $target == *://* ]]; then
  url=$target
else
  : "${DATABASE_URL:?set DATABASE_URL (the server to restore on), or give TARGET as a postgres:// URL}"
  url=$(url_with_database "$DATABASE_URL" "$target")
fi
name=$(url_database "$url")
# The name is put into SQL as it is, and a suffix of up to 24 characters must fit PostgreSQL's 63.
[[ $name =~ ^[A-Za-z_][A-Za-z0-9_]{0,38}$ ]] || fail "name the database with at most 39 letters, digits and _: $name"
use_database_url "$url"
target_url=$PG_URL
server_url=$(url_with_database "$target_url" postgres)

exists=$(sql "$server_url" "SELECT count(*) FROM pg_database WHERE datname = '$name'")
into=$name
if [ "$exists" = 1 ]; then
  objects=$(sql "$target_url" "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                               WHERE n.nspname !~ '^(pg_|information_schema$)'")
  if [ "$objects" != 0 ]; then
    $replace || fail "database $name is not empty ($objects tables, indexes and sequences):" \
      "restore into a new name, or add --replace to take its place"
    connected=$(sql "$server_url" "SELECT count(*) FROM pg_stat_activity WHERE datname = '$name'")
    [ "$connected" = 0 ] || fail "$connected connections to $name: stop web, worker, beat and backup first"
    into="${name}_restoring"
  fi
fi

# --- Restore --------------------------------------------------------------------------------------------------
created=""
trap '[ -z "$created" ] || sql "$server_url" "DROP DATABASE IF EXISTS \"$created\"" || true' EXIT
trap 'exit 1' HUP INT TERM # through the EXIT trap
if [ "$exists" = 0 ] || [ "$into" != "$name" ]; then
  [ "$into" = "$name" ] || sql "$server_url" "DROP DATABASE IF EXISTS \"$into\"" # what a killed one may have left
  created=$into
  sql "$server_url" "CREATE DATABASE \"$into\" TEMPLATE template0 ENCODING 'UTF8'"
fi
# Objects belong to the user restoring (the portal's own, in production), whoever owned them before. One
# transaction: a restore that fails leaves an existing empty database empty (one it created is dropped).
pg_restore --no-owner --no-acl --single-transaction --exit-on-error --no-password \
  --dbname="$(url_with_database "$target_url" "$into")" "$dump"
replaced=""
if [ "$into" != "$name" ]; then
  replaced="${name}_before_$(date -u +%Y%m%dT%H%M%SZ)"
  sql "$server_url" "ALTER DATABASE \"$name\" RENAME TO \"$replaced\"; ALTER DATABASE \"$into\" RENAME TO \"$name\""
fi
created=""
if [ -n "$media" ]; then
  mkdir -p "$media_root"
  tar --extract --gzip --file="$media" --directory="$media_root" --no-same-owner
fi

# --- Check ----------------------------------------------------------------------------------------------------
summary=$(sql "$target_url" "
  WITH counts AS (
    SELECT tablename AS t, (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM public.%I',
           tablename), false, true, '')))[1]::text::bigint AS n
      FROM pg_tables WHERE schemaname = 'public'
  )
  SELECT format('%s tables, %s rows: %s district reports (%s village rows, %s commune rows, %s trainings), '
                '%s workflow events, %s history rows, %s rollup rows, %s stored PDFs, %s users',
                count(*), coalesce(sum(n), 0),
                coalesce(sum(n) FILTER (WHERE t = 'reports_districtreport'), 0),
                coalesce(sum(n) FILTER (WHERE t = 'reports_villagequarter'), 0),
                coalesce(sum(n) FILTER (WHERE t = 'reports_communequarter'), 0),
                coalesce(sum(n) FILTER (WHERE t = 'reports_training'), 0),
                coalesce(sum(n) FILTER (WHERE t = 'reports_reportevent'), 0),
                coalesce(sum(n) FILTER (WHERE t LIKE '%\_historical%'), 0),
                coalesce(sum(n) FILTER (WHERE t = 'reports_rollup'), 0),
                coalesce(sum(n) FILTER (WHERE t = 'reports_storedpdf'), 0),
                coalesce(sum(n) FILTER (WHERE t = 'auth_user'), 0))
    FROM counts")
echo "Restored $(basename "$dump") into database $name: $summary."
[ -z "$replaced" ] ||
  echo "The database it replaced is now $replaced: drop it (DROP DATABASE $replaced) once the portal works."

# A stored PDF's row names its file under MEDIA_ROOT and its size: both must be there.
missing=0
pdf_files=$(sql "$target_url" "SELECT file, size_bytes FROM reports_storedpdf WHERE file <> '' ORDER BY id")
pdfs=$(grep -c . <<<"$pdf_files" || true)
if [ -z "$media" ]; then
  echo "Media: not restored (no --media); the files of $pdfs stored PDFs were not looked for."
else
  while IFS='|' read -r file size; do
    [ -n "$file" ] || continue
    if [ ! -f "$media_root/$file" ] || { [ -n "$size" ] && [ "$(stat -c %s "$media_root/$file")" != "$size" ]; }; then
      missing=$((missing + 1))
    fi
  done <<<"$pdf_files"
  files=$(find "$media_root" -type f | wc -l)
  echo "Media: $(basename "$media") into $media_root ($files files);" \
    "$((pdfs - missing)) of $pdfs stored PDFs have their file, of the size recorded."
fi

# Django's own view of the schema: which of this code's migrations the restored database still needs.
repo=$(dirname "$here")
python=${PYTHON:-}
if [ -z "$python" ]; then
  for candidate in "$repo/.venv/bin/python" python3 python; do
    command -v "$candidate" >/dev/null && python=$candidate && break
  done
fi
if [ -f "$repo/manage.py" ] && [ -n "$python" ]; then
  plan=$(cd "$repo" && DATABASE_URL=$url "$python" manage.py showmigrations --plan)
  applied=$(grep -c '^\[X\]' <<<"$plan" || true)
  to_apply=$(grep -c '^\[ \]' <<<"$plan" || true)
  note="the schema is this code's"
  [ "$to_apply" = 0 ] || note="manage.py migrate applies them"
  echo "Migrations: $applied applied, $to_apply to apply ($note)."
else
  echo "Migrations: not checked (no manage.py or Python beside this script)."
fi

[ "$missing" = 0 ] || fail "restored, but $missing stored PDFs have no whole file in $media_root" \
  "(the portal renders them again when asked for)"
