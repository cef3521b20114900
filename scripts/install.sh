#!/usr/bin/env bash
# Creates ./.venv (once) and installs Suivi into it.
# Usage: scripts/install.sh [--server | --system-packages]
#   --server           only what the server needs (the demo): no test tools, no Kivy
#   --system-packages  also the Debian packages the UI tests need (Chromium, Xvfb...)
# Without --server: Suivi with its test tools and the patient app (Kivy), and axe-core.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=full
case "${1:-}" in
    --server) mode=server ;;
    --system-packages|"") ;;
    *) echo "usage: scripts/install.sh [--server | --system-packages]" >&2; exit 2 ;;
esac
step() { echo "[install] $*"; }

if [ "${1:-}" = "--system-packages" ] && command -v apt-get >/dev/null; then
    missing=()
    for pkg in $(cat scripts/debian-packages.txt); do
        # A package already provided otherwise (npm bundled with NodeSource's nodejs) is kept.
        dpkg -s "$pkg" >/dev/null 2>&1 || command -v "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        step "Debian packages for the UI tests: ${missing[*]}"
        SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    step "creating the virtual environment .venv"
    "$PYTHON" -m venv .venv
    .venv/bin/python -m pip install --quiet --upgrade pip
fi
# Reinstall only when the dependency list changed; a full install serves the server too.
installed() { [ -f ".venv/.suivi-installed-$1" ] && [ ! pyproject.toml -nt ".venv/.suivi-installed-$1" ]; }
if [ "$mode" = server ]; then
    if ! installed server && ! installed full; then
        step "installing Suivi's server and its dependencies (about a minute the first time)"
        .venv/bin/python -m pip install --progress-bar on -e . 2>&1 \
            | grep --line-buffered -E '^(Collecting|Installing|Successfully|ERROR)' || true
        .venv/bin/python -c "import backend.app" || { step "installation failed"; exit 1; }
        touch .venv/.suivi-installed-server
    fi
    exit 0
fi
if ! installed full; then
    step "installing Suivi with its test tools and the patient app (Kivy)"
    .venv/bin/python -m pip install --quiet -e '.[dev,mobile]'
    touch .venv/.suivi-installed-full
fi
# axe-core for the accessibility checks of the browser tests (test-only, not shipped).
if command -v npm >/dev/null && [ ! -f tests/web/axe/node_modules/axe-core/axe.min.js ]; then
    step "axe-core (npm) for the accessibility checks"
    (cd tests/web/axe && npm ci --silent --no-audit --no-fund)
fi
# oidc-provider (npm): the real OpenID Connect provider the single sign-on tests start.
if command -v npm >/dev/null && [ ! -d tests/sso/provider/node_modules/oidc-provider ]; then
    step "oidc-provider (npm) for the single sign-on tests"
    (cd tests/sso/provider && npm ci --silent --no-audit --no-fund)
fi
# @medplum/core (npm): the independent FHIR validator the FHIR tests run over what they read.
if command -v npm >/dev/null && [ ! -d tests/fhir/validator/node_modules/@medplum/core ]; then
    step "@medplum/core (npm) for the FHIR tests"
    (cd tests/fhir/validator && npm ci --silent --no-audit --no-fund)
fi
