#!/usr/bin/env bash
# Lint, type-check, then run the whole suite on SQLite and on PostgreSQL (when reachable).
# Usage: scripts/test.sh [all|sqlite|postgres] [pytest args...]
#
# Each suite runs on FANLOOP_TEST_WORKERS pytest-xdist workers (default: one per core; 0 runs
# in this process). `all` runs lint, then SQLite, then PostgreSQL; with
# FANLOOP_TEST_SIDE_BY_SIDE=1 it runs the three at the same time, each into its own log printed
# when it ends (about a fifth faster on two cores, but the timing-sensitive tests then share
# the cores with twice as many workers: CI keeps the one-after-another default).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
which=${1:-all}; shift || true
case $which in all|sqlite|postgres) ;; *) echo "usage: $0 [all|sqlite|postgres] [pytest args...]" >&2; exit 2 ;; esac

scripts/ensure-chromium.sh

workers=${FANLOOP_TEST_WORKERS:-$(nproc)}
# Each suite gets a data folder of its own (keys, SQLite files, DBOS files): suites that
# run side by side never race to create the same secret.
data=${FANLOOP_DATA_DIR:-$(mktemp -d)/data}
export EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend
# Bytecode is cached (__pycache__, ignored by git) even where the environment turns it off:
# each xdist worker and each process a test starts would otherwise compile fanloop and
# rewrite every test module's asserts again (6 of the 12 CPU seconds of a collection).
unset PYTHONDONTWRITEBYTECODE
PG_URL=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}

quick_lint() {
  # One command a line: under `set -e` a failure before `&&` would not stop the script.
  echo "== ruff"; $BIN/ruff check .; $BIN/ruff format --check .
  echo "== deptry"; $BIN/deptry .
  echo "== import-linter (docs/ARCHITECTURE.md)"; $BIN/lint-imports
}

typecheck() { echo "== mypy"; $BIN/mypy fanloop emulator; }

# Not `quick_lint && typecheck`: `set -e` is off inside a function run left of `&&`.
lint() { quick_lint; typecheck; }

# Whole modules go to a worker (--dist loadfile): a module's tests keep their order and its
# fixtures. The root conftest.py replaces xdist's loadfile order with the slowest first (by
# scripts/test-durations.json; a test of a minute or more is a unit by itself), so the
# minute-long tests do not end the run alone on one worker. xdist's loadgroup would group by
# marker, but pytest 9 ignores the node id suffix xdist 3.8 sets for it.
pytest_on() {  # pytest_on <DATABASE_URL> <data dir> [pytest args...]
  local url=$1 dir=$2; shift 2
  mkdir -p "$dir"
  FANLOOP_DATA_DIR=$dir DATABASE_URL=$url $BIN/pytest -n "$workers" --dist loadfile "$@"
}

sqlite_suite() {
  echo "== pytest on SQLite ($workers workers)"
  pytest_on "sqlite:///$data/sqlite/test.sqlite3" "$data/sqlite" "$@"
}

postgres_reachable() {
  if $BIN/python scripts/pg_reachable.py "$PG_URL"; then return 0; fi
  if [[ $which == postgres || -n ${CI:-} ]]; then
    echo "PostgreSQL is not reachable at $PG_URL" >&2; exit 1
  fi
  echo "== PostgreSQL not reachable at $PG_URL: skipped (CI runs it)"
  return 1
}

postgres_suite() {
  # A fresh database per run: pytest-django creates test_<name>_<suffix>_gw<N> and drops it after.
  local suffix="run$$_$(date +%s)"
  echo "== pytest on PostgreSQL ($suffix, $workers workers)"
  pytest_on "$PG_URL" "$data/postgres" --db-run-name="$suffix" "$@"
}

if [[ $which == sqlite ]]; then sqlite_suite "$@"; exit; fi
if [[ $which == postgres ]]; then postgres_reachable && postgres_suite "$@"; exit; fi

if [[ ${FANLOOP_TEST_SIDE_BY_SIDE:-0} != 1 ]]; then
  # mypy (a minute of one core) runs beside the SQLite suite at the lowest priority: it takes
  # the CPU the suite leaves idle (waits on Chromium, on processes starting, on sleeps) and
  # next to nothing while the tests want both cores, so their timing is as before.
  quick_lint
  typecheck_log=$(mktemp)
  nice -n 19 "$BIN/mypy" fanloop emulator >"$typecheck_log" 2>&1 &
  typecheck_pid=$!
  trap 'kill "$typecheck_pid" 2>/dev/null || true; rm -f "$typecheck_log"' EXIT
  sqlite_status=0; sqlite_suite "$@" || sqlite_status=$?
  typecheck_status=0; wait "$typecheck_pid" || typecheck_status=$?
  echo "== mypy (beside the SQLite suite)"; cat "$typecheck_log"
  if ((sqlite_status || typecheck_status)); then exit 1; fi
  if postgres_reachable; then postgres_suite "$@"; fi
  exit
fi

# all: lint, SQLite and PostgreSQL side by side, each into its own log.
echo "== lint, SQLite and PostgreSQL side by side (each log is printed when it ends)"
with_postgres=false; if postgres_reachable; then with_postgres=true; fi
logs=$(mktemp -d)
declare -A pids
lint >"$logs/lint.log" 2>&1 & pids[lint]=$!
sqlite_suite "$@" >"$logs/sqlite.log" 2>&1 & pids[sqlite]=$!
if $with_postgres; then postgres_suite "$@" >"$logs/postgres.log" 2>&1 & pids[postgres]=$!; fi
failed=()
for step in lint sqlite postgres; do
  [[ -n ${pids[$step]:-} ]] || continue
  if wait "${pids[$step]}"; then status=passed; else status=FAILED; failed+=("$step"); fi
  cat "$logs/$step.log"
  echo "== $step: $status"
done
rm -rf "$logs"
if (( ${#failed[@]} )); then echo "== failed: ${failed[*]}" >&2; exit 1; fi
