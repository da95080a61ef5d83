"""A whole board at once through the hub: N board members open /services/board/ together.

For each configuration asked for (``--pools 20,1``: the board service's pre-heated kernels,
``hub init --viewers``), this makes a deployment in a temporary folder on sample runs (or
``--runs``), adds N board accounts, starts the hub as ``mappa-audit hub start`` does, waits
until the board service's kernels are started and settled, and signs every viewer in (a
Chromium context each, Playwright, through the real proxy), all before the clock starts.
Then the N pages open ``/services/board/`` within one second and, for each viewer, it records:

- *numbers*: from ``page.goto`` to the first tile's rate text on screen (the first paint
  or the live dashboard, whichever comes first), checked against the run's own rates;
- *live*: until the live dashboard (its widgets and plotly chart) has taken over;

and the CPU time the server's processes (hub, proxy, services, Voila, kernels; not the
browsers) spent meanwhile;

then the redraw of an area change on one page (from the dropdown's change to tiles and both
charts redrawn, in the page; ``dashboard_timing.py``'s measure) while the others stay open,
the memory (RSS) of each kernel, and whether the kernels of pages that closed are shut down
(``LEFT_PAGE_SECONDS`` set to ``--left-page-seconds`` in the deployment's configuration).
Prints a table and the figures as JSON. The machine's load average is printed with them: on
a shared machine, rerun when it was high.

    python benchmarks/hub_viewers.py --viewers 20 --pools 20,1
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from dashboard_load import CHROMIUM_ARGS, expected_rates, make_runs  # noqa: E402
from dashboard_timing import TIME_A_CHANGE  # noqa: E402
from playwright.async_api import Browser, BrowserContext, Page, async_playwright  # noqa: E402

from mappa_audit._hub import add_user, init_hub  # noqa: E402 - after the path set-up above
from mappa_audit._paper import find_chromium  # noqa: E402
from mappa_audit._serve import free_port  # noqa: E402

PASSWORD = "board-viewer-password"
GIVE_UP_SECONDS = 300
TARGET_SECONDS = 10.0
TARGET_CHANGE_MS = 200

# the first tile's rate, wherever it is on screen first: the first paint, or the live tiles
FIRST_RATE = ".mappa-tile-rate >> visible=true"
LIVE_TILES = "#rendered_cells .mappa-tile"
LIVE_CHART = "#rendered_cells .js-plotly-plot .main-svg"


# ---- the processes of the hub ------------------------------------------------------------------

def _children(pid: int) -> list[int]:
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            kids += [int(word) for word in task.read_text().split()]
    return kids


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        kids = _children(todo.pop())
        found += kids
        todo += kids
    return found


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def board_voila(hub_pid: int) -> int | None:
    """The board service's Voila process (``_voila_main`` on ``board_overview.ipynb``)."""
    for pid in _descendants(hub_pid):
        command = _command(pid)
        if "mappa_audit._voila_main" in command and "board_overview" in command:
            return pid
    return None


def kernels(voila_pid: int) -> list[int]:
    return [pid for pid in _children(voila_pid) if "ipykernel" in _command(pid)]


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total


def wait_until_warm(hub_pid: int, pool: int, timeout: float = 600) -> float:
    """Until the board service has its ``pool`` kernels and they have settled (no CPU for two
    seconds: each waits for its viewer). Returns the seconds it took."""
    started = time.monotonic()
    deadline = started + timeout
    settled_since, ticks = time.monotonic(), -1
    while time.monotonic() < deadline:
        voila = board_voila(hub_pid)
        found = kernels(voila) if voila else []
        now = cpu_ticks(found)  # Voila itself ticks now and then (heartbeats, its sweep)
        if len(found) < pool or now != ticks:
            settled_since, ticks = time.monotonic(), now
        elif time.monotonic() - settled_since > 2:
            return time.monotonic() - started
        time.sleep(0.5)
    msg = f"the board service's {pool} kernels did not settle within {timeout:.0f} s"
    raise TimeoutError(msg)


