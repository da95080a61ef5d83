"""An adversary with a pencil: what a reader can work out of a board's tables.

Given what is shown (a hidden count is null: from 1 to ``suppress_below - 1`` when shown as
``<5``, anything at all when named in its row's ``withheld`` list, ``[c]``) and every additive
relation between the counts, it narrows the range of each hidden count until nothing
changes, and reports every small count whose range is down to one value. Written apart from
:func:`mappa_audit._privacy.protect` on purpose: the checker must not share its bugs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import polars as pl

from mappa_audit._privacy import WITHHELD, Cell, Relation

INFINITY = math.inf


def recovered(shown: Mapping[str, pl.DataFrame], exact: Mapping[str, pl.DataFrame],
              counts: Mapping[str, tuple[str, ...]], relations: tuple[Relation, ...],
              suppress_below: int, *, every: bool = False) -> list[tuple[Cell, int]]:
    """Each small count (1 to ``suppress_below - 1`` in ``exact``) a reader of ``shown``
    can recover exactly, with its value; with ``every``, each count of any size."""
    low: dict[Cell, float] = {}
    high: dict[Cell, float] = {}
    small: dict[Cell, int] = {}
    for name, frame in exact.items():
        view = shown[name]
        marks = (view[WITHHELD].to_list() if WITHHELD in view.columns
                 else [None] * view.height)
        for column in counts.get(name, ()):
            if column not in frame.columns:
                continue
            printed = view[column].to_list() if column in view.columns else None
            for row, value in enumerate(frame[column].to_list()):
                cell = (name, row, column)
                if value is not None and (every or 0 < value < suppress_below):
                    small[cell] = value
                if printed is None:  # a figure never printed: anything
                    low[cell], high[cell] = 0, INFINITY
                elif printed[row] is None:
                    if column in (marks[row] or []):  # [c]: any value
                        low[cell], high[cell] = 0, INFINITY
                    else:
                        low[cell], high[cell] = 1, suppress_below - 1
                else:
                    low[cell] = high[cell] = int(printed[row])
    equations = [[(c, 1) for c in r.plus] + [(c, -1) for c in r.minus] for r in relations]
    for _ in range(500):
        moved = False
        for equation in equations:
            for target, sign in equation:
                if low[target] == high[target]:
                    continue
                # sign * target = -(sum of the others)
                others_low = sum(low[c] if s > 0 else -high[c] for c, s in equation
                                 if c != target)
                others_high = sum(high[c] if s > 0 else -low[c] for c, s in equation
                                  if c != target)
                bound_low, bound_high = -others_high, -others_low
                if sign < 0:
                    bound_low, bound_high = -bound_high, -bound_low
                if math.isfinite(bound_low) and bound_low > low[target]:
                    low[target], moved = math.ceil(bound_low), True
                if math.isfinite(bound_high) and bound_high < high[target]:
                    high[target], moved = math.floor(bound_high), True
        if not moved:
            break
    return [(cell, value) for cell, value in small.items() if low[cell] == high[cell]]


def relations_hold(exact: Mapping[str, pl.DataFrame], relations: tuple[Relation, ...]
                   ) -> list[Relation]:
    """The relations the exact figures break (there must be none: a relation that does not
    hold would make the checker see what is not there)."""
    def value(cell: Cell) -> int:
        found = exact[cell[0]][cell[2]][cell[1]] if cell[2] in exact[cell[0]].columns else None
        return 0 if found is None else int(found)

    return [r for r in relations
            if sum(value(c) for c in r.plus) != sum(value(c) for c in r.minus)]


def rates_of_hidden(shown: pl.DataFrame, rates: Mapping[str, tuple[str, ...]]) -> int:
    """How many rates are shown beside a hidden count they are drawn from."""
    return sum(
        shown.filter(pl.col(rate).is_not_null()
                     & pl.any_horizontal(pl.col(c).is_null() for c in sources)).height
        for rate, sources in rates.items() if rate in shown.columns)
