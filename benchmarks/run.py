"""Benchmark mappa_audit at national scale (100,000 cases) and 10x, against a pandas baseline.

Usage::

    python benchmarks/run.py [--scales 1,10] [--repeat 5] [--quick]

For each scale it measures, each as the median of ``--repeat`` runs after one warm-up (a
measure whose warm-up is slow gets fewer runs so that its timed runs fit in ``--budget``
seconds, default 600; at least one):

- load: ``mappa_audit.load_dataset(DATA)``;
- audit: ``mappa_audit.audit(...)`` for 2025-04-01..2026-03-31, then ``headline()``,
  ``breakdown(d)`` for every ``d`` in ``mappa_audit.BREAKDOWNS`` and ``data_quality()``;
- cli: whole-process wall time of ``mappa-audit check DATA ... --format json`` (run as
  ``python -m mappa_audit check ...``, the same entry point, so that it uses the snapshot);
- baseline: ``benchmarks/baseline_pandas.py`` on the same typed frames (converted to pandas
  outside the timed region), headline, breakdowns and DQ-01..06;

and once, the peak RSS of a child process that runs load + audit. The baseline's counts
(headline, every breakdown and the data-quality counts) must equal ours exactly, and the
CLI's JSON headline too: a mismatch is printed with rule id and counts and the script exits
1 after the table.

The package is copied to ``benchmarks/.data/snapshot/`` at the start and everything runs
against that copy (``--live``: the working tree as it changes). First, small awkward
datasets are cross-checked (``crosscheck.py``). Data is generated once into
``benchmarks/.data/`` (gitignored) and reused. Progress goes to
stderr, the results table to stdout, and the raw numbers to ``benchmarks/.data/results.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

HERE = Path(__file__).resolve().parent
SNAPSHOT_ENV = "MAPPA_AUDIT_BENCH_SNAPSHOT"


def _run_from_snapshot() -> None:
    """Re-run this script against a copy of the package taken now.

    Others edit ``mappa_audit`` while a benchmark runs (an hour at 10x); a copy keeps every
    measure, child process and CLI run on one version. ``PYTHONPATH`` puts the copy ahead of
    the editable install (whose finder comes after the path finder).
    """
    import importlib.util

    spec = importlib.util.find_spec("mappa_audit")
    if spec is None or spec.origin is None:
        return
    target = HERE / ".data" / "snapshot"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(Path(spec.origin).parent, target / "mappa_audit",
                    ignore=shutil.ignore_patterns("__pycache__"))
    path = os.pathsep.join(p for p in (str(target), os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, SNAPSHOT_ENV: str(target), "PYTHONPATH": path}
    os.execve(sys.executable, [sys.executable, str(Path(__file__).resolve()), *sys.argv[1:]],
              env)


if __name__ == "__main__" and SNAPSHOT_ENV not in os.environ and "--live" not in sys.argv:
    _run_from_snapshot()

sys.path.insert(0, str(HERE))

import baseline_pandas  # noqa: E402
import crosscheck  # noqa: E402
from compare import mismatches, our_frames  # noqa: E402

import mappa_audit  # noqa: E402

DATA_DIR = HERE / ".data"
NATIONAL_CASES = 100_000
QUICK_CASES = 20_000
SEED = 20260331
GENERATOR_ARGS: dict[str, Any] = {
    "start": dt.date(2021, 4, 1),
    "end": dt.date(2026, 3, 31),
    "areas": 12,
    "profile": "national",  # published proportions (issue 18), not the lapse-rich demo
}
PERIOD = ("2025-04-01", "2026-03-31")
GIB = 1024**3

TARGET_AUDIT_SECONDS = {1.0: 1.0, 10.0: 5.0}
TARGET_PEAK_BYTES_AT_10X = 2 * GIB
TARGET_SPEEDUP = 5.0

MEMORY_CHILD = """
import resource, sys, mappa_audit as ma
print(ma.__file__, file=sys.stderr)
dataset = ma.load_dataset(sys.argv[1])
result = ma.audit(dataset, sys.argv[2], sys.argv[3])
result.headline()
for dimension in ma.BREAKDOWNS:
    result.breakdown(dimension)