def wait_for_hub(url: str, process: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            msg = "hub start stopped"
            raise RuntimeError(msg)
        for service in ("board", "reports"):
            try:
                with urllib.request.urlopen(f"{url}services/{service}/", timeout=5):
                    pass
            except urllib.error.HTTPError as error:
                if error.code not in (200, 302, 403):
                    break
            except OSError:
                break
        else:
            return
        time.sleep(0.5)
    msg = "the hub did not start in time"
    raise TimeoutError(msg)


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# ---- the viewers ---------------------------------------------------------------------------------

async def sign_in(browser: Browser, url: str, name: str,
                  javascript: bool) -> tuple[BrowserContext, Page]:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000},
                                        java_script_enabled=javascript)
    page = await context.new_page()
    page.set_default_timeout(GIVE_UP_SECONDS * 1000)
    # a board member lands on the board dashboard after signing in: not yet (it would take
    # a kernel); the board service's own sign-in through the hub happens when the clock runs
    await page.goto(url + "hub/login?next=%2Fhub%2Fhome")
    await page.fill("input[name=username]", name)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("input[type=submit], button[type=submit]")
    await page.wait_for_load_state()
    if "/services/board" in page.url:
        msg = f"signing in took {name} to the board dashboard: the figures would be wrong"
        raise RuntimeError(msg)
    await page.goto("about:blank")
    return context, page


async def open_board(page: Page, url: str, delay: float, expected: dict[str, str],
                     javascript: bool) -> dict[str, Any]:
    await asyncio.sleep(delay)  # the viewers open within one second, not in one instant
    started = time.monotonic()
    result: dict[str, Any] = {"numbers_s": None, "live_s": None, "correct": False,
                              "first_paint": False}
    try:
        await page.goto(url + "services/board/", wait_until="commit")
        await page.wait_for_selector(FIRST_RATE)
        result["numbers_s"] = time.monotonic() - started
        result["first_paint"] = await page.locator(".mappa-first-paint").count() > 0
        rates = await page.eval_on_selector_all(
            ".mappa-tile", "ts => Object.fromEntries(ts.map(t => [t.dataset.rule, "
            "t.querySelector('.mappa-tile-rate').textContent]))")
        result["correct"] = rates == expected
        if not javascript:
            return result  # no live dashboard without JavaScript
        await page.wait_for_selector(LIVE_TILES)
        await page.wait_for_selector(LIVE_CHART)
        result["live_s"] = time.monotonic() - started
    except Exception as error:  # a viewer who gave up is a figure, not a crash
        result["error"] = str(error).splitlines()[0][:200]
    return result


async def area_changes(page: Page, repeat: int) -> list[float]:
    """Milliseconds from an area change to tiles and both charts redrawn, ``repeat`` times
    (each area in turn, then back to all areas)."""
    areas = await page.evaluate(
        "() => [...[...document.querySelectorAll('.widget-dropdown')]"
        ".find(d => d.querySelector('label')?.textContent.trim() === 'Area')"
        ".querySelector('select').options].slice(1).map(o => o.textContent.trim())")
    times = []
    for area in [*areas[:repeat], None]:
        await page.wait_for_timeout(1500)
        _, both_ms = await page.evaluate(TIME_A_CHANGE, [area])
        times.append(both_ms)
    return times


# ---- one configuration -------------------------------------------------------------------------

def deployment(folder: Path, runs: Path, viewers: int, pool: int,
               left_page_seconds: int) -> tuple[Path, int]:
    port = free_port()
    state = folder / f"state-{pool}-{port}"  # one deployment per configuration
    config = init_hub(state, runs, port=port, viewers=pool)
    text = config.read_text()
    config.write_text(re.sub(r"(?m)^LEFT_PAGE_SECONDS = \d+$",
                             f"LEFT_PAGE_SECONDS = {left_page_seconds}", text))
    for number in range(viewers):
        add_user(state, f"viewer{number:02d}", "board", PASSWORD)
    return state, port


