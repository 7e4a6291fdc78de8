# Sourced by the scripts that run the server on a scratch PostgreSQL database of their own, made and dropped on the
# server that a URL names (its user may create databases); the URL's query (`?sslmode=...`) is kept on every URL made.
export PGOPTIONS="-c client_min_messages=warning"

# The URL of database $2 on the server of URL $1.
database_url() {
  local base="${1%%\?*}"
  printf '%s' "${base%/*}/$2${1#"$base"}"
}

# Runs SQL $2 on the database of URL $1, quietly, stopping at the first error; prints the rows unaligned.
sql() { psql "$1" -v ON_ERROR_STOP=1 -qtA -c "$2"; }

# Runs SQL $2 on the `postgres` database of the server of URL $1, for CREATE and DROP DATABASE.
admin_sql() { sql "$(database_url "$1" postgres)" "$2"; }