# VmHWM, not ru_maxrss: Linux carries the spawning process's peak RSS over into the child's
# ru_maxrss at exec, so ru_maxrss here would report this benchmark's own process (GiBs of
# frames) whenever it is the larger
try:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    print(int(line.split()[1]) * 1024)
except (OSError, StopIteration):
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---- data ---------------------------------------------------------------------------------


def dataset_for(cases: int) -> tuple[Path, float | None]:
    """The cached dataset folder of ``cases`` cases, generated now if absent.

    Returns the folder and the generation time (None when reused).
    """
    from mappa_audit._generate import generate_dataset

    folder = DATA_DIR / f"cases{cases}-seed{SEED}-national"
    if folder.is_dir():
        progress(f"reusing {folder.relative_to(HERE.parent)}")
        return folder, None
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    progress(f"generating {cases:,} cases into {folder.relative_to(HERE.parent)} ...")
    started = time.perf_counter()
    rows = generate_dataset(partial, cases=cases, seed=SEED, **GENERATOR_ARGS)
    seconds = time.perf_counter() - started
    partial.rename(folder)  # only a complete dataset ever has the final name
    progress(f"generated in {seconds:.1f} s: {rows}")
    return folder, seconds


# ---- measuring ----------------------------------------------------------------------------


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    started = time.perf_counter()
    value = function()
    return time.perf_counter() - started, value


SETTINGS = {"budget_s": 600.0}
"""Run-wide settings; ``budget_s``: timed runs of one measure stop once they would exceed it
(always at least one run)."""


