#!/usr/bin/env bash
# Create .venv and install mappa-audit into it (with the test tools when given --test).
# Needs only Python 3.11+ on the machine; everything else comes from PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "mappa-audit needs Python 3.11 or newer as '$python' (set PYTHON=/path/to/python3.11)" >&2
    exit 1
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
extra=""
[ "${1:-}" = "--test" ] && extra="[test]"
# this machine's pip config names package folders that may not exist; its warnings are noise
quiet() { "$@" 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }; }
quiet .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
quiet .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extra}"
# the hub's proxy (configurable-http-proxy, from npm) for the hub tests, and axe-core (npm)
# for the accessibility tests; `mappa-audit hub` users run scripts/install-proxy.sh themselves
if [ "${1:-}" = "--test" ]; then
    bash scripts/install-proxy.sh
    bash scripts/install-axe.sh
fi
