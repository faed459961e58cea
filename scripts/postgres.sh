#!/usr/bin/env bash
# Start Debian's PostgreSQL (installing it if missing), create the rolefit role, print a URL for the test suite.
# Idempotent. Needs root (apt-get, pg_ctlcluster). Prints nothing and exits 1 when PostgreSQL cannot be had.
set -uo pipefail
if [ "$(id -u)" != "0" ]; then echo "postgres.sh: needs root to start PostgreSQL" >&2; exit 1; fi
if ! command -v pg_lsclusters >/dev/null 2>&1 || [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql) >&2 || exit 1
fi
read -r version cluster _ < <(pg_lsclusters -h | head -n 1)
pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start >/dev/null 2>&1 || true
for _ in $(seq 1 30); do
  su postgres -c "psql -qtAc 'select 1'" >/dev/null 2>&1 && break
  sleep 0.5
done
su postgres -c "psql -qc \"DO \\\$\\\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='rolefit')
  THEN CREATE ROLE rolefit LOGIN CREATEDB PASSWORD 'rolefit'; END IF; END\\\$\\\$;\"" >&2 || exit 1
# DROP DATABASE ... WITH (FORCE) in the test and benchmark teardowns must also end an autovacuum worker
# that happens to be in the database; PostgreSQL 15 asks for pg_signal_backend for that (role-less) process
su postgres -c "psql -qc 'GRANT pg_signal_backend TO rolefit'" >&2 || exit 1
# the people search's test makes a role without the right to create extensions (tests/app/test_people_search_without_trgm.py)
su postgres -c "psql -qc 'ALTER ROLE rolefit CREATEROLE'" >&2 || exit 1
echo "postgresql+psycopg://rolefit:rolefit@127.0.0.1:5432/postgres"
