#!/usr/bin/env bash
# Every quality gate, one summary line each; exits non-zero if any gate fails. Called by `make test`.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
LOGS=var/gates
mkdir -p "$LOGS"
failed=()

gate() {
  local name=$1; shift
  local t0=$SECONDS
  if "$@" >"$LOGS/$name.log" 2>&1; then
    printf 'gate %-10s ok      %4ss  %s\n' "$name" $((SECONDS - t0)) "$(summary "$name")"
  else
    printf 'gate %-10s FAILED  %4ss  %s\n' "$name" $((SECONDS - t0)) "$(summary "$name")"
    tail -n 60 "$LOGS/$name.log"
    failed+=("$name")
  fi
}

summary() {
  case $1 in
    lint|format) tail -n 1 "$LOGS/$1.log" ;;
    types) tail -n 1 "$LOGS/$1.log" ;;
    bank) tail -n 1 "$LOGS/$1.log" | cut -c1-150 ;;
    imports) grep -E '^Contracts:' "$LOGS/$1.log" ;;
    tests) grep -E '^(=+ .*(passed|failed|error).* =+|rolefit: .*)$' "$LOGS/$1.log" | sed 's/=//g' | tr '\n' ' ' ;;
    coverage) grep -E '^TOTAL' "$LOGS/$1.log" | awk '{print "scoring/ line coverage " $NF}' ;;
  esac
}

if [ -z "${ROLEFIT_TEST_POSTGRES_URL:-}" ]; then
  ROLEFIT_TEST_POSTGRES_URL=$(scripts/postgres.sh 2>/dev/null) || ROLEFIT_TEST_POSTGRES_URL=""
  export ROLEFIT_TEST_POSTGRES_URL
fi

gate lint     "$BIN/ruff" check .
gate format   "$BIN/ruff" format --check .
gate types    "$BIN/mypy"
gate bank     "$BIN/rolefit" questions check
gate imports  "$BIN/lint-imports"
gate tests    "$BIN/pytest" --cov --cov-report=term-missing:skip-covered ${PYTEST_ARGS:-}
gate coverage "$BIN/coverage" report --include='scoring/*' --fail-under=100

# pytest's own closing line, last, for whoever reads the end of the log
grep -E '^=+ .*(passed|failed).* =+$' "$LOGS/tests.log" | tail -n 1
if [ ${#failed[@]} -gt 0 ]; then
  echo "gates failed: ${failed[*]}"
  exit 1
fi
echo "all gates passed"
