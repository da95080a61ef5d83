"""How long disclosure control takes at national scale, beside the audit it protects.

Usage::

    python benchmarks/protect_national.py [--cases 100000] [--areas 42]

Audits the national-profile dataset of ``run_each_area.py`` (generated once, cached in
``benchmarks/.data/``) over 2025-26 and times :func:`mappa_audit._privacy.protect` of its
rule results and each area's, as a board run of all areas does (``AuditReport.for_board``):
in one process (the plain baseline), then shared among one process per core (what a run
does). Prints the seconds, the ratio between them and to the audit itself (machines here are
shared and noisy, so compare ratios), and the counts withheld, which must be the same.

Then the annual tables of 2025-26: the all-areas tables protected on their own (the plain
baseline, as before decision 60) beside the all-areas and every area's tables protected
together (``AnnualSource.hidden``, what a board's run and ``annual`` do now).
"""

from __future__ import annotations

import argparse
import os
import time

import polars as pl
from run_each_area import dataset

from mappa_audit._annual import AnnualSource, hidden
from mappa_audit._engine import audit, known_areas
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
    tables = results_tables(result.rule_results, result.area_results)
    cells = sum(frame.height * len(tables.counts[name]) for name, frame in tables.frames.items())
    print(f"audit {audit_seconds:.1f} s; {cells:,} counts to protect")
    answers = []
    for label, workers in (("one process", 1), (f"{os.cpu_count()} processes", None)):
        started = time.perf_counter()
        shown = protect(tables, 5, workers=workers)
        seconds = time.perf_counter() - started
        withheld = sum(len(cell or []) for frame in shown.values()
                       for cell in frame[WITHHELD].to_list())
        answers.append((seconds, withheld))
        print(f"protect, {label}: {seconds:.1f} s ({seconds / audit_seconds:.0f}x the audit); "
              f"{withheld:,} counts withheld")
    (alone, withheld_alone), (shared, withheld_shared) = answers
    print(f"one process / shared: {alone / shared:.2f}x")
    assert withheld_alone == withheld_shared, "the shared work withheld other counts"
    annual(AnnualSource(result.dataset, "2025-26"))


def annual(source: AnnualSource) -> None:
    """The annual tables: all areas alone, then every area's with them."""
    started = time.perf_counter()
    areas = known_areas(source.dataset)
    tables = {area: source.tables(area) for area in [None, *areas]}
    made = time.perf_counter() - started
    print(f"annual tables of all areas and {len(areas)} areas: made in {made:.1f} s")
    started = time.perf_counter()
    alone = hidden(tables[None], 5)
    alone_seconds = time.perf_counter() - started
    print(f"annual, all areas protected alone: {alone_seconds:.1f} s; "
          f"{withheld_in(alone):,} counts withheld")
    started = time.perf_counter()
    together = {area: source.hidden(area, 5) for area in tables}
    seconds = time.perf_counter() - started
    print(f"annual, all areas and each area together: {seconds:.1f} s "
          f"({seconds / alone_seconds:.0f}x alone); {withheld_in(together[None]):,} counts "
          f"withheld of all areas, {sum(map(withheld_in, together.values())):,} in all")


def withheld_in(tables: dict[str, pl.DataFrame]) -> int:
    return sum(len(cell or []) for frame in tables.values() for cell in frame[WITHHELD].to_list())


if __name__ == "__main__":
    main()
