"""How long ``mappa-audit run`` takes at national scale: every area, and one area.

Usage::

    python benchmarks/run_each_area.py [--before PATH] [--cases 100000] [--areas 42]

Generates (once, cached in ``benchmarks/.data/``) a synthetic dataset of ``--cases`` cases over
five years in ``--areas`` areas, then times the whole command, as a scheduled job runs it:

- ``run --each-area`` (one run folder per area, both notebooks and their HTML);
- ``run --area <first area>``.

``--before PATH``: a source tree of another version (a ``git worktree`` of an older commit)
timed the same way in the same sitting, and the ratio printed: machines here are shared and
noisy, so compare ratios more than seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PERIOD = ("--start", "2025-04-01", "--end", "2026-03-31")
RUN_FAILED = 3
"""``run``'s exit status when some runs failed (their manifests say why)."""


def dataset(cases: int, areas: int) -> Path:
    folder = HERE / ".data" / f"profile-national-{cases}-{areas}areas"
    if not folder.exists():
        from mappa_audit._generate import generate_dataset

        print(f"generating {cases:,} cases in {areas} areas into {folder}", file=sys.stderr)
        generate_dataset(folder, cases=cases, seed=20260331, start=dt.date(2021, 4, 1),
                         end=dt.date(2026, 3, 31), areas=areas, profile="national")
    return folder


def timed_run(source: Path, data: Path, *args: str) -> tuple[float, int, int]:
    """Wall seconds, run folders and failed runs of one ``mappa-audit run`` of the ``source``
    tree (an older version may fail some areas a newer one runs: the time still counts, and
    the failures are printed beside it)."""
    with tempfile.TemporaryDirectory() as out:
        environment = dict(os.environ, PYTHONPATH=str(source))
        started = time.perf_counter()
        completed = subprocess.run(
            [sys.executable, "-m", "mappa_audit", "run", str(data), *PERIOD, *args,
             "--out", out], capture_output=True, text=True, env=environment, check=False,
            # not from the checkout: `python -m` puts the working folder first on sys.path,
            # ahead of PYTHONPATH, and the other version would import this one's package
            cwd=out)
        seconds = time.perf_counter() - started
        if completed.returncode not in (0, RUN_FAILED):
            sys.exit(f"run failed ({completed.returncode}):\n{completed.stderr[-3000:]}")
        folders = [Path(line) for line in completed.stdout.splitlines() if line.strip()]
        failed = sum(json.loads((folder / "manifest.json").read_text())["outcome"]
                     != "succeeded" for folder in folders)
    return seconds, len(folders), failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="source tree of the version to compare")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--areas", type=int, default=42)
    options = parser.parse_args()
    data = dataset(options.cases, options.areas)
    first_area = "Ashby Fen"
    sources = {"now": ROOT} | ({"before": options.before.resolve()} if options.before else {})
    figures: dict[tuple[str, str], float] = {}
    load = os.getloadavg()[0]
    print(f"{options.cases:,} cases, {options.areas} areas; load average {load:.1f} at start; "
          f"{os.cpu_count()} CPUs", file=sys.stderr)
    print(f"{'version':8} {'command':22} {'wall s':>8} {'folders':>8} {'failed':>7}")
    for what, args in (("run --each-area", ("--each-area",)),
                       ("run --area (one)", ("--area", first_area))):
        for name, source in sources.items():
            seconds, folders, failed = timed_run(source, data, *args)
            figures[name, what] = seconds
            print(f"{name:8} {what:22} {seconds:8.1f} {folders:8d} {failed:7d}", flush=True)
    if options.before:
        for what in ("run --each-area", "run --area (one)"):
            ratio = figures["before", what] / figures["now", what]
            print(f"{what}: before/now = {ratio:.1f}x")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}", file=sys.stderr)


if __name__ == "__main__":
    main()
