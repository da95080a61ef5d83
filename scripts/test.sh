#!/usr/bin/env bash
# Set up with the test tools, install Debian's Chromium for the browser tests when it is
# missing, check style and types, and run the whole test suite (what CI runs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
bash scripts/install-chromium.sh
.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