async def measure(folder: Path, runs: Path, viewers: int, pool: int, *,
                  left_page_seconds: int, repeat_changes: int,
                  javascript: bool = True) -> dict[str, Any]:
    """One configuration; without ``javascript`` the pages show the first paint only (the
    live dashboard needs it), so that the browsers cost little: the server's share, as when
    each viewer's browser is on their own device."""
    state, port = deployment(folder, runs, viewers, pool, left_page_seconds)
    url = f"http://127.0.0.1:{port}/"
    expected = expected_rates(runs)
    log = (folder / f"hub-{state.name}.log").open("ab")
    process = subprocess.Popen([sys.executable, "-m", "mappa_audit", "hub", "start", str(state)],
                               stdout=log, stderr=subprocess.STDOUT)
    figures: dict[str, Any] = {"viewers": viewers, "pool": pool, "javascript": javascript}
    try:
        wait_for_hub(url, process)
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=find_chromium(),
                                                       args=CHROMIUM_ARGS)
            signed_in = [await sign_in(browser, url, f"viewer{n:02d}", javascript)
                         for n in range(viewers)]
            figures["warm_up_s"] = round(wait_until_warm(process.pid, pool), 1)
            figures["load_average_at_start"] = load_average()
            pages = [page for _, page in signed_in]
            server_ticks = cpu_ticks(_descendants(process.pid))
            started = time.monotonic()
            results = await asyncio.gather(*(
                open_board(page, url, number / viewers, expected, javascript)
                for number, page in enumerate(pages)))
            figures["wall_s"] = round(time.monotonic() - started, 1)
            # the server's CPU for the burst (hub, proxy, services, Voila, kernels; not the
            # browsers): what a machine serving real viewers' devices would spend
            figures["server_cpu_s"] = round(
                (cpu_ticks(_descendants(process.pid)) - server_ticks)
                / os.sysconf("SC_CLK_TCK"), 1)
            figures["load_average_after"] = load_average()
            voila = board_voila(process.pid)
            running = kernels(voila) if voila else []
            memory = [rss_mb(pid) for pid in running]
            figures.update(summary(results, memory))
            print(json.dumps(figures), file=sys.stderr)
            if not javascript:
                await browser.close()
                return figures
            try:
                changes = await area_changes(pages[0], repeat_changes)
                figures["area_change_ms"] = {
                    "median": round(statistics.median(changes)), "max": round(max(changes)),
                    "all": [round(c) for c in changes]}
            except Exception as error:  # the other figures still stand
                figures["area_change_ms"] = {"median": None, "max": None,
                                             "error": str(error).splitlines()[0][:200]}
            # every viewer but the first leaves (closes the tab); the first stays
            for context, _ in signed_in[1:]:
                await context.close()
            figures["kernels_after_leaving"] = await kernels_after_leaving(running,
                                                                           left_page_seconds)
            await browser.close()
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
    return figures


async def kernels_after_leaving(running: list[int], left_page_seconds: int) -> dict[str, Any]:
    """Of the kernels running while the viewers looked, those still running once all but
    one have closed their page: the staying viewer's (and any pre-heated kernel no viewer
    took) should be left, every leaver's shut down."""
    waited = left_page_seconds + 15  # the sweep runs every 5 s; shutting down takes a moment
    await asyncio.sleep(waited)
    alive = [pid for pid in running if Path(f"/proc/{pid}").exists()
             and "ipykernel" in _command(pid)]
    return {"while_viewing": len(running), "still_running": len(alive), "waited_s": waited}


