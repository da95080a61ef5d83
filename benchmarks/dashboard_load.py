"""Load on the board dashboard: N viewers at once against `mappa-audit serve`.

Makes sample runs if none are given, starts the locked-down Voila server, opens N headless
Chromium pages at the same moment (Playwright, Debian's /usr/bin/chromium), and reports for
each viewer the time until the tiles and a plotly chart are drawn, whether the numbers are
the run's, the memory of each kernel, and whether kernels go away when viewers leave.

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

from playwright.async_api import TimeoutError as PlaywrightTimeout  # noqa: E402

from mappa_audit import Audience  # noqa: E402 - after the path set-up above
from mappa_audit._serve import start_voila  # noqa: E402
from mappa_audit.dashboard import _successful_runs  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def kernel_memory_mb(voila_pid: int) -> list[float]:
    """Resident memory of each kernel started by the Voila process."""
    children = subprocess.run(["pgrep", "-P", str(voila_pid)], capture_output=True, text=True,
                              check=False).stdout.split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status")
        if status.exists():
            for line in status.read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
    return sizes


async def one_viewer(browser: object, url: str, expected: dict[str, str]) -> tuple[object, ...]:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    page = await context.new_page()
    page.set_default_timeout(180_000)  # a viewer that waits 3 minutes has given up
    started = time.monotonic()
    await page.goto(url, wait_until="commit")
    try:
        await page.wait_for_selector(".mappa-tile")
        await page.wait_for_selector(".js-plotly-plot .main-svg")
    except PlaywrightTimeout:
        return None, False, context
    seconds = time.monotonic() - started
    rates = await page.eval_on_selector_all(
        ".mappa-tile", "ts => Object.fromEntries(ts.map(t => [t.dataset.rule, "
        "t.querySelector('.mappa-tile-rate').textContent]))")
    correct = rates == expected
    return seconds, correct, context  # type: ignore[return-value]


async def main_async(viewers: int, runs: Path) -> dict[str, object]:
    from playwright.async_api import async_playwright

    server = start_voila(runs, Audience.BOARD)
    try:
        shown_first = _successful_runs(runs)[0]["folder"]  # the run the dashboard opens on
        latest = json.loads((runs / shown_first / "results.json").read_text())
        expected = {r["rule_id"]: "—" if r["rate"] is None or r["population"] < 5
                    else f"{r['rate'] * 100:.1f} %" for r in latest["rules"]}
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                                       args=CHROMIUM_ARGS)
            started = time.monotonic()
            results = await asyncio.gather(*(one_viewer(browser, server.login_url, expected)
                                             for _ in range(viewers)))
            wall = time.monotonic() - started
            memory = kernel_memory_mb(server.process.pid)
            for _, _, context in results:
                await context.close()  # type: ignore[attr-defined]
            await browser.close()
        await asyncio.sleep(10)  # Voila shuts a kernel down when its page goes away
        left = kernel_memory_mb(server.process.pid)
    finally:
        server.stop()
    times = [seconds for seconds, _, _ in results if seconds is not None]
    if not times:
        times = [float("nan")]
    return {
        "viewers": viewers,
        "rendered": sum(1 for seconds, _, _ in results if seconds is not None),
        "all_rendered_correct": all(correct for seconds, correct, _ in results
                                    if seconds is not None),
        "render_seconds": {"min": round(min(times), 2),
                           "median": round(statistics.median(times), 2),
                           "max": round(max(times), 2)},
        "wall_seconds": round(wall, 2),
        "kernels_while_viewing": len(memory),
        "kernel_rss_mb": {"median": round(statistics.median(memory), 1) if memory else None,
                          "total": round(sum(memory), 1)},
        "kernels_after_viewers_left": len(left),
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
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        runs = arguments.runs or Path(scratch) / "runs"
        if arguments.runs is None:
            print("making sample runs…", file=sys.stderr)
            make_runs(runs)
        figures = asyncio.run(main_async(arguments.viewers, runs))
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
