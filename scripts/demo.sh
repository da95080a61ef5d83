#!/usr/bin/env bash
# The main job on the committed synthetic data: set up, check the data, audit the last
# complete financial year (2025-04-01 to 2026-03-31) and print the results.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/mappa-audit validate data_samples
.venv/bin/mappa-audit check data_samples --start 2025-04-01 --end 2026-03-31
