"""A whole board at once through the hub: the board page's first paint, the pool of
pre-heated kernels sized by ``hub init --viewers``, and the kernels of viewers who leave.

A hub of its own (two pre-heated kernels, a viewer's kernel shut down 3 s after their page
has gone), so that the culling can be watched in seconds. The timings of 20 viewers at once
are a benchmark, not a test: ``benchmarks/hub_viewers.py``.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from test_dashboards import shown_rate, tiles
from test_hub import Hub, command, descendants, make_deployment, running, sign_in

from mappa_audit._first_paint import board_first_paint

from _support import SampleRuns

pytestmark = pytest.mark.slow

WAIT_MS = 90_000
VIEWER, PASSWORD = "board.viewer", "board-viewer-password"
LEFT_PAGE_SECONDS = 3


@pytest.fixture(scope="module")
def hub(sample_runs: SampleRuns, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    state, port = make_deployment(tmp_path_factory.mktemp("viewers"), sample_runs.folder,
                                  accounts={VIEWER: ("board", PASSWORD)})
    config = state / "jupyterhub_config.py"
    # an administrator's edit of the file: kernels of closed pages go within seconds
    config.write_text(re.sub(r"(?m)^LEFT_PAGE_SECONDS = \d+$",
                             f"LEFT_PAGE_SECONDS = {LEFT_PAGE_SECONDS}", config.read_text()))
    with running(state, port) as hub:
        yield hub


def board_kernels(hub: Hub) -> set[str]:
    """The ids of this hub's board service's running kernels (from their connection files)."""
    below = descendants(hub.process.pid)
    voila = {pid for pid in below
             if "_voila_main" in command(pid) and "board_overview" in command(pid)}
    found = set()
    for pid in below:
        words = command(pid)
        if "ipykernel_launcher" in words and _parent(pid) in voila:
            found |= set(re.findall(r"kernel-([0-9a-f-]{36})\.json", words))
    return found


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def test_hub_init_sizes_the_board_pool(hub: Hub) -> None:
    config = (hub.state / "jupyterhub_config.py").read_text()
    assert re.search(r"(?m)^VIEWERS = 2$", config)
    assert '"--viewers", str(VIEWERS)' in config
    # the two pre-heated kernels start with the hub, before anyone has come
    deadline = time.monotonic() + 120
    while len(board_kernels(hub)) < 2 and time.monotonic() < deadline:
        time.sleep(1)
    assert len(board_kernels(hub)) == 2


def test_the_board_page_shows_the_numbers_first_then_the_live_dashboard(
        hub: Hub, browser: Browser, sample_runs: SampleRuns) -> None:
    results = json.loads((sample_runs.board / "results.json").read_text())
    expected = {rule["rule_id"]: shown_rate(rule["rate"], rule["population"])
                for rule in results["rules"]}
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, hub, VIEWER, "services/board/", PASSWORD)
    # the page's HTML itself carries the numbers: before any script or kernel has run
    response = page.goto(hub.url + "services/board/", wait_until="commit")
    assert response is not None
    html = response.text()
    assert 'class="mappa-first-paint"' in html
    for rate in expected.values():
        assert f">{rate}<" in html
    # and the live dashboard takes its place: one set of tiles, the run's
    page.wait_for_selector("#rendered_cells .mappa-tile", timeout=WAIT_MS)
    page.wait_for_selector(".mappa-first-paint", state="detached", timeout=WAIT_MS)
    assert page.locator(".mappa-tile").count() == len(expected)
    assert {rule: shown["rate"] for rule, shown in tiles(page).items()} == expected
    context.close()


def test_a_closed_pages_kernel_is_shut_down(hub: Hub, browser: Browser) -> None:
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, hub, VIEWER, "services/board/", PASSWORD)
    page.wait_for_selector("#rendered_cells .mappa-tile", timeout=WAIT_MS)
    kernel_id = page.evaluate(
        "JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
    assert kernel_id in board_kernels(hub)
    context.close()  # the viewer closes the tab
    # LEFT_PAGE_SECONDS, the sweep's 5 s, the shutting down, and a busy machine
    deadline = time.monotonic() + LEFT_PAGE_SECONDS + 60
    while kernel_id in board_kernels(hub) and time.monotonic() < deadline:
        time.sleep(1)
    assert kernel_id not in board_kernels(hub)


def test_first_paint_of_no_runs_is_empty(tmp_path: Path) -> None:
    assert board_first_paint(tmp_path) == ""
