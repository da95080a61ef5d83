"""Where mappa_audit spends its time: the loader, the lazy plan, and each rule.

polars 2 has no ``LazyFrame.profile()`` (removed: per-node timings mislead under the streaming
engine), so this script measures by parts instead:

1. the loader, under ``cProfile`` (the top functions by own time);
2. the size of the lazy plans: lines, in-memory table scans, joins and cache nodes of each
   rule's optimised plan and of the engine's combined items plan (a shared lazy frame that
   polars does not cache is evaluated once per use);
3. ``audit()`` as shipped against the same call with the as-at view, the merged level
   history and the held meetings collected once (patched in from outside, results checked
   equal): the gap is the cost of re-evaluating shared lazy frames;
4. with those collected, the time of each remaining stage (every rule, data quality,
   breakdown keys, sort, summary);
5. the rules run as one combined plan (as the engine does, ``collect_all``) against rule by
   rule.

Nothing in ``mappa_audit`` is changed; the patch in 3 lives only in this process.

Usage::

    python benchmarks/profile_audit.py [DATA | --cases 100000] [--skip-shipped]
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import io
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

import mappa_audit
import mappa_audit._engine as engine
from mappa_audit._policy import load_policy
from mappa_audit.rules import build_context, data_quality_findings, ordered_rules

HERE = Path(__file__).resolve().parent
START, END = dt.date(2025, 4, 1), dt.date(2026, 3, 31)


def seconds(function: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    started = time.perf_counter()
    value = function()
    return time.perf_counter() - started, value


def full_audit(dataset: mappa_audit.Dataset) -> pl.DataFrame:
    result = mappa_audit.audit(dataset, START, END)
    result.headline()
    for dimension in mappa_audit.BREAKDOWNS:
        result.breakdown(dimension)
    return result.rule_results


def collected_context(original: Callable[..., Any]) -> Callable[..., Any]:
    """``build_context`` with the as-at view and its shared derivations collected once."""

    def build(dataset: Any, start: dt.date, end: dt.date, policy: Any) -> Any:
        ctx = original(dataset, start, end, policy)
        object.__setattr__(ctx, "tables", {k: v.collect().lazy() for k, v in ctx.tables.items()})
        ctx.__dict__["level_periods"] = ctx.level_periods.collect().lazy()
        ctx.__dict__["held_meetings"] = ctx.held_meetings.collect().lazy()
        return ctx

    return build


def loader_profile(folder: Path) -> float:
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.runcall(mappa_audit.load_dataset, folder)
    total = time.perf_counter() - started
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(8)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    print(f"\n## 1. load_dataset: {total:.2f} s; top functions by own time (cProfile)")
    for line in lines[start : start + 9]:
        print("   ", line.strip()[:150])
    print("    loader functions by cumulative time (s):")
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    loader = [(cumulative, name) for (file, _, name), (_, _, _, cumulative, _) in stats.items()
              if file.endswith("_loader.py") and cumulative > 0.02 * total]
    for cumulative, name in sorted(loader, reverse=True):
        print(f"      {name:32s} {cumulative:8.2f}")
    return total


def plan_sizes(dataset: mappa_audit.Dataset) -> None:
    ctx = build_context(dataset, START, END, load_policy(None))
    print("\n## 2. optimised lazy plans: nodes, in-memory table scans, joins, caches")

    def size(plan: str) -> str:
        return (f"lines {plan.count(chr(10)) + 1}, scans {plan.count('DF [')}, "
                f"joins {plan.count('JOIN')}, cache nodes {plan.count('CACHE')}")

    for spec in ordered_rules():
        print(f"    {spec.rule_id}: {size(spec.function(ctx).explain())}")
    plan = data_quality_findings(ctx, dataset.quarantine).explain()
    print(f"    data-quality plan: {size(plan)}")


def shipped_vs_collected(dataset: mappa_audit.Dataset, skip_shipped: bool) -> None:
    print("\n## 3. audit + headline + breakdowns")
    shipped_s = None
    shipped = None
    if not skip_shipped:
        shipped_s, shipped = seconds(lambda: full_audit(dataset))
        print(f"    as shipped:                                         {shipped_s:8.2f} s")
    original = engine.build_context
    engine.build_context = collected_context(original)
    try:
        full_audit(dataset)  # warm-up
        patched_s, patched = seconds(lambda: full_audit(dataset))
    finally:
        engine.build_context = original
    print(f"    as-at view, level history, held meetings collected once: {patched_s:8.2f} s")
    if shipped is not None:
        same = shipped.equals(patched)
        print(f"    same rule results: {same}; speed-up {shipped_s / patched_s:.1f}x")


def wall_and_cpu(function: Callable[[], Any]) -> tuple[tuple[float, float], Any]:
    """Wall and CPU seconds (all threads) of one call: on a busy machine, CPU is steadier."""
    gc.collect()
    started, cpu = time.perf_counter(), time.process_time()
    value = function()
    return (time.perf_counter() - started, time.process_time() - cpu), value


def stages(dataset: mappa_audit.Dataset) -> None:
    policy = load_policy(None)
    ctx = build_context(dataset, START, END, policy)
    print("\n## 4. stages, with shared frames collected once (wall and CPU seconds)")
    view_s, tables = wall_and_cpu(lambda: {k: v.collect() for k, v in ctx.tables.items()})
    object.__setattr__(ctx, "tables", {k: v.lazy() for k, v in tables.items()})

    def merge() -> pl.DataFrame:
        return ctx.level_periods.collect()

    merge_s, periods = wall_and_cpu(merge)
    ctx.__dict__["level_periods"] = periods.lazy()
    timeline_s, _ = wall_and_cpu(lambda: ctx.level_timeline)
    ctx.__dict__["held_meetings"] = ctx.held_meetings.collect().lazy()
    rows = [("as-at view (all tables)", view_s), ("level-history merge, once", merge_s),
            ("level timeline, once", timeline_s)]
    frames = {}
    for spec in ordered_rules():
        took, frame = wall_and_cpu(
            lambda spec=spec: engine._in_item_order(spec.rule_id, spec.function(ctx)).collect()
        )
        frames[spec.rule_id] = frame
        rows.append((spec.rule_id, took))
    rows.append(("DQ-01..06", wall_and_cpu(
        lambda: data_quality_findings(ctx, dataset.quarantine).collect())[0]))
    keys_s, items = wall_and_cpu(lambda: engine._with_breakdown_keys(ctx, list(frames.values())))
    rows.append(("breakdown keys", keys_s))
    rule_ids = [spec.rule_id for spec in ordered_rules()]
    rows.append(("summarise (counts, rates, RAG)",
                 wall_and_cpu(lambda: engine.summarise(items, policy, rule_ids))[0]))
    print(f"    {'stage':40s} {'wall':>8s} {'cpu':>8s}")
    for label, (wall, cpu) in sorted(rows, key=lambda row: -row[1][1]):
        print(f"    {label:40s} {wall:8.3f} {cpu:8.3f}")
    total_wall, total_cpu = (sum(took[i] for _, took in rows) for i in (0, 1))
    print(f"    {'total':40s} {total_wall:8.3f} {total_cpu:8.3f}")


def one_plan_vs_parts(dataset: mappa_audit.Dataset) -> None:
    """The engine runs the rules and findings as one plan (``collect_all``), then looks up the
    breakdown keys over the collected items; compare with rule by rule."""
    policy = load_policy(None)
    ctx = build_context(dataset, START, END, policy)
    frames = [engine._in_item_order(spec.rule_id, spec.function(ctx))
              for spec in ordered_rules()]
    findings = data_quality_findings(ctx, dataset.quarantine)
    print("\n## 5. one combined plan (as the engine runs it) against rule by rule (seconds)")

    def together() -> None:
        *done, _ = pl.collect_all([*frames, findings])
        engine._with_breakdown_keys(ctx, done)

    print(f"    collect_all(rules + findings), then keys:  {seconds(together)[0]:8.3f}")

    def parts() -> None:
        engine._with_breakdown_keys(ctx, [frame.collect() for frame in frames])
        findings.collect()

    print(f"    each rule collected alone, then keys:      {seconds(parts)[0]:8.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Profile mappa_audit by parts.")
    parser.add_argument("data", nargs="?", help="dataset folder (default: the cache)")
    parser.add_argument("--cases", type=int, default=100_000,
                        help="cached benchmark dataset to use when DATA is not given")
    parser.add_argument("--skip-shipped", action="store_true",
                        help="do not time the shipped audit (slow at 10x)")
    args = parser.parse_args(argv)
    folder = Path(args.data) if args.data else HERE / ".data" / f"cases{args.cases}-seed20260331"
    if not folder.is_dir():
        print(f"no dataset at {folder}; run benchmarks/run.py first", file=sys.stderr)
        return 2
    print(f"# profile of {folder} (polars {pl.__version__})")
    loader_profile(folder)
    dataset = mappa_audit.load_dataset(folder)
    plan_sizes(dataset)
    shipped_vs_collected(dataset, args.skip_shipped)
    stages(dataset)
    one_plan_vs_parts(dataset)
    return 0


if __name__ == "__main__":
    sys.exit(main())