def summary(results: list[dict[str, Any]], memory: list[float]) -> dict[str, Any]:
    numbers = [r["numbers_s"] for r in results if r["numbers_s"] is not None]
    live = [r["live_s"] for r in results if r["live_s"] is not None]

    def spread(values: list[float]) -> dict[str, float | None]:
        if not values:
            return {"min": None, "median": None, "max": None}
        return {"min": round(min(values), 2), "median": round(statistics.median(values), 2),
                "max": round(max(values), 2)}

    return {
        "saw_numbers": len(numbers),
        "numbers_correct": sum(1 for r in results if r["correct"]),
        "first_paint_seen": sum(1 for r in results if r["first_paint"]),
        "numbers_s": spread(numbers),
        "live_s": spread(live),
        "per_viewer_numbers_s": [None if r["numbers_s"] is None else round(r["numbers_s"], 2)
                                 for r in results],
        "errors": [r["error"] for r in results if "error" in r],
        "kernels_while_viewing": len(memory),
        "kernel_rss_mb": {"median": round(statistics.median(memory), 1) if memory else None,
                          "total": round(sum(memory), 1)},
    }


def table(rows: list[dict[str, Any]]) -> str:
    head = ("| pool | viewers | saw numbers (correct) | numbers: median, max | "
            "live dashboard: median, max | area change: median, max | kernels | RSS per kernel "
            "| server CPU | load average (start → end) |")
    lines = [head, "| " + " | ".join(["---"] * 10) + " |"]
    for given in rows:
        row = {"live_s": {"median": None, "max": None},
               "area_change_ms": {"median": None, "max": None}, **given}
        if not row["javascript"]:
            row["pool"] = f"{row['pool']}, no JavaScript"
        lines.append(
            f"| {row['pool']} | {row['viewers']} | {row['saw_numbers']} "
            f"({row['numbers_correct']}) | {row['numbers_s']['median']} s, "
            f"{row['numbers_s']['max']} s | {row['live_s']['median']} s, {row['live_s']['max']} s "
            f"| {row['area_change_ms']['median']} ms, {row['area_change_ms']['max']} ms "
            f"| {row['kernels_while_viewing']} | {row['kernel_rss_mb']['median']} MB "
            f"| {row['server_cpu_s']} s "
            f"| {row['load_average_at_start']} → {row['load_average_after']} |")
    if len(rows) > 1:
        ours, *others = rows
        for other in others:
            for key in ("numbers_s", "live_s"):
                if ours.get(key, {}).get("max") and other.get(key, {}).get("max"):
                    lines.append(f"\n{key} max, pool {other['pool']} / pool {ours['pool']}: "
                                 f"{other[key]['max'] / ours[key]['max']:.1f}x")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=20)
    parser.add_argument("--pools", default="20,1,20-nojs",
                        help="pre-heated kernels of each configuration, the first is ours; "
                             "-nojs: pages without JavaScript (first paint only)")
    parser.add_argument("--runs", type=Path, help="runs folder (default: make sample runs)")
    parser.add_argument("--left-page-seconds", type=int, default=10)
    parser.add_argument("--changes", type=int, default=6, help="area changes to time")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    arguments = parser.parse_args()
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    # stopped (SIGTERM): unwind, so that the hub it started is stopped too
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))
    rows = []
    with tempfile.TemporaryDirectory(prefix="mappa-hub-viewers-") as scratch:
        folder = Path(scratch)
        runs = arguments.runs or folder / "runs"
        if arguments.runs is None:
            print("making sample runs…", file=sys.stderr)
            make_runs(runs)
        for word in arguments.pools.split(","):
            pool, javascript = int(word.removesuffix("-nojs")), not word.endswith("-nojs")
            print(f"pool {word}: {arguments.viewers} viewers…", file=sys.stderr)
            rows.append(asyncio.run(measure(
                folder, runs, arguments.viewers, pool,
                left_page_seconds=arguments.left_page_seconds,
                repeat_changes=arguments.changes, javascript=javascript)))
            print(json.dumps(rows[-1], indent=2), file=sys.stderr)
    if arguments.json:
        arguments.json.write_text(json.dumps(rows, indent=2))
    print(json.dumps(rows, indent=2))
    print(table(rows))


if __name__ == "__main__":
    main()
