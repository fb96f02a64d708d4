#!/usr/bin/env bash
# Lint, type-check, then run the whole suite on SQLite and on PostgreSQL (when reachable).
# Usage: scripts/test.sh [all|sqlite|postgres] [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
which=${1:-all}; shift || true

scripts/ensure-chromium.sh

if [[ $which == all ]]; then
  echo "== ruff"; $BIN/ruff check . && $BIN/ruff format --check .
  echo "== deptry"; $BIN/deptry .
  echo "== import-linter (docs/ARCHITECTURE.md)"; $BIN/lint-imports
  echo "== mypy"; $BIN/mypy fanloop emulator
fi

export FANLOOP_DATA_DIR=${FANLOOP_DATA_DIR:-$(mktemp -d)/data}
export EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend

if [[ $which == all || $which == sqlite ]]; then
  echo "== pytest on SQLite"
  DATABASE_URL="sqlite:///$FANLOOP_DATA_DIR/test.sqlite3" $BIN/pytest "$@"
fi

if [[ $which == all || $which == postgres ]]; then
  PG_URL=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
  if $BIN/python scripts/pg_reachable.py "$PG_URL"; then
    # A fresh database per run: pytest-django creates test_<name>_<suffix> and drops it after.
    suffix="run$$_$(date +%s)"
    echo "== pytest on PostgreSQL ($suffix)"
    DATABASE_URL="$PG_URL" FANLOOP_TEST_DB_SUFFIX=$suffix $BIN/pytest "$@"
  elif [[ $which == postgres || -n ${CI:-} ]]; then
    echo "PostgreSQL is not reachable at $PG_URL" >&2; exit 1
  else
    echo "== PostgreSQL not reachable at $PG_URL: skipped (CI runs it)"
  fi
fi
