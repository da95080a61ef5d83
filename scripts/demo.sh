#!/usr/bin/env bash
# The main job on the committed synthetic data: set up, check the data, run the audit of the
# last complete financial year (2025-04-01 to 2026-03-31) into runs/, and say how to open the
# results. With --serve, also start the board dashboard.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mappa=.venv/bin/mappa-audit
$mappa validate data_samples
# the year before, so that the board sees the change since the last run
$mappa run data_samples --start 2024-04-01 --end 2025-03-31 --audience board --out runs >/dev/null
board=$($mappa run data_samples --start 2025-04-01 --end 2026-03-31 --audience board --out runs)
auditor=$($mappa run data_samples --start 2025-04-01 --end 2026-03-31 --audience auditor --out runs)
$mappa check data_samples --start 2025-04-01 --end 2026-03-31
cat <<TEXT

Run folders (manifest, results.json, parquet files, executed notebooks):
  board view:   $board
  auditor view: $auditor
Read the report in a browser:   $board/audit_report.html
Open the board dashboard:       .venv/bin/mappa-audit serve --runs runs
Open the auditor dashboard:     .venv/bin/mappa-audit serve --runs runs --audience auditor
TEXT
if [ "${1:-}" = "--serve" ]; then
    exec $mappa serve --runs runs
fi
