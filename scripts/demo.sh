#!/usr/bin/env bash
# The main job on the committed synthetic data: set up, check the data, run the audit of the
# last complete financial year (2025-04-01 to 2026-03-31) into runs/, and say how to open the
# results. With --serve, also start the board dashboard. With --hub, start JupyterHub on the
# runs instead (docs/deploy.md): one board and one auditor account, their passwords printed
# once; the hub's folder is .demo-hub/, made anew on each run (set DEMO_HUB_PORT to move it
# off port 8000).
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
    "" | --serve | --hub) ;;
    *) echo "usage: bash scripts/demo.sh [--serve | --hub]" >&2; exit 2 ;;
esac
bash scripts/setup.sh
if [ "${1:-}" = "--hub" ]; then
    bash scripts/install-proxy.sh  # the hub's proxy, configurable-http-proxy (from npm)
fi
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
if [ "${1:-}" = "--hub" ]; then
    state=.demo-hub
    port=${DEMO_HUB_PORT:-8000}
    said=$(mktemp)
    trap 'rm -f "$said"' EXIT
    # what a command printed on stderr, shown only when it fails (then set -e stops here)
    shown_if_failed() { "$@" 2>"$said" || { cat "$said" >&2; return 1; }; }
    if [ -f "$state/jupyterhub.pid" ] && kill -0 "$(cat "$state/jupyterhub.pid")" 2>/dev/null; then
        echo "the hub of an earlier demo.sh --hub is still running (pid" \
            "$(cat "$state/jupyterhub.pid")): stop it first (Ctrl-C in its terminal)" >&2
        exit 1
    fi
    # a new deployment each time: the accounts below, with passwords nobody has seen yet
    rm -rf "$state"
    # two viewers in the demo: a pool of 20 kernels would hold 3 GB for one board member
    shown_if_failed $mappa hub init "$state" --runs runs --port "$port" --viewers 2 >/dev/null
    board_password=$(shown_if_failed $mappa hub user add "$state" board.member --group board)
    auditor_password=$(shown_if_failed $mappa hub user add "$state" auditor --group auditors)
    cat <<TEXT

JupyterHub on the runs above (its folder: $state/, made anew by each demo.sh --hub):
  address:          http://127.0.0.1:$port/
  board account:    board.member  password $board_password
                    (the board dashboard and the board reports only)
  auditor account:  auditor       password $auditor_password
                    (both dashboards, every report, and JupyterLab with the audit notebooks)
The passwords are shown once, here. Ctrl-C stops the hub and everything it started.

TEXT
    rm -f "$said"
    trap - EXIT
    exec $mappa hub start "$state"
fi
