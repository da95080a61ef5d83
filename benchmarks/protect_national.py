"""How long disclosure control takes at national scale, beside the audit it protects.

Usage::

    python benchmarks/protect_national.py [--cases 100000] [--areas 42]

Audits the national-profile dataset of ``run_each_area.py`` (generated once, cached in
``benchmarks/.data/``) over 2025-26 and times :func:`mappa_audit._privacy.protect` of its
rule results and each area's, as a board run of all areas does (``AuditReport.for_board``):
in one process (the plain baseline), then shared among one process per core (what a run
does). Prints the seconds, the ratio between them and to the audit itself (machines here are
shared and noisy, so compare ratios), and the counts withheld, which must be the same.
"""

from __future__ import annotations

import argparse
import os
import time

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


if __name__ == "__main__":
    main()