def runs_within_budget(warmup_seconds: float, repeat: int) -> int:
    return max(1, min(repeat, int(SETTINGS["budget_s"] // max(warmup_seconds, 1e-9))))


def median_of(
    label: str, function: Callable[[], Any], repeat: int
) -> tuple[float, list[float], Any]:
    """Median seconds of up to ``repeat`` runs after one warm-up; also the warm-up's value.

    A measure whose warm-up is slow gets fewer runs (``--budget``), at least one.
    """
    warmup_seconds, value = timed(function)
    count = runs_within_budget(warmup_seconds, repeat)
    note = f" (budget allows {count} of {repeat} runs)" if count < repeat else ""
    progress(f"  {label}: warm-up {warmup_seconds:.2f} s{note}")
    runs = []
    for index in range(count):
        seconds, _ = timed(function)
        runs.append(seconds)
        progress(f"  {label}: run {index + 1}/{count} {seconds:.2f} s")
    return statistics.median(runs), runs, value


def our_audit(dataset: mappa_audit.Dataset) -> dict[str, Any]:
    return our_frames(mappa_audit.audit(dataset, *PERIOD))


def run_cli(folder: Path) -> tuple[int, str, int]:
    """Run the CLI once; exit status, stdout, and the child's ru_maxrss in bytes (an upper
    bound: it includes this process's own peak, see ``MEMORY_CHILD``)."""
    # python -m mappa_audit: what the mappa-audit script runs, but honours the snapshot;
    # -P: the working directory (maybe the repository) must not shadow it
    command = [
        sys.executable, "-P", "-m", "mappa_audit", "check", str(folder),
        "--start", PERIOD[0], "--end", PERIOD[1], "--format", "json",
    ]  # fmt: skip
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(command, stdout=out, stderr=err)
        # wait4, not wait: it also gives the child's own resource usage
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode(errors="replace")
    if child.returncode not in (0, 1):
        progress(f"CLI failed ({child.returncode}): {stderr[-2000:]}")
    return child.returncode, stdout, usage.ru_maxrss * 1024


def timed_cli(folder: Path) -> tuple[float, tuple[int, str, int]]:
    started = time.perf_counter()
    outcome = run_cli(folder)
    return time.perf_counter() - started, outcome


def peak_memory(folder: Path) -> int:
    """Peak RSS (bytes) of a fresh process that loads the dataset and runs the audit.

    ``-P``: the working directory must not shadow the snapshot on ``PYTHONPATH``.
    """
    done = subprocess.run(
        [sys.executable, "-P", "-c", MEMORY_CHILD, str(folder), *PERIOD],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return int(done.stdout.strip().splitlines()[-1])


# ---- comparing ----------------------------------------------------------------------------


def cli_mismatches(cli_json: str, baseline: baseline_pandas.Counts) -> list[str]:
    outcomes = list(baseline_pandas.OUTCOMES)
    headline = baseline.rules[baseline.rules["dimension"] == "all"].set_index("rule_id")
    lines = []
    for rule in json.loads(cli_json)["rules"]:
        mine = [int(rule[o]) for o in outcomes]
        theirs = [int(headline.loc[rule["rule_id"], o]) for o in outcomes]
        if mine != theirs:
            lines.append(
                f"{rule['rule_id']} (CLI json): ours c/nc/p/na={'/'.join(map(str, mine))} "
                f"baseline={'/'.join(map(str, theirs))}"
            )
    return lines


def shout(lines: list[str], what: str) -> None:
    bar = "!" * 78
    print(f"\n{bar}\nCOUNT MISMATCH ({what}): {len(lines)} differing rows\n{bar}", file=sys.stderr)
    for line in lines[:60]:
        print(f"  {line}", file=sys.stderr)
    if len(lines) > 60:
        print(f"  ... and {len(lines) - 60} more", file=sys.stderr)
    print(bar, file=sys.stderr, flush=True)


# ---- one scale ----------------------------------------------------------------------------


def bench_scale(label: str, scale: float | None, cases: int, repeat: int) -> dict[str, Any]:
    folder, generate_seconds = dataset_for(cases)
    numbers, ours, base_counts = in_process(label, folder, repeat)
    gc.collect()
    problems = mismatches(ours, base_counts)
    if problems:
        shout(problems, f"scale {label}: ours vs pandas baseline")
    else:
        progress("  counts agree: headline and every breakdown of all 17 rules, DQ-01..06")

    progress(f"scale {label}: CLI check --format json (whole process)")
    cli_s, cli_runs, (code, cli_json, cli_peak) = _cli_median(folder, repeat)
    if code not in (0, 1):
        problems.append(f"CLI exited {code}")
    else:
        cli_problems = cli_mismatches(cli_json, base_counts)
        if cli_problems:
            shout(cli_problems, f"scale {label}: CLI JSON vs pandas baseline")
        problems += cli_problems

    progress(f"scale {label}: peak memory of a child running load + audit")
    peak = peak_memory(folder)
    progress(f"  peak RSS {peak / GIB:.2f} GiB")
    return {
        "label": label, "scale": scale, "cases": cases, "generate_s": generate_seconds,
        **numbers, "cli_s": cli_s, "cli_runs": cli_runs, "cli_peak_bytes": cli_peak,
        "peak_bytes": peak, "mismatches": problems,
    }  # fmt: skip


def in_process(
    label: str, folder: Path, repeat: int
) -> tuple[dict[str, Any], dict[str, Any], baseline_pandas.Counts]:
    """Load, our audit and the baseline in this process: timings, our counts, its counts."""
    progress(f"scale {label}: load")
    load_s, load_runs, dataset = median_of(
        "load", lambda: mappa_audit.load_dataset(folder), repeat
    )
    rows = {name: frame.height for name, frame in dataset.tables.items()}
    progress(f"  rows: {rows}")

    progress(f"scale {label}: audit (ours)")
    audit_s, audit_runs, ours = median_of("audit", lambda: our_audit(dataset), repeat)

    progress(f"scale {label}: pandas baseline (frames converted outside the timed region)")
    convert_s, tables = timed(
        lambda: {name: frame.to_pandas() for name, frame in dataset.tables.items()}
    )
    progress(f"  to_pandas: {convert_s:.2f} s (not timed)")
    quarantine_entries = dataset.quarantine.height
    base_s, base_runs, base_counts = median_of(
        "baseline", lambda: baseline_pandas.audit(tables, *PERIOD, quarantine_entries), repeat
    )
    numbers = {
        "rows": rows, "load_s": load_s, "load_runs": load_runs,
        "audit_s": audit_s, "audit_runs": audit_runs, "baseline_s": base_s,
        "baseline_runs": base_runs, "to_pandas_s": convert_s,
    }  # fmt: skip
    return numbers, ours, base_counts


def _cli_median(folder: Path, repeat: int) -> tuple[float, list[float], tuple[int, str, int]]:
    seconds, outcome = timed_cli(folder)
    count = runs_within_budget(seconds, repeat)
    note = f" (budget allows {count} of {repeat} runs)" if count < repeat else ""
    progress(f"  cli: warm-up {seconds:.2f} s, exit {outcome[0]}{note}")
    runs = []
    for index in range(count):
        seconds, _ = timed_cli(folder)
        runs.append(seconds)
        progress(f"  cli: run {index + 1}/{count} {seconds:.2f} s")
    return statistics.median(runs), runs, outcome


# ---- report -------------------------------------------------------------------------------


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "MISSED")


def report(results: list[dict[str, Any]]) -> list[tuple[str, str, bool]]:
    """Print the results table; return the targets as (name, measured, met)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"mappa_audit benchmarks (audit period {PERIOD[0]}..{PERIOD[1]})")
    for column in ("scale", "cases", "measure", "ours", "pandas baseline", "baseline/ours",
                   "target", "verdict"):
        table.add_column(column, justify="left" if column in {"measure", "target"} else "right")
    targets: list[tuple[str, str, bool]] = []
    for r in results:
        ratio = r["baseline_s"] / r["audit_s"]
        audit_target = TARGET_AUDIT_SECONDS.get(r["scale"]) if r["scale"] is not None else None
        audit_ok = None if audit_target is None else r["audit_s"] <= audit_target
        speed_ok = ratio >= TARGET_SPEEDUP if r["scale"] is not None else None
        memory_ok = r["peak_bytes"] <= TARGET_PEAK_BYTES_AT_10X if r["scale"] == 10.0 else None
        scale, cases = r["label"], f"{r['cases']:,}"
        table.add_row(scale, cases, "load (load_dataset)", f"{r['load_s']:.2f} s", "", "", "", "")
        table.add_row(
            scale, cases, "audit + headline + breakdowns + DQ", f"{r['audit_s']:.2f} s",
            f"{r['baseline_s']:.2f} s", f"{ratio:.2f}x",
            f"<= {audit_target:g} s; ratio >= {TARGET_SPEEDUP:g}x" if audit_target else
            f"ratio >= {TARGET_SPEEDUP:g}x",
            f"{verdict(audit_ok)}; {verdict(speed_ok)}",
        )  # fmt: skip
        table.add_row(scale, cases, "CLI check --format json (process)", f"{r['cli_s']:.2f} s",
                      "", "", "", "")
        table.add_row(
            scale, cases, "peak RSS, load + audit child", f"{r['peak_bytes'] / GIB:.2f} GiB",
            "", "", "<= 2 GiB" if r["scale"] == 10.0 else "", verdict(memory_ok),
        )  # fmt: skip
        table.add_row(scale, cases, "counts equal baseline (+ CLI JSON)",
                      "yes" if not r["mismatches"] else f"NO ({len(r['mismatches'])})",
                      "", "", "exact", verdict(not r["mismatches"]), end_section=True)
        if audit_ok is not None:
            targets.append((f"audit at {scale}", f"{r['audit_s']:.2f} s", audit_ok))
        if speed_ok is not None:
            targets.append((f"baseline/ours at {scale}", f"{ratio:.2f}x", speed_ok))
        if memory_ok is not None:
            targets.append(
                (f"peak memory at {scale}", f"{r['peak_bytes'] / GIB:.2f} GiB", memory_ok)
            )
    Console(width=150).print(table)
    return targets


def source_digest() -> str:
    """A short digest of the package's source: others edit it, so results name what they timed."""
    import hashlib

    package = Path(mappa_audit.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def machine() -> dict[str, Any]:
    model = ""
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": model, "cores": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GIB, 1),
        "python": sys.version.split()[0], "load_average": os.getloadavg(),
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark mappa_audit against a pandas baseline.")
    parser.add_argument("--scales", default="1,10",
                        help="multiples of national scale (100,000 cases), comma-separated")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs after one warm-up")
    parser.add_argument("--budget", type=float, default=SETTINGS["budget_s"],
                        help="seconds of timed runs per measure after the warm-up; a slower "
                        "measure gets fewer than --repeat runs (at least one)")
    parser.add_argument("--crosscheck-seeds", type=int, default=None,
                        help="small awkward datasets to cross-check first "
                        "(benchmarks/crosscheck.py; default 10, 4 with --quick; 0: none)")
    parser.add_argument("--live", action="store_true",
                        help="time the package where it is, not a copy taken at the start "
                        "(others may edit it during the run)")
    parser.add_argument("--quick", action="store_true",
                        help=f"smoke run: {QUICK_CASES:,} cases, --repeat 1")
    args = parser.parse_args(argv)
    SETTINGS["budget_s"] = args.budget
    if args.crosscheck_seeds is None:
        args.crosscheck_seeds = 4 if args.quick else 10
    DATA_DIR.mkdir(parents=True, exist_ok=True)

    import polars as pl

    versions = {"polars": pl.__version__, "pandas": pd.__version__,
                "mappa_audit": mappa_audit.__version__, "source_digest": source_digest(),
                "started": time.strftime("%Y-%m-%d %H:%M:%S"),
                "package": str(Path(mappa_audit.__file__).parent)}
    progress(f"machine: {machine()}; {versions}")
    progress(f"timing mappa_audit from {Path(mappa_audit.__file__).parent}")
    if args.quick:
        plan: list[tuple[str, float | None, int]] = [("quick", None, QUICK_CASES)]
        repeat = 1
    else:
        scales = [float(s) for s in args.scales.split(",") if s.strip()]
        plan = [(f"{s:g}x", s, round(NATIONAL_CASES * s)) for s in scales]
        repeat = args.repeat
    cross_problems: list[str] = []
    if args.crosscheck_seeds:
        progress(f"cross-check on {args.crosscheck_seeds} small awkward datasets x "
                 f"{len(crosscheck.PERIODS)} periods ...")
        cross_problems = crosscheck.crosscheck(args.crosscheck_seeds, cases=60)
        if cross_problems:
            shout(cross_problems, "cross-check on small awkward datasets")
        else:
            progress("  cross-check: counts agree")
    results = [bench_scale(label, scale, cases, repeat) for label, scale, cases in plan]

    targets = report(results)
    if len(results) > 1:
        first, last = results[0], results[-1]
        grow = last["cases"] / first["cases"]
        print(f"growth {first['label']} -> {last['label']} ({grow:g}x cases): "
              f"load {last['load_s'] / first['load_s']:.1f}x, "
              f"audit {last['audit_s'] / first['audit_s']:.1f}x, "
              f"baseline {last['baseline_s'] / first['baseline_s']:.1f}x, "
              f"cli {last['cli_s'] / first['cli_s']:.1f}x, "
              f"peak memory {last['peak_bytes'] / first['peak_bytes']:.1f}x")
    for name, measured, ok in targets:
        print(f"target {name}: {measured} -> {'met' if ok else 'MISSED'}")
    out = DATA_DIR / ("results-quick.json" if args.quick else "results.json")
    out.write_text(json.dumps(
        {"machine": machine(), "versions": versions, "period": PERIOD, "repeat": repeat,
         "crosscheck_seeds": args.crosscheck_seeds, "crosscheck_mismatches": cross_problems,
         "budget_s": SETTINGS["budget_s"],
         "results": results}, indent=2, default=str))  # fmt: skip
    progress(f"raw numbers: {out.relative_to(HERE.parent)}")

    if args.crosscheck_seeds:
        verdict_word = "FAILED" if cross_problems else "ok"
        print(f"cross-check on {args.crosscheck_seeds} small datasets: "
              f"{len(cross_problems)} mismatching rows -> {verdict_word}")
    print(f"mappa_audit source digest {versions['source_digest']}, started {versions['started']}")
    problems = cross_problems + [line for r in results for line in r["mismatches"]]
    if problems:
        shout(problems, "summary")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
