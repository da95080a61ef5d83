"""Load on the board dashboard: N viewers at once against `mappa-audit serve`.

Makes sample runs if none are given, starts the locked-down Voila server, opens N headless
Chromium pages at the same moment (Playwright, Debian's /usr/bin/chromium), and reports for
each viewer the time until the tiles and a plotly chart are drawn, whether the numbers are
the run's, and the memory of each kernel. Then the viewers leave: all but one close their
page as a browser does (Voila shuts the kernel down on the page's `beforeunload`), and one
vanishes without a word, as a crashed laptop would; its kernel must be culled after
--cull-seconds idle (`mappa-audit serve` itself culls after 15 minutes).
tests/test_load.py runs the same measure with 20 viewers in CI.

    python benchmarks/dashboard_load.py --viewers 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.async_api import Browser, Page  # noqa: E402
from playwright.async_api import TimeoutError as PlaywrightTimeout  # noqa: E402

from mappa_audit import Audience  # noqa: E402 - after the path set-up above
from mappa_audit._serve import PREHEATED_KERNELS, VoilaServer, start_voila  # noqa: E402
from mappa_audit._store import successful_runs  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
GIVE_UP_SECONDS = 300  # a viewer who has waited five minutes has gone


def kernel_pids(voila_pid: int) -> list[int]:
    """The kernels started by the Voila process (the pre-heated one included)."""
    return [int(pid) for pid in subprocess.run(["pgrep", "-P", str(voila_pid)],
                                               capture_output=True, text=True,
                                               check=False).stdout.split()]


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def wait_until_heated(server: VoilaServer, timeout: float = 120) -> None:
    """Until the pre-heated kernel has started, done its imports and sits waiting for a viewer
    (its CPU time has not moved for two seconds)."""
    deadline = time.monotonic() + timeout
    idle_since, ticks = time.monotonic(), -1
    while time.monotonic() < deadline:
        kernels = kernel_pids(server.process.pid)
        now = sum(_cpu_ticks(pid) for pid in kernels) if kernels else -1
        if now != ticks or not kernels:
            idle_since, ticks = time.monotonic(), now
        elif time.monotonic() - idle_since > 2:
            return
        time.sleep(0.25)
    msg = f"the pre-heated kernel did not settle within {timeout:.0f} s"
    raise TimeoutError(msg)


def kernel_memory_mb(voila_pid: int) -> list[float]:
    """Resident memory of each kernel started by the Voila process."""
    sizes = []
    for pid in kernel_pids(voila_pid):
        status = Path(f"/proc/{pid}/status")
        if status.exists():
            for line in status.read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
    return sizes


def expected_rates(runs: Path) -> dict[str, str]:
    """The tile rates the dashboard must show: those of the run it opens on."""
    shown_first = successful_runs(runs, "board")[0]["folder"]
    latest = json.loads((runs / shown_first / "results.json").read_text())
    return {r["rule_id"]: "—" if r["rate"] is None or r["population"] < 5
            else f"{r['rate'] * 100:.1f} %" for r in latest["rules"]}


async def one_viewer(browser: Browser, url: str,
                     expected: dict[str, str]) -> tuple[float | None, bool, Page, str]:
    """Open the dashboard as one viewer: seconds until the tiles and a chart are drawn (None
    if they never were), whether the rates are the run's, the page, and for a viewer who
    waited in vain what the page had seen (its kernel socket, errors, what it showed)."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    page.set_default_timeout(GIVE_UP_SECONDS * 1000)
    seen: list[str] = []
    page.on("pageerror", lambda error: seen.append(f"page error: {error}"))
    page.on("console", lambda message: seen.append(f"console {message.type}: {message.text}")
            if message.type in {"error", "warning"} else None)
    page.on("websocket", lambda socket: (
        seen.append(f"socket opened: {socket.url.split('?')[0]}"),
        socket.on("close", lambda _: seen.append("socket closed")),
        socket.on("socketerror", lambda error: seen.append(f"socket error: {error}"))))
    started = time.monotonic()
    await page.goto(url, wait_until="commit")
    waiting_for = ".mappa-tile"
    try:
        await page.wait_for_selector(waiting_for)
        waiting_for = ".js-plotly-plot .main-svg"
        await page.wait_for_selector(waiting_for)
    except PlaywrightTimeout:
        shown = await page.evaluate("() => document.body ? document.body.innerText : ''")
        about = [f"no {waiting_for} after {GIVE_UP_SECONDS} s", *seen[-12:],
                 f"the page showed: {' '.join(shown.split())[:300]!r}"]
        return None, False, page, "; ".join(about)
    seconds = time.monotonic() - started
    rates = await page.eval_on_selector_all(
        ".mappa-tile", "ts => Object.fromEntries(ts.map(t => [t.dataset.rule, "
        "t.querySelector('.mappa-tile-rate').textContent]))")
    return seconds, rates == expected, page, ""


