#!/usr/bin/env bash
# Install JupyterHub's proxy, configurable-http-proxy (node, from npm), into .tools/ of the
# checkout, unless it is already there at this version. `mappa-audit hub start` finds it there
# (or on PATH, or where MAPPA_HUB_PROXY says). Needs node 20 or newer and npm.
set -euo pipefail
cd "$(dirname "$0")/.."
version=5.3.0
proxy=.tools/node_modules/.bin/configurable-http-proxy
if [ -x "$proxy" ] && [ "$("$proxy" --version 2>/dev/null)" = "$version" ]; then
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "the hub needs configurable-http-proxy, from npm: install node 20 or newer and npm" >&2
    exit 1
fi
npm install --silent --no-audit --no-fund --prefix .tools "configurable-http-proxy@$version" \
    >/dev/null
"$proxy" --version >/dev/null
