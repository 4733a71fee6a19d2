# Helpers of scripts/backup.sh and scripts/restore.sh (sourced, not run): PostgreSQL URLs as libpq takes them.
# shellcheck shell=bash

# fail MESSAGE: say what went wrong on stderr and exit non-zero.
fail() {
  echo "$(basename "$0"): $*" >&2
  exit 1
}

# use_database_url URL: sets PG_URL to URL as libpq reads it (postgresql://, without its password) and exports
# the password as PGPASSWORD, so that no process list shows it (pg_dump's arguments are visible to every user
# of the host, containers included). Refuses anything but a PostgreSQL URL, without echoing it.
use_database_url() {
  local url=$1 password
  [[ $url =~ ^(postgres|postgresql|pgsql)://(.*)$ ]] ||
    fail "not a PostgreSQL URL (postgres://user:password@host:port/name)"
  url="postgresql://${BASH_REMATCH[2]}"
  if [[ $url =~ ^(postgresql://[^:@/]*):([^@/]*)@(.*)$ ]]; then
    password=${BASH_REMATCH[2]//\\/\\\\}       # a URL's password is percent-encoded (as libpq and
    password=$(printf '%b' "${password//%/\\x}") # django-environ decode it); PGPASSWORD is plain
    export PGPASSWORD=$password
    url="${BASH_REMATCH[1]}@${BASH_REMATCH[3]}"
  fi
  PG_URL=$url
}

# url_database URL: the database name of URL (its path, without the query).
url_database() {
  [[ $1 =~ ^[a-z]+://[^/]*/([^?]*) ]] || fail "the URL names no database"
  printf '%s\n' "${BASH_REMATCH[1]}"
}

# url_with_database URL NAME: URL naming database NAME on the same server, with the same options.
url_with_database() {
  [[ $1 =~ ^([a-z]+://[^/?]*)(/[^?]*)?(\?.*)?$ ]] || fail "not a URL of a database server"
  printf '%s\n' "${BASH_REMATCH[1]}/$2${BASH_REMATCH[3]}"
}
