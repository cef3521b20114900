#!/usr/bin/env bash
# Installs what the Suivi server needs and runs the demo: API, worker and scheduler on an
# embedded SQLite + Redis. Options go to `suivi demo` (e.g. --port 5050 --data-dir DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh --server
exec .venv/bin/suivi demo "$@"
