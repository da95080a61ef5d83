"""Many board members at once, and viewers who leave (issue 6, load).

The first test runs ``benchmarks/dashboard_load.py``'s measure against a real ``mappa-audit
serve`` on the session's sample runs: twenty pages opened at the same moment must all render
the run's numbers. The figures go to ``test-artifacts/load.json``; speed targets live in the
benchmark, not here. The second shows that the kernel of a viewer who vanishes is culled.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import urllib.request

import pytest

from mappa_audit import Audience
from mappa_audit._serve import PREHEATED_KERNELS, start_voila

from _support import ARTIFACTS, ROOT, SampleRuns

pytestmark = [pytest.mark.slow, pytest.mark.browser]

VIEWERS = 20

sys.path.insert(0, str(ROOT / "benchmarks"))
from dashboard_load import kernel_pids, measure, wait_until_heated  # noqa: E402 - benchmarks/ is not a package


def test_twenty_viewers_at_once_all_render_the_runs_numbers(sample_runs: SampleRuns) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    figures = asyncio.run(measure(VIEWERS, sample_runs.folder, cull_seconds=900,
                                  wait_for_cull=False, log_copy=ARTIFACTS / "load-voila.log"))
    (ARTIFACTS / "load.json").write_text(json.dumps(figures, indent=2) + "\n")
    # a viewer left waiting: what the page saw (in the figures) and what the server said
    said = [line for line in (ARTIFACTS / "load-voila.log").read_text().splitlines()
            if not line.startswith("[MappaVoila] Kernel started") and "not trusted" not in line
            and "pre-heated" not in line and "pool of" not in line]
    assert figures["rendered"] == VIEWERS, (figures, said[-40:])
    assert figures["rendered_correct"] == VIEWERS, figures
    # a kernel of their own for each viewer, and the one kept pre-heated for the next (which
    # may still be starting when the kernels are counted)
    assert VIEWERS <= figures["kernels_while_viewing"] <= VIEWERS + PREHEATED_KERNELS, figures


def test_the_kernel_of_a_viewer_who_vanishes_is_culled(sample_runs: SampleRuns) -> None:
    server = start_voila(sample_runs.folder, Audience.BOARD, cull_idle_seconds=5)
    try:
        # The page is rendered (the notebook runs in the pre-heated kernel), but no browser
        # ever connects to the kernel: a viewer whose laptop died as the page arrived.
        wait_until_heated(server)
        viewers = set(kernel_pids(server.process.pid))  # the next viewer gets this one
        with urllib.request.urlopen(server.login_url, timeout=120) as signing_in:
            cookie = "; ".join(c.split(";")[0] for c in signing_in.headers.get_all("Set-Cookie"))
        page = urllib.request.Request(server.url, headers={"Cookie": cookie})
        with urllib.request.urlopen(page, timeout=120) as response:
            assert b"application/vnd.jupyter.widget-view+json" in response.read()
        assert viewers <= set(kernel_pids(server.process.pid))
        deadline = time.monotonic() + 60
        while viewers & set(kernel_pids(server.process.pid)) and time.monotonic() < deadline:
            time.sleep(1)
        left = kernel_pids(server.process.pid)
        assert viewers.isdisjoint(left)
        assert len(left) == PREHEATED_KERNELS  # the one heated for the next viewer stays
    finally:
        server.stop()
