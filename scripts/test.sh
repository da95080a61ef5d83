#!/usr/bin/env bash
# Set up with the test tools, install Debian's Chromium for the browser tests when it is
# missing, check style and types, and run the whole test suite (what CI runs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
bash scripts/install-chromium.sh
.venv/bin/ruff check .
.venv/bin/mypy
# two pytest-xdist workers, each taking a whole test file at a time (its servers and hubs are
# started once); `bash scripts/test.sh -n 0` runs everything in one process
.venv/bin/python -m pytest -n 2 --dist loadfile "$@"
