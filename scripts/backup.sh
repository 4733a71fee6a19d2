#!/usr/bin/env bash
# Back up the portal: the database (pg_dump, custom format) and the media folder (the stored PDFs), dated, into
# BACKUP_DIR, keeping the newest BACKUP_KEEP backups. The `backup` service of docker-compose.yml runs it every
# BACKUP_INTERVAL seconds (README, "Backups"); by hand:
#   DATABASE_URL=postgres://user:password@host:5432/drssd MEDIA_ROOT=/app/media BACKUP_DIR=/backups scripts/backup.sh
#
# One backup is BACKUP_DIR/drssd-<UTC time>.dump and media-<UTC time>.tar.gz. Each is written under a hidden
# temporary name, read back (pg_restore, tar --list) and only then renamed, the dump last: a dump under its
# final name is whole and has its media beside it. Any error exits non-zero and leaves no file behind.
# Restore with scripts/restore.sh.
set -euo pipefail
export LC_ALL=C # names sort by time; tools speak plain English in the log
umask 077       # the dumps hold password hashes and personal data
source "$(dirname "$0")/lib/postgres.sh"

: "${DATABASE_URL:?set DATABASE_URL=postgres://user:password@host:port/name}"
: "${MEDIA_ROOT:?set MEDIA_ROOT to the media folder}"
: "${BACKUP_DIR:?set BACKUP_DIR to the folder the backups go to}"
keep=${BACKUP_KEEP:-14}
[[ $keep =~ ^[1-9][0-9]*$ ]] || fail "BACKUP_KEEP must be a whole number of 1 or more, not '$keep'"
[ -d "$MEDIA_ROOT" ] || fail "MEDIA_ROOT $MEDIA_ROOT is not a folder"
mkdir -p "$BACKUP_DIR"
use_database_url "$DATABASE_URL"

stamp=$(date -u +%Y%m%dT%H%M%SZ)
dump="$BACKUP_DIR/drssd-$stamp.dump"
media="$BACKUP_DIR/media-$stamp.tar.gz"
[ ! -e "$dump" ] && [ ! -e "$media" ] || fail "a backup stamped $stamp is in $BACKUP_DIR already"
partial_dump="$BACKUP_DIR/.drssd-$stamp.dump.partial"
partial_media="$BACKUP_DIR/.media-$stamp.tar.gz.partial"
trap 'rm -f "$partial_dump" "$partial_media"' EXIT
trap 'exit 1' HUP INT TERM # through the EXIT trap

pg_dump --format=custom --no-password --file="$partial_dump" --dbname="$PG_URL"
# Read it all back (a truncated dump still lists), and count its tables.
pg_restore --file=/dev/null "$partial_dump" || fail "the dump cannot be read back"
tables=$(pg_restore --list "$partial_dump" | grep -c " TABLE DATA ") || fail "the dump holds no table"

# The dump comes first, so every PDF it records as ready was whole before tar starts. tar exits 1 when a file
# changes or goes while it reads (a PDF replaced by a newer rendering): only a warning, since a stored PDF whose
# file is missing is rendered again when asked for. Anything worse (exit 2) fails the backup.
status=0
tar --create --gzip --file="$partial_media" --directory="$MEDIA_ROOT" . || status=$?
[ "$status" -le 1 ] || fail "tar could not archive $MEDIA_ROOT (exit status $status)"
listing=$(tar --list --gzip --file="$partial_media")
files=$(grep -vc '/$' <<<"$listing" || true)

mv "$partial_media" "$media"
mv "$partial_dump" "$dump"

# Rotation: the newest $keep dumps stay (their names sort by time), with the media of the same times; older
# backups, media left without a dump, and temporary files a killed run left more than a day ago go.
shopt -s nullglob
dumps=("$BACKUP_DIR"/drssd-*.dump)
removed=0
for ((i = 0; i < ${#dumps[@]} - keep; i++)); do
  rm -f -- "${dumps[i]}"
  removed=$((removed + 1))
done
for tarball in "$BACKUP_DIR"/media-*.tar.gz; do
  time_of=${tarball##*/media-}
  [ -e "$BACKUP_DIR/drssd-${time_of%.tar.gz}.dump" ] || rm -f -- "$tarball"
done
find "$BACKUP_DIR" -maxdepth 1 -name '.*.partial' -mmin +1440 -delete

size() { numfmt --to=iec-i --suffix=B "$(stat -c %s "$1")"; }
echo "Backup $stamp in $BACKUP_DIR: $(basename "$dump") ($(size "$dump"), $tables tables)," \
  "$(basename "$media") ($(size "$media"), $files files); $((${#dumps[@]} - removed)) kept, $removed removed."
