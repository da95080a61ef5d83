"""How long disclosure control takes at national scale, beside the audit it protects.

Usage::

    python benchmarks/protect_national.py [--cases 100000] [--areas 42]

Audits the national-profile dataset of ``run_each_area.py`` (generated once, cached in
``benchmarks/.data/``) over 2025-26 and times :func:`mappa_audit._privacy.protect` of its
rule results and each area's, rule by rule, as a board run of all areas does
(``AuditReport.for_board``). Prints seconds per rule, the total, the counts withheld and
the ratio to the audit itself: machines here are shared and noisy, so compare ratios.
"""

from __future__ import annotations

import argparse
import time

import polars as pl
from run_each_area import dataset

from mappa_audit._engine import audit
from mappa_audit._privacy import WITHHELD, protect, results_tables


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--areas", type=int, default=42)
    options = parser.parse_args()
    data = dataset(options.cases, options.areas)
    started = time.perf_counter()
    result = audit(data, "2025-04-01", "2026-03-31")
    audit_seconds = time.perf_counter() - started
    rules, areas = result.rule_results, result.area_results
    total = 0.0
    withheld = cells = 0
    print(f"{'rule':8} {'seconds':>8} {'withheld':>9}")
    for rule in rules["rule_id"].unique(maintain_order=True).to_list():
        tables = results_tables(rules.filter(pl.col("rule_id") == rule),
                                areas.filter(pl.col("rule_id") == rule))
        started = time.perf_counter()
        shown = protect(tables, 5)
        seconds = time.perf_counter() - started
        total += seconds
        count = sum(len(cell or []) for frame in shown.values()
                    for cell in frame[WITHHELD].to_list())
        withheld += count
        cells += sum(frame.height * 5 for frame in shown.values())
        print(f"{rule:8} {seconds:8.1f} {count:9d}")
    print(f"audit {audit_seconds:.1f} s; protect {total:.1f} s "
          f"({total / audit_seconds:.0f}x the audit); {withheld} of {cells} counts withheld")


if __name__ == "__main__":
    main()