async def measure(viewers: int, runs: Path, *, cull_seconds: int = 60, wait_for_cull: bool = True,
                  log_copy: Path | None = None) -> dict[str, object]:
    """Open `viewers` pages at once, then close them (and wait for the culler)."""
    from playwright.async_api import async_playwright

    server = start_voila(runs, Audience.BOARD, cull_idle_seconds=cull_seconds)
    try:
        expected = expected_rates(runs)
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                                       args=CHROMIUM_ARGS)
            started = time.monotonic()
            results = await asyncio.gather(*(one_viewer(browser, server.login_url, expected)
                                             for _ in range(viewers)))
            wall = time.monotonic() - started
            memory = kernel_memory_mb(server.process.pid)
            vanished, *leaving = [page for _, _, page, _ in results]
            for page in leaving:
                await page.close(run_before_unload=True)
            await asyncio.sleep(5)
            left_after_closing = len(kernel_memory_mb(server.process.pid))
            await vanished.context.close()
            await browser.close()
        deadline = time.monotonic() + 2 * cull_seconds + 30  # idle time, culler interval, slack
        # the kernel kept pre-heated for the next viewer is never culled
        while (wait_for_cull and len(kernel_memory_mb(server.process.pid)) > PREHEATED_KERNELS
               and time.monotonic() < deadline):
            await asyncio.sleep(2)
        left = kernel_memory_mb(server.process.pid)
    finally:
        if log_copy is not None:
            log_copy.write_bytes((server.workdir / "voila.log").read_bytes())
        server.stop()
    times = [seconds for seconds, *_ in results if seconds is not None] or [float("nan")]
    return {
        "viewers": viewers,
        "rendered": sum(1 for seconds, *_ in results if seconds is not None),
        "rendered_correct": sum(1 for seconds, correct, *_ in results
                                if seconds is not None and correct),
        "render_seconds": {"min": round(min(times), 2),
                           "median": round(statistics.median(times), 2),
                           "max": round(max(times), 2)},
        "wall_seconds": round(wall, 2),
        "kernels_while_viewing": len(memory),  # one per viewer, and the pre-heated one
        "kernel_rss_mb": {"median": round(statistics.median(memory), 1) if memory else None,
                          "total": round(sum(memory), 1)},
        "kernels_5s_after_all_but_one_closed_their_page": left_after_closing,
        "kernels_after_cull": len(left) if wait_for_cull else None,
        "cull_idle_seconds": cull_seconds,
        "stalled": [why for *_, why in results if why],
    }


def make_runs(folder: Path) -> None:
    for start, end in (("2024-04-01", "2025-03-31"), ("2025-04-01", "2026-03-31")):
        subprocess.run([sys.executable, "-m", "mappa_audit", "run", str(ROOT / "data_samples"),
                        "--start", start, "--end", end, "--out", str(folder)], check=True,
                       capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=20)
    parser.add_argument("--runs", type=Path, help="runs folder (default: make sample runs)")
    parser.add_argument("--cull-seconds", type=int, default=60,
                        help="idle seconds before a kernel is culled (default 60)")
    parser.add_argument("--log", type=Path, help="keep a copy of Voila's log here")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        runs = arguments.runs or Path(scratch) / "runs"
        if arguments.runs is None:
            print("making sample runs…", file=sys.stderr)
            make_runs(runs)
        figures = asyncio.run(measure(arguments.viewers, runs,
                                      cull_seconds=arguments.cull_seconds,
                                      log_copy=arguments.log))
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
