#!/usr/bin/env bash
# Creates ./.venv (once) and installs Suivi into it with its test tools.
# Usage: scripts/install.sh [--system-packages]   (Debian packages needed by UI tests)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--system-packages" ] && command -v apt-get >/dev/null; then
    missing=()
    for pkg in $(cat scripts/debian-packages.txt); do
        # A package already provided otherwise (npm bundled with NodeSource's nodejs) is kept.
        dpkg -s "$pkg" >/dev/null 2>&1 || command -v "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "Installing Debian packages: ${missing[*]}"
        SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
    .venv/bin/python -m pip install --quiet --upgrade pip
fi
# Reinstall only when the dependency list changed.
stamp=.venv/.suivi-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install --quiet -e '.[dev,mobile]'
    touch "$stamp"
fi
# axe-core for the accessibility checks of the browser tests (test-only, not shipped).
if command -v npm >/dev/null && [ ! -f tests/web/axe/node_modules/axe-core/axe.min.js ]; then
    (cd tests/web/axe && npm ci --silent --no-audit --no-fund)
fi
