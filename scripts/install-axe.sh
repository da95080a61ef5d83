#!/usr/bin/env bash
# Install axe-core (Deque's accessibility engine, from npm) into .tools/ of the checkout, unless
# it is already there at this version: the browser tests run it on every page a person reads
# (WCAG 2.2 AA). Needs npm.
set -euo pipefail
cd "$(dirname "$0")/.."
version=4.14.1
installed=.tools/node_modules/axe-core/package.json
if [ -f "$installed" ] && grep -q "\"version\": \"$version\"" "$installed"; then
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "the accessibility tests need axe-core, from npm: install node 20 or newer and npm" >&2
    exit 1
fi
npm install --silent --no-audit --no-fund --save-exact --prefix .tools "axe-core@$version" \
    >/dev/null
test -f .tools/node_modules/axe-core/axe.min.js
