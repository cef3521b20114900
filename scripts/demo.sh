#!/usr/bin/env bash
# Installs Suivi and runs the demo: API, worker and scheduler on an embedded SQLite + Redis.
# Options go to `suivi demo` (e.g. --port 5050 --data-dir /tmp/suivi-demo).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
exec .venv/bin/suivi demo "$@"
