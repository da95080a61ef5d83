"""Disclosure control for board and public views: audiences and small-number suppression.

audit-rules.md, "Disclosure control": any count from 1 to ``suppress_below - 1`` is shown as
``<5`` (for the default of 5), and a rate whose population is below ``suppress_below`` is not
shown. :func:`protect` then withholds (``[c]``) what else a reader could work a small count
out from, over a description of the tables (:class:`TableSet`: the counts and their additive
relations), written once here for every board table (docs/decisions.md 55). Everything a
board sees goes through these; nothing below this floor knows about audiences.
"""

from __future__ import annotations

import copy
import enum
import functools
import math
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from mappa_audit._engine import NOT_RECORDED
from mappa_audit._errors import ArgumentError, SmallSuppressionError

COUNT_COLUMNS = ("compliant", "non_compliant", "pending", "not_assessable", "population")
MIN_BOARD_SUPPRESSION = 5
"""The smallest ``suppress_below`` a board-audience output may use without the override."""


class Audience(enum.StrEnum):
    """Who a view is for."""

    BOARD = "board"
    """Strategic Management Board and lay advisers: aggregates only, small numbers hidden."""
    AUDITOR = "auditor"
    """Co-ordinators and auditors: every count, and the exceptions with case ids."""


def parse_audience(value: str | Audience) -> Audience:
    """An :class:`Audience` from its name, with an error that lists the choices."""
    try:
        return Audience(str(value).strip().lower())
    except ValueError:
        msg = f"`audience` {value!r} is not one of: board, auditor"
        hint = "board for the SMB (aggregates only), auditor for co-ordinators"
        raise ArgumentError(msg, hint, argument="audience") from None


def check_board_suppression(suppress_below: int, policy_name: str, *,
                            allow_small_suppression: bool = False) -> bool:
    """Refuse a board-audience output whose policy hides too little.

    Returns ``True`` when ``suppress_below`` is below :data:`MIN_BOARD_SUPPRESSION` and the
    override let it through (the caller records that and says so), ``False`` when no override
    was needed; raises :class:`SmallSuppressionError` otherwise.

    Examples
    --------
    >>> check_board_suppression(5, "MAPPA default")
    False
    >>> check_board_suppression(3, "local", allow_small_suppression=True)
    True
    >>> check_board_suppression(3, "local")
    Traceback (most recent call last):
    ...
    mappa_audit._errors.SmallSuppressionError: policy 'local' sets suppress_below = 3, below 5, \
the smallest a board-audience output may use
    Hint: use audience='auditor' for a working view, or pass allow_small_suppression=True to \
publish it anyway (the run's manifest records it)
    """
    if suppress_below >= MIN_BOARD_SUPPRESSION:
        return False
    if allow_small_suppression:
        return True
    raise SmallSuppressionError(policy_name, suppress_below, MIN_BOARD_SUPPRESSION)


def shown_count(count: int | None, suppress_below: int) -> str:
    """A count as a board may see it.

    Examples
    --------
    >>> [shown_count(n, 5) for n in (0, 1, 4, 5, 120, None)]
    ['0', '<5', '<5', '5', '120', '<5']
    """
    if count is None:  # hidden already, in a board's files
        return f"<{suppress_below}"
    if 0 < count < suppress_below:
        return f"<{suppress_below}"
    return str(count)


def is_hidden(count: int | None, suppress_below: int) -> bool:
    """Whether a board may not see ``count`` exactly: from 1 to ``suppress_below - 1``, or
    already hidden (``None`` in a board's files and views).

    Examples
    --------
    >>> [is_hidden(n, 5) for n in (0, 1, 4, 5, None)]
    [False, True, True, False, True]
    """
    return count is None or 0 < count < suppress_below


def hide_small(frame: pl.DataFrame, suppress_below: int,
               counts: tuple[str, ...] = COUNT_COLUMNS,
               rates: dict[str, tuple[str, ...]] | None = None) -> pl.DataFrame:
    """``frame`` as a board's files and views hold it: each count from 1 to
    ``suppress_below - 1`` becomes null, and where there is a ``population`` under
    ``suppress_below`` (or hidden), the ``rate`` becomes null and the ``rag`` ``none`` (a RAG
    colour would give the rate away).

    ``rates`` names other rate-like columns and the populations they are drawn from: each is
    made null where any of its populations is under ``suppress_below`` (or hidden).

    This is the one place where numbers are hidden from a board; everything a board reads is
    built from its result. Hiding twice changes nothing.

    Examples
    --------
    >>> frame = pl.DataFrame({"rule_id": ["REV-01"], "compliant": [3], "non_compliant": [0],
    ...     "pending": [0], "not_assessable": [12], "population": [3], "rate": [1.0],
    ...     "rag": ["green"]})
    >>> hide_small(frame, 5).row(0)
    ('REV-01', None, 0, 0, 12, None, None, 'none')
    >>> hide_small(hide_small(frame, 5), 5).equals(hide_small(frame, 5))
    True
    >>> groups = pl.DataFrame({"eligible": [3, 40], "share": [0.33, 0.1]})
    >>> hide_small(groups, 5, counts=("eligible",), rates={"share": ("eligible",)}).rows()
    [(None, None), (40, 0.1)]
    """
    def under(population: str) -> pl.Expr:
        return pl.col(population).is_null() | (pl.col(population) < suppress_below)

    # rates are judged on the populations as given, before their counts are hidden
    hidden_rates = [
        pl.when(pl.any_horizontal(under(name) for name in populations)).then(None)
        .otherwise(pl.col(rate)).alias(rate)
        for rate, populations in (rates or {}).items() if rate in frame.columns
    ]
    hidden = [
        pl.when(pl.col(name).is_between(1, suppress_below - 1)).then(None)
        .otherwise(pl.col(name)).alias(name)
        for name in counts if name in frame.columns
    ]
    if "population" in frame.columns:
        small = pl.col("population").is_null() | (pl.col("population") < suppress_below)
        if "rate" in frame.columns:
            hidden.append(pl.when(small).then(None).otherwise(pl.col("rate")).alias("rate"))
        if "rag" in frame.columns:
            hidden.append(pl.when(small).then(pl.lit("none")).otherwise(pl.col("rag"))
                          .alias("rag"))
    if hidden_rates:
        frame = frame.with_columns(hidden_rates)
    return frame.with_columns(hidden)


def hide_small_in_results(document: dict[str, Any], suppress_below: int) -> dict[str, Any]:
    """A results document (``results.json``) as a board's files and views hold it: every
    count from 1 to ``suppress_below - 1`` null (rules, data quality, watch list, coming due,
    quarantine and table sizes), and the rate and RAG of each rule whose population is under
    ``suppress_below`` left out, as :func:`hide_small` does. ``document`` is not changed.
    """
    def hide(value: int | None) -> int | None:
        return None if is_hidden(value, suppress_below) else value

    hidden = copy.deepcopy(document)
    for entry in hidden["rules"]:
        for name in COUNT_COLUMNS:
            entry[name] = hide(entry[name])
        if is_hidden(entry["population"], suppress_below) or entry["population"] == 0:
            entry["rate"], entry["rag"] = None, "none"
    for path, name in RESULTS_COUNTS:
        for entry in _entries(hidden, path):
            entry[name] = hide(entry[name])
    return hidden


RESULTS_COUNTS = (
    (("data_quality", "*"), "rows"),
    (("signals", "*"), "cases"),
    (("due_by_week", "*"), "items"),
    (("quarantine",), "entries"),
    (("quarantine",), "rows"),
    (("dataset", "tables", "*"), "rows"),
    (("dataset", "tables", "*"), "rows_kept"),
    (("dataset", "tables", "*"), "quarantined"),
)
"""Every count of a results document besides the rules': where it is, and its field."""


def _entries(document: dict[str, Any], path: tuple[str, ...]) -> list[dict[str, Any]]:
    """The objects at ``path`` of ``document`` (``*``: each item of a list or object)."""
    found: list[Any] = [document]
    for step in path:
        if step == "*":
            found = [item for each in found
                     for item in (each.values() if isinstance(each, dict) else each)]
        else:
            found = [each[step] for each in found if step in each]
    return found


def suppress(rule_results: pl.DataFrame, suppress_below: int) -> pl.DataFrame:
    """``rule_results`` as a board reads them: :func:`hide_small`, then counts as text, a
    hidden one as ``"<5"``.

    Examples
    --------
    >>> frame = pl.DataFrame({"rule_id": ["REV-01"], "compliant": [3], "non_compliant": [0],
    ...     "pending": [0], "not_assessable": [12], "population": [3], "rate": [1.0],
    ...     "rag": ["green"]})
    >>> suppress(frame, 5).row(0)
    ('REV-01', '<5', '0', '0', '12', '<5', None, 'none')
    """
    return shown_counts(rule_results, suppress_below)


def shown_counts(frame: pl.DataFrame, suppress_below: int,
                 counts: tuple[str, ...] = COUNT_COLUMNS,
                 rates: dict[str, tuple[str, ...]] | None = None) -> pl.DataFrame:
    """``frame`` as a board reads it, counts as text: :func:`hide_small`, then each hidden
    count (null) shown as ``"<5"`` (for the default ``suppress_below``)."""
    hidden = hide_small(frame, suppress_below, counts, rates)

    def mark(name: str) -> pl.Expr:
        small = pl.lit(f"<{suppress_below}")
        if WITHHELD not in hidden.columns:
            return small
        return (pl.when(pl.col(WITHHELD).list.contains(name).fill_null(False))
                .then(pl.lit(WITHHELD_MARK)).otherwise(small))

    return hidden.with_columns(
        pl.col(name).cast(pl.String).fill_null(mark(name))
        for name in counts if name in hidden.columns
    )


# ---- secondary suppression: no total, difference or complement recovers a hidden count ------

Cell = tuple[str, int, str]
"""A count in a set of tables: the table's name, its row (from 0) and its column."""
WITHHELD = "withheld"
"""The column that lists, per row, the counts withheld to protect a small one (secondary
suppression): null in the row, like a small count, but shown as :data:`WITHHELD_MARK`."""
WITHHELD_MARK = "[c]"
"""How a withheld count is shown: it is not small (it is at least ``suppress_below``), so
``<5`` would not be true of it."""


@dataclass(frozen=True)
class Relation:
    """An additive relation a reader can use: the counts of ``plus`` add up to those of
    ``minus`` (a total and its parts, a row's population and its outcomes, the same total in
    two tables)."""

    plus: tuple[Cell, ...]
    minus: tuple[Cell, ...]

    @classmethod
    def total(cls, total: Cell, parts: list[Cell] | tuple[Cell, ...]) -> Relation:
        """``total`` is the sum of ``parts``."""
        return cls((total,), tuple(parts))


@dataclass(frozen=True)
class TableSet:
    """What a reader sees together, described for disclosure control: the tables, the
    columns of each that are counts, every additive relation between their counts, the rates
    drawn from them, and the counts to withhold only when nothing else will do (totals).

    A count column whose name starts with ``_`` is never shown: it stands for a figure the
    tables imply but do not print (people with no level recorded), so a small one is
    protected like a shown one."""

    frames: Mapping[str, pl.DataFrame]
    counts: Mapping[str, tuple[str, ...]]
    relations: tuple[Relation, ...] = ()
    rates: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    """Per table, each rate column and the counts of the same row it is drawn from: it is
    not shown when any of them is hidden or withheld (the rate would give it back)."""
    keep: frozenset[Cell] = frozenset()
    keep_most: frozenset[Cell] = frozenset()
    """Counts withheld only after every one of ``keep`` (the headline of all areas, above
    each area's)."""
    known: frozenset[Cell] = frozenset()
    """Counts a reader has whether or not they are printed, so never hidden nor withheld:
    those of items of unknown cases, which the headline less the areas gives (decision
    56)."""


def protect(tables: TableSet, suppress_below: int, *, workers: int | None = None
            ) -> dict[str, pl.DataFrame]:
    """The tables as a board may see them: each count from 1 to ``suppress_below - 1``
    hidden (null), and then, while any hidden count could still be worked out exactly from
    the shown counts and the relations, the smallest shown count (at least
    ``suppress_below``) in a relation with it withheld too (null, and named in the row's
    :data:`WITHHELD` column). A rate drawn from a hidden or withheld count is null, and so
    is a population's RAG. docs/decisions.md 55 says why secondary suppression.

    Counts already null (hidden in a board's files) stay hidden; protecting twice changes
    nothing. ``workers``: processes to share a large search among (``None``: one per core;
    :data:`PARALLEL_FROM`).

    Examples
    --------
    >>> frame = pl.DataFrame({"measure": ["a", "b", "c", "Total"], "count": [1515, 242, 3, 1760]})
    >>> tables = TableSet({"t": frame}, {"t": ("count",)},
    ...     (Relation.total(("t", 3, "count"), [("t", 0, "count"), ("t", 1, "count"),
    ...                                         ("t", 2, "count")]),),
    ...     keep=frozenset({("t", 3, "count")}))
    >>> protect(tables, 5)["t"].rows()
    [('a', 1515, None), ('b', None, ['count']), ('c', None, None), ('Total', 1760, None)]
    """
    values: dict[Cell, int | None] = {}
    for name, frame in tables.frames.items():
        for column in tables.counts.get(name, ()):
            if column in frame.columns:
                for row, value in enumerate(frame[column].to_list()):
                    values[(name, row, column)] = None if value is None else int(value)
    keep = dict.fromkeys(tables.keep, 1) | dict.fromkeys(tables.keep_most, 2)
    withheld = _withhold(values, tables.relations, keep, suppress_below, tables.known,
                         workers)
    return {name: _hidden_frame(tables, name, frame, withheld, suppress_below)
            for name, frame in tables.frames.items()}


def feasible_ranges(shown: Mapping[Cell, int], unknown: Mapping[Cell, tuple[float, float]],
                    relations: tuple[Relation, ...] | list[Relation], *,
                    changed: Iterable[Cell] | None = None) -> dict[Cell, tuple[float, float]]:
    """The least and greatest whole value each ``unknown`` count can take, given the
    ``shown`` counts and the ``relations`` (bounds propagated to a fixed point). What a
    reader with a pencil and patience can work out; a count whose range is one value is
    recovered.

    ``changed``: when ``unknown`` holds ranges worked out before and only these counts
    have changed since (shown now), the relations through them are where to start.

    Examples
    --------
    >>> feasible_ranges({("t", 0, "n"): 10, ("t", 1, "n"): 7}, {("t", 2, "n"): (1, 4)},
    ...     [Relation.total(("t", 0, "n"), [("t", 1, "n"), ("t", 2, "n")])])
    {('t', 2, 'n'): (3, 3)}
    """
    return _Propagation(relations).run(shown, unknown, changed)


class _Propagation:
    """The relations of a set of counts, indexed once, for :func:`feasible_ranges` to run
    many times over (the search for counts to withhold asks after every change)."""

    def __init__(self, relations: tuple[Relation, ...] | list[Relation]) -> None:
        self.equations = [[(cell, 1) for cell in r.plus] + [(cell, -1) for cell in r.minus]
                          for r in relations]
        self.through: dict[Cell, list[int]] = {}
        for index, terms in enumerate(self.equations):
            for cell, _ in terms:
                self.through.setdefault(cell, []).append(index)

    def run(self, shown: Mapping[Cell, int], unknown: Mapping[Cell, tuple[float, float]],
            changed: Iterable[Cell] | None = None) -> dict[Cell, tuple[float, float]]:
        bounds: dict[Cell, tuple[float, float]] = dict(unknown)
        equations, through = self.equations, self.through
        starts = (dict.fromkeys(i for c in bounds for i in through.get(c, [])) if changed is None
                  else dict.fromkeys(i for c in changed for i in through.get(c, [])))
        waiting = deque(starts)
        queued = set(waiting)
        budget = 200 * (len(equations) + 1)  # each step only narrows; tables settle soon
        while waiting and budget > 0:
            budget -= 1
            index = waiting.popleft()
            queued.discard(index)
            terms = equations[index]
            spans = []
            low_sum = high_sum = 0.0
            low_infinite = high_infinite = 0  # infinite ends are counted, not summed
            for cell, sign in terms:
                low, high = bounds[cell] if cell in bounds else (shown[cell], shown[cell])
                span = (low, high) if sign > 0 else (-high, -low)
                spans.append(span)
                if math.isinf(span[0]):
                    low_infinite += 1
                else:
                    low_sum += span[0]
                if math.isinf(span[1]):
                    high_infinite += 1
                else:
                    high_sum += span[1]
            for (cell, sign), (low, high) in zip(terms, spans, strict=True):
                if cell not in bounds:
                    continue
                # the others add up to -(this term): their range bounds it
                rest_low = _rest(low_sum, low_infinite, low, -math.inf)
                rest_high = _rest(high_sum, high_infinite, high, math.inf)
                new_low, new_high = ((-rest_high, -rest_low) if sign > 0
                                     else (rest_low, rest_high))
                old_low, old_high = bounds[cell]
                low_bound = max(old_low, math.ceil(new_low) if math.isfinite(new_low)
                                else old_low)
                high_bound = min(old_high, math.floor(new_high) if math.isfinite(new_high)
                                 else old_high)
                if low_bound > high_bound or low_bound > _NO_COUNT_THIS_BIG:
                    continue  # figures that break their relations: nothing more to learn
                if (low_bound, high_bound) != (old_low, old_high):
                    bounds[cell] = (low_bound, high_bound)
                    for other in through[cell]:
                        if other not in queued:
                            queued.add(other)
                            waiting.append(other)
        return bounds


_NO_COUNT_THIS_BIG = 10**12
"""Bounds beyond this come only from figures that break their relations."""


def _rest(finite_sum: float, infinite: int, end: float, infinity: float) -> float:
    """One end of the sum of every span but one, from the sum of the finite ends, how many
    are infinite, and the one's own end."""
    others_infinite = infinite - 1 if math.isinf(end) else infinite
    if others_infinite:
        return infinity
    return finite_sum if math.isinf(end) else finite_sum - end


def _withhold(values: dict[Cell, int | None], relations: tuple[Relation, ...],
              keep: Mapping[Cell, int], suppress_below: int,
              known: frozenset[Cell] = frozenset(), workers: int | None = None) -> set[Cell]:
    """The counts to withhold (shown as ``[c]``) so that no small one can be recovered: some
    shown ones, and now and then a small one whose ``<5`` would say too much.

    Each linked set (:func:`_components`) is protected on its own, by
    :func:`_withhold_linked`; when there are many counts, in ``workers`` processes (``None``:
    one per core), the sets shared out among them."""
    small = {c for c, v in values.items()
             if v is not None and 0 < v < suppress_below and c not in known}
    if suppress_below <= 2:  # "<2" is 1: a policy that allows it leaves nothing to protect
        small = set()
    # a set with no small count has nothing to protect (one read from a board's files, its
    # small counts hidden already, needs nothing more)
    jobs = sorted(((cells, linked) for cells, linked in _components(values, relations)
                   if any(c in small for c in cells)), key=lambda job: -len(job[0]))
    arguments = [({c: values[c] for c in cells}, linked, small & set(cells),
                  {c: keep[c] for c in cells if c in keep}, suppress_below,
                  known & set(cells)) for cells, linked in jobs]
    if workers is None:
        workers = os.cpu_count() or 1
    if workers > 1 and len(jobs) > 1 and len(values) >= PARALLEL_FROM:
        try:
            # spawned, not forked: polars' threads do not survive a fork
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")
                                     ) as pool:
                return set().union(*pool.map(_withhold_linked, *zip(*arguments, strict=True)))
        except (BrokenProcessPool, OSError):
            pass  # no process could start (a main module read from stdin): all in this one
    withheld: set[Cell] = set()
    for argument in arguments:
        withheld |= _withhold_linked(*argument)
    return withheld


PARALLEL_FROM = 20_000
"""Counts from which :func:`protect` shares the work out among processes: starting them
costs about a second, and a national run's tables hold 65,000 (docs/performance.md)."""


def _withhold_linked(values: dict[Cell, int | None], linked: list[Relation], small: set[Cell],
                     keep: Mapping[Cell, int], suppress_below: int, known: frozenset[Cell]
                     ) -> set[Cell]:
    """The counts of one linked set to withhold.

    It is protected part by part first (:func:`_protect_parts`), then checked whole and,
    where the parts together still give a small count away, more is withheld: first with no
    count of ``keep`` among the new, then with the lowest ranks of it allowed, and so on. A
    headline is withheld only when nothing else will do, not whenever the greedy search
    happens to reach it first."""
    cells = list(values)
    ranks = sorted(set(keep.values()))  # the least kept are the first allowed
    propagation = _Propagation(linked)
    protected = small - _given_by_known(cells, values, known, propagation)
    parts = frozenset(_protect_parts(cells, linked, values, protected, keep, suppress_below,
                                     known))
    for allowed in range(len(ranks)):
        barred = frozenset(c for c in cells if keep.get(c, 0) in ranks[allowed:])
        found, safe = _protect_linked(cells, linked, propagation, values, protected, keep,
                                      suppress_below, known, barred, parts)
        if safe:
            return found
    # nothing barred: the last try is kept, safe or not, as the most it could do
    return _protect_linked(cells, linked, propagation, values, protected, keep,
                           suppress_below, known, frozenset(), parts)[0]


def _protect_parts(cells: list[Cell], linked: list[Relation], values: dict[Cell, int | None],
                   small: set[Cell], keep: Mapping[Cell, int], suppress_below: int,
                   known: frozenset[Cell]) -> set[Cell]:
    """The counts of one linked set to withhold, found part by part: a first answer, for
    :func:`_protect_linked` to check over the whole set and complete.

    The headlines (``keep``) and known counts are where the parts meet: the headline rows
    are one part, protected first; then each breakdown (the areas by quarter, by level, ...)
    is one small table around them, protected with the headlines as the first part left
    them (a headline shown is not to be withheld). At national scale that is the difference
    between minutes and seconds."""
    joints = frozenset(c for c in cells if c in keep or c in known)
    values_of = {c: values[c] for c in cells}
    heads = [r for r in linked if all(c in joints for c in (*r.plus, *r.minus))]
    withheld: set[Cell] = set()
    for part, relations in _components({c: values_of[c] for c in joints}, tuple(heads)):
        withheld |= _protect_linked(part, relations, _Propagation(relations), values,
                                    small & set(part), keep, suppress_below, known,
                                    barred=frozenset(c for c in part if keep.get(c) == 2))[0]
    shown = frozenset(c for c in joints if c not in small and c not in withheld
                      and values[c] is not None and not c[2].startswith("_"))
    for part, relations in _components(values_of, tuple(linked), joints):
        if not any(c in small or values[c] is None or c[2].startswith("_")
                   for c in part if c not in joints):
            continue
        withheld |= _protect_linked(part, relations, _Propagation(relations), values,
                                    small & set(part), keep, suppress_below, known,
                                    shown & set(part), frozenset(withheld & set(part)))[0]
    return withheld


def _protect_linked(cells: list[Cell], linked: list[Relation], propagation: _Propagation,
                    values: dict[Cell, int | None], small: set[Cell], keep: Mapping[Cell, int],
                    suppress_below: int, known: frozenset[Cell], barred: frozenset[Cell],
                    start: frozenset[Cell] = frozenset()
                    ) -> tuple[set[Cell], bool]:
    """The counts of one linked set to withhold: ``start`` and more, none of the more
    ``barred``; and whether they are enough (no small count stays recoverable). Of the
    more, those found not needed after all are shown again."""
    by_cell: dict[Cell, list[Relation]] = {}
    for relation in linked:
        for cell in (*relation.plus, *relation.minus):
            by_cell.setdefault(cell, []).append(relation)
    withheld: set[Cell] = set(start)
    safe = True
    while True:
        unknown, shown = _reader_view(cells, values, small, withheld, suppress_below)
        ranges = propagation.run(shown, unknown)
        exposed = sorted(c for c in small if c in ranges and ranges[c][0] == ranges[c][1])
        if not exposed:
            break
        cost = functools.partial(_cost, values=values, small=small, withheld=withheld,
                                 keep=keep, suppress_below=suppress_below, known=known,
                                 barred=barred)
        chosen: set[Cell] = set()
        cheapest: list[Cell] | None = None  # of the whole set, found when first needed
        for cell in exposed:
            near = by_cell.get(cell, [])
            if any(c in chosen for r in near for c in (*r.plus, *r.minus)):
                continue  # one withheld this round already may protect it
            picks = _rectangle(cell, by_cell, cost)
            if not picks:
                pick = _best_withheld(cell, near, shown, ranges, cost)
                if pick is None:  # nothing near: widen to the whole linked set
                    if cheapest is None:
                        cheapest = sorted((c for c in cells if _can_withhold(cost(c))),
                                          key=lambda c: (cost(c), c), reverse=True)
                    while cheapest and cheapest[-1] in chosen:
                        cheapest.pop()
                    pick = cheapest[-1] if cheapest else None
                picks = set() if pick is None else {pick}
            chosen |= picks
        if not chosen:
            safe = False  # nothing left to withhold
            break
        withheld |= chosen
    if safe and withheld - start:
        _release(cells, values, propagation, small, withheld, keep, suppress_below,
                 withheld - start)
    return withheld, safe


def _can_withhold(price: float | None) -> bool:
    """Whether a count of this :func:`_cost` may be withheld (it is shown, and not barred)."""
    return price is not None and math.isfinite(price)


def _given_by_known(cells: list[Cell], values: dict[Cell, int | None], known: frozenset[Cell],
                    propagation: _Propagation) -> set[Cell]:
    """The counts of ``cells`` that the known counts alone pin to one value (every other
    count withheld): no withholding can protect them, and they say nothing a reader does not
    have already. Searching to protect one would withhold the whole linked set in vain (the
    level "none" of a rule whose only items of no level are of unknown cases)."""
    shown = {c: v for c in cells if c in known and (v := values[c]) is not None}
    if not shown:
        return set()
    unknown = {c: (0.0, math.inf) for c in cells if c not in shown}
    ranges = propagation.run(shown, unknown)
    return {c for c, (low, high) in ranges.items() if low == high}


def _cost(cell: Cell, *, values: dict[Cell, int | None], small: set[Cell],
          withheld: set[Cell], keep: Mapping[Cell, int], suppress_below: int,
          known: frozenset[Cell] = frozenset(), barred: frozenset[Cell] = frozenset()
          ) -> float | None:
    """What withholding ``cell`` costs the board; ``None`` when it is not shown already
    (nor small): it can say no less; infinite when it is ``barred`` (not to be withheld
    in this search)."""
    value = values[cell]
    if cell in withheld or value is None or cell[2].startswith("_") or cell in known:
        return None
    if cell in barred:
        return math.inf
    # a small one says little more as [c]; a 0 is cheap, but a board reads it
    price = 1 if cell in small else max(value, suppress_below)
    return price + 1e9 * keep.get(cell, 0)


def _reader_view(cells: list[Cell], values: dict[Cell, int | None], small: set[Cell],
                 withheld: set[Cell], suppress_below: int
                 ) -> tuple[dict[Cell, tuple[float, float]], dict[Cell, int]]:
    """What a reader knows of ``cells``: a range for each count not shown, and the shown."""
    unknown = {c: _reader_range(c, values[c], c in withheld, suppress_below)
               for c in cells if c in small or c in withheld or values[c] is None
               or c[2].startswith("_")}
    shown = {c: int(v) for c in cells if c not in unknown and (v := values[c]) is not None}
    return unknown, shown


def _release(cells: list[Cell], values: dict[Cell, int | None], propagation: _Propagation,
             small: set[Cell], withheld: set[Cell], keep: Mapping[Cell, int],
             suppress_below: int, candidates: set[Cell]) -> None:
    """Show again each of the ``candidates`` withheld (totals first, then the largest) whose
    showing lets no small count be worked out: the greedy search withholds more than it
    needs."""
    mine = sorted((c for c in cells if c in candidates),
                  key=lambda c: (-keep.get(c, 0), -(values[c] or 0), c))
    unknown, shown = _reader_view(cells, values, small, withheld, suppress_below)
    ranges = propagation.run(shown, unknown)
    for candidate in mine:
        withheld.discard(candidate)
        unknown, shown = _reader_view(cells, values, small, withheld, suppress_below)
        # showing one more count only narrows what a reader knows: start from before
        before = {c: (max(r[0], ranges.get(c, r)[0]), min(r[1], ranges.get(c, r)[1]))
                  for c, r in unknown.items()}
        trial = propagation.run(shown, before, changed=[candidate])
        if any(c in trial and trial[c][0] == trial[c][1] for c in small):
            withheld.add(candidate)
        else:
            ranges = trial


Cost = Callable[[Cell], "float | None"]


def _rectangle(cell: Cell, by_cell: dict[Cell, list[Relation]], cost: Cost) -> set[Cell]:
    """The cheapest counts that close a rectangle with ``cell`` (one beside it in each of
    two of its relations, and the corner that shares a relation with both), so that each
    relation through the four has two counts not shown: the classic pattern of secondary
    suppression in a table with totals. Empty when there is none."""
    def cells(relation: Relation) -> set[Cell]:
        return {*relation.plus, *relation.minus}

    def price(candidate: Cell) -> float:
        found = cost(candidate)
        return 0 if found is None else found  # None: not shown already

    relations = by_cell.get(cell, [])
    # sorted, and ties broken on the cells: the same tables give the same choice in any
    # process (sets of tuples of text iterate in an order that changes between processes)
    best: tuple[float, tuple[Cell, ...]] | None = None
    for first_index, first in enumerate(relations):
        for second in relations[first_index + 1:]:
            for beside in sorted(cells(first) - {cell}):
                corners_beside = {w for r in by_cell.get(beside, []) if r is not first
                                  for w in cells(r)}
                for above in sorted(cells(second) - {cell, beside}):
                    corners = corners_beside & {w for r in by_cell.get(above, [])
                                                if r is not second for w in cells(r)}
                    for corner in sorted(corners - {cell, beside, above}):
                        total = price(beside) + price(above) + price(corner)
                        if total == 0 or math.isinf(total):
                            continue  # all four hidden already, or one of them barred
                        found = (total, tuple(sorted((beside, above, corner))))
                        if best is None or found < best:
                            best = found
    return set() if best is None else {c for c in best[1] if cost(c) is not None}


def _best_withheld(cell: Cell, near: list[Relation], shown: dict[Cell, int],
                   ranges: dict[Cell, tuple[float, float]], cost: Cost) -> Cell | None:
    """The cheapest count, in a relation with ``cell``, whose withholding leaves ``cell``
    more than one value (judged on those relations only); else the cheapest."""
    candidates = sorted({c for r in near for c in (*r.plus, *r.minus)
                         if _can_withhold(cost(c))},
                        key=lambda c: (cost(c), c))
    for candidate in candidates:
        trial_shown = {c: v for c, v in shown.items() if c != candidate}
        trial = {c: r for c, r in ranges.items()
                 if any(c in (*x.plus, *x.minus) for x in near)}
        trial[candidate] = (0, math.inf)
        after = feasible_ranges(trial_shown, trial, near)
        if after[cell][0] != after[cell][1]:
            return candidate
    return candidates[0] if candidates else None


def _reader_range(cell: Cell, value: int | None, withheld: bool,
                  suppress_below: int) -> tuple[float, float]:
    """What a reader knows of a count not shown: a small one (``<5``) is 1 to
    ``suppress_below - 1``; a withheld one (``[c]``), one never printed, or one hidden
    already could be anything."""
    if cell[2].startswith("_") or value is None:
        return (0, math.inf)
    if withheld:
        return (0, math.inf)
    return (1, suppress_below - 1)


def _components(values: Mapping[Cell, int | None], relations: tuple[Relation, ...],
                fixed: frozenset[Cell] = frozenset()
                ) -> list[tuple[list[Cell], list[Relation]]]:
    """The counts split into sets linked by relations (each set is protected on its own).

    A ``fixed`` count (one the reader is sure to see) links nothing: it is in each set whose
    relations go through it, and a relation of fixed counts alone is in none."""
    parent: dict[Cell, Cell] = {}

    def root(cell: Cell) -> Cell:
        parent.setdefault(cell, cell)
        while parent[cell] != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    for relation in relations:
        free = [c for c in (*relation.plus, *relation.minus) if c not in fixed]
        for cell in free[1:]:
            parent[root(cell)] = root(free[0])
    groups: dict[Cell, tuple[list[Cell], list[Relation]]] = {}
    for cell in values:
        if cell not in fixed:
            groups.setdefault(root(cell), ([], []))[0].append(cell)
    for relation in relations:
        free = [c for c in (*relation.plus, *relation.minus) if c not in fixed]
        if free:
            group = groups[root(free[0])]
            group[1].append(relation)
            group[0].extend(c for c in (*relation.plus, *relation.minus)
                            if c in fixed and c not in group[0])
    return list(groups.values())


def _hidden_frame(tables: TableSet, name: str, frame: pl.DataFrame, withheld: set[Cell],
                  suppress_below: int) -> pl.DataFrame:
    counts = [c for c in tables.counts.get(name, ()) if c in frame.columns]
    withheld_here: list[list[str] | None] = [None] * frame.height
    if WITHHELD in frame.columns:
        withheld_here = [None if v is None else list(v) for v in frame[WITHHELD].to_list()]
    for _, row, column in sorted(c for c in withheld if c[0] == name):
        withheld_here[row] = [*(withheld_here[row] or []), column]
    hidden_cell = [
        pl.col(column).is_null() | pl.col(column).is_between(1, suppress_below - 1)
        | pl.col("_withheld").list.contains(column).fill_null(False)
        for column in counts]
    frame = frame.with_columns(pl.Series("_withheld", withheld_here, dtype=pl.List(pl.String)))
    rates = tables.rates.get(name, {})
    hide_rates = [
        pl.when(pl.any_horizontal(hidden_cell[counts.index(c)] for c in sources))
        .then(None).otherwise(pl.col(rate)).alias(rate)
        for rate, sources in rates.items() if rate in frame.columns]
    frame = frame.with_columns(hide_rates)
    if "rag" in frame.columns and "rate" in rates:
        frame = frame.with_columns(pl.when(pl.col("rate").is_null()).then(pl.lit("none"))
                                   .otherwise(pl.col("rag")).alias("rag"))
    frame = frame.with_columns(
        pl.when(hidden).then(None).otherwise(pl.col(column)).alias(column)
        for column, hidden in zip(counts, hidden_cell, strict=True))
    shown = [c for c in frame.columns if not c.startswith("_") and c != WITHHELD]
    return frame.select(*shown, pl.col("_withheld").alias(WITHHELD))


def hidden_as_in(frame: pl.DataFrame, shown: pl.DataFrame,
                 counts: tuple[str, ...] = COUNT_COLUMNS) -> pl.DataFrame:
    """``frame``'s rows (rule results, or another table of ``counts``) with every count that
    ``shown`` (the same rows as another board output shows them, protected) hides hidden
    too, and its withheld lists carried over, for :func:`protect` to protect the rest around
    them. Rows are matched on the columns they share of ``area``, ``rule_id``,
    ``dimension`` and ``value``; a row ``shown`` does not hold is left as it is.

    An area's own board run and the all-areas board both show that area's rows: protected
    apart, each could give away what the other withholds (decisions 59, 61).
    """
    keys = [c for c in ("area", "rule_id", "dimension", "value")
            if c in frame.columns and c in shown.columns]
    counts = tuple(c for c in counts if c in frame.columns)
    marks = shown.select(
        *keys, *(pl.col(c).is_null().alias(f"_hidden_{c}") for c in counts),
        pl.col(WITHHELD).alias("_shown_withheld") if WITHHELD in shown.columns
        else pl.lit(None, pl.List(pl.String)).alias("_shown_withheld"))
    joined = frame.with_row_index("_order").join(marks, on=keys, how="left", nulls_equal=True)
    withheld = (pl.col("_shown_withheld") if WITHHELD not in frame.columns
                else pl.coalesce("_shown_withheld", WITHHELD))
    return (joined.sort("_order")
            .with_columns(
                *(pl.when(pl.col(f"_hidden_{c}").fill_null(False)).then(None)
                  .otherwise(pl.col(c)).alias(c) for c in counts),
                withheld.alias(WITHHELD))
            .select(*frame.columns, *([] if WITHHELD in frame.columns else [WITHHELD])))


def read_together(parts: Mapping[str | None, TableSet], *,
                  same_rows: frozenset[str] = frozenset(),
                  labels: frozenset[str] = frozenset()) -> TableSet:
    """The tables of all areas (key ``None``, which must be there) and of each area, as a
    board that holds them all reads them: each part's own relations, each table of an area
    named ``<table>@<area>`` (:func:`part_name`); a table of ``same_rows`` (one whose rows
    are areas, or their units) holds in an area's part that area's rows of the all-areas
    table, the same counts; and in every other table, each count of the areas adds up to the
    all-areas count of its row (rows are matched on their text columns and ``labels``),
    less what the items of cases of no known area add. That rest describes no group of
    people and is given to the reader (``known``), as decision 56 gives the counts of
    unknown cases; it is the table ``@unknown area``.

    The all-areas headlines (``keep``) are withheld last, after the areas' (decision 60).
    """
    frames: dict[str, pl.DataFrame] = {}
    counts: dict[str, tuple[str, ...]] = {}
    rates: dict[str, Mapping[str, tuple[str, ...]]] = {}
    relations: list[Relation] = []
    keep: set[Cell] = set()
    keep_most: set[Cell] = set()
    known: set[Cell] = set()
    for area, part in parts.items():
        def named(cell: Cell, area: str | None = area) -> Cell:
            return (part_name(area, cell[0]), cell[1], cell[2])

        for name, frame in part.frames.items():
            frames[part_name(area, name)] = frame
            counts[part_name(area, name)] = part.counts.get(name, ())
            if name in part.rates:
                rates[part_name(area, name)] = part.rates[name]
        relations += [Relation(tuple(map(named, r.plus)), tuple(map(named, r.minus)))
                      for r in part.relations]
        (keep_most if area is None else keep).update(map(named, part.keep | part.keep_most))
        known.update(map(named, part.known))
    rests: list[int] = []
    for name, frame in parts[None].frames.items():
        keys = [c for c, dtype in frame.schema.items() if dtype == pl.String or c in labels]
        rows = {key: i for i, key in enumerate(frame.select(keys).iter_rows())}
        sums: dict[tuple[int, str], list[Cell]] = {}
        for area, part in parts.items():
            if area is None or name not in part.frames:
                continue
            mine = part.frames[name]
            for i, key in enumerate(mine.select(keys).iter_rows()):
                for column in parts[None].counts.get(name, ()):
                    if key not in rows or column not in mine.columns or mine[column][i] is None:
                        continue  # not a row of all areas, or not a count of this part
                    cell = (part_name(area, name), i, column)
                    if name in same_rows:
                        relations.append(Relation.total((name, rows[key], column), [cell]))
                    else:
                        sums.setdefault((rows[key], column), []).append(cell)
        for (row, column), cells in sums.items():
            total = frame[column][row]
            if total is None:
                continue
            rest = int(total) - sum(int(frames[c[0]][c[2]][c[1]]) for c in cells)
            if rest:
                known.add((UNKNOWN_AREA, len(rests), "count"))
                rests.append(rest)
            relations.append(Relation.total((name, row, column), [
                *cells, *([(UNKNOWN_AREA, len(rests) - 1, "count")] if rest else [])]))
    frames[UNKNOWN_AREA] = pl.DataFrame({"count": rests}, schema={"count": pl.Int64})
    counts[UNKNOWN_AREA] = ("count",)
    return TableSet(frames, counts, tuple(relations), rates, frozenset(keep),
                    frozenset(keep_most), frozenset(known))


UNKNOWN_AREA = "@unknown area"
"""The table, in :func:`read_together`, of what the items of cases of no known area add to
a count of all areas."""


def part_name(area: str | None, name: str) -> str:
    """A table's name in :func:`read_together`: ``name`` of all areas, ``name@area``."""
    return name if area is None else f"{name}@{area}"


AREA_COUNTS = {"signals": ("signal_id", "cases"), "data_quality": ("rule_id", "rows"),
               "due_by_week": ("week", "items")}
"""The counts of ``results.json`` that an area's run counts of its own cases, under the key
that names each: read together, the areas' add up to all areas' (decision 62)."""

OF_THE_DATASET = frozenset({"DQ-01"})
"""Counts of ``AREA_COUNTS`` that are of the whole dataset in every run (the rows
quarantined), protected with the quarantine by :func:`protect_results_counts`."""


def area_counts(document: dict[str, Any]) -> pl.DataFrame:
    """The counts of ``AREA_COUNTS`` in a results document: ``section``, ``key``,
    ``count`` and the ``withheld`` list of each."""
    rows = [(section, str(entry[key]), entry[counted], entry.get(WITHHELD))
            for section, (key, counted) in AREA_COUNTS.items()
            for entry in document.get(section) or [] if str(entry[key]) not in OF_THE_DATASET]
    return pl.DataFrame(rows, schema={"section": pl.String, "key": pl.String,
                                      "count": pl.Int64, WITHHELD: pl.List(pl.String)},
                        orient="row")


def protect_area_counts(exact: dict[str, Any], document: dict[str, Any],
                        by_area: pl.DataFrame | None, suppress_below: int
                        ) -> tuple[dict[str, Any], pl.DataFrame | None]:
    """``document`` (``exact``, the results of all areas, as a board holds it) with the
    counts of ``AREA_COUNTS`` protected together with each area's (``by_area``: ``area``,
    then as :func:`area_counts` gives them, exact), and each area's as protected. An area's
    run read against the all-areas run could otherwise give back what either hides: 9 cases
    on the watch list, 5 in one area, 0 in another, the third's ``<5`` is 4 (decision 62)."""
    if by_area is None or by_area.is_empty():
        return document, None

    def counts_set(frame: pl.DataFrame) -> TableSet:
        return TableSet({"counts": frame.drop(WITHHELD, strict=False)}, {"counts": ("count",)})

    whole, areas = protect_with_areas(area_counts(exact), by_area, counts_set, suppress_below)
    return with_area_counts(document, whole), areas


def protect_with_areas(whole: pl.DataFrame, by_area: pl.DataFrame,
                       table_set: Callable[[pl.DataFrame], TableSet], suppress_below: int
                       ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A table of all areas, ``whole``, and each area's (``by_area``: ``area``, then the
    same columns), protected as one (:func:`read_together` of ``table_set`` of each, a set
    of that one table); each area's comes back with ``area`` first."""
    parts = {None: table_set(whole)} | {
        str(area): table_set(frame.drop("area"))
        for (area,), frame in by_area.partition_by("area", as_dict=True,
                                                    maintain_order=True).items()}
    [name] = parts[None].frames
    protected = protect(read_together(parts), suppress_below)
    return protected[name], pl.concat([
        protected[part_name(area, name)].select(pl.lit(area).alias("area"), pl.all())
        for area in parts if area is not None])


def with_area_counts(document: dict[str, Any], protected: pl.DataFrame) -> dict[str, Any]:
    """``document`` with each count of ``AREA_COUNTS`` that ``protected`` (rows as
    :func:`area_counts` gives them) hides hidden too, and named in ``withheld`` where it is
    withheld. ``document`` is not changed."""
    document = copy.deepcopy(document)
    hidden = {(section, key): withheld for section, key, count, withheld
              in protected.select("section", "key", "count", WITHHELD).iter_rows()
              if count is None}
    for section, (key, counted) in AREA_COUNTS.items():
        for entry in document.get(section) or []:
            if (section, str(entry[key])) not in hidden:
                continue
            entry[counted] = None
            if hidden[section, str(entry[key])]:
                entry[WITHHELD] = sorted({*(entry.get(WITHHELD) or []), counted})
    return document


RATE_SOURCES = {"rate": ("compliant", "population")}
"""A rule's rate and the counts it is drawn from."""


def unknown_case_rows(frame_name: str, frame: pl.DataFrame) -> pl.Series:
    """Which rows are of items whose case is not in ``cases``: area, local unit or category
    "not recorded", or that "area" in each area's results. They describe no group of people
    (no area, unit or category is known: a data-quality finding, which DQ-02 counts), and
    what they count the headline less the areas gives back; so a board is not shown them,
    and their counts are never hidden nor withheld (decision 56)."""
    unknown = pl.col("dimension").is_in(["area", "lau", "category"]) & (
        pl.col("value") == NOT_RECORDED)
    if frame_name == "area_results":
        unknown = unknown | (pl.col("area") == NOT_RECORDED)
    return frame.select(unknown.fill_null(False).alias("unknown"))["unknown"]


def results_tables(rule_results: pl.DataFrame, area_results: pl.DataFrame | None = None
                   ) -> TableSet:
    """Rule results (and each area's, when the run keeps them) as a board reads them
    together, for :func:`protect`: in each row the population is what was met plus what was
    not; in each breakdown the values add up to the rule's headline (its ``all`` row); and
    each area's row adds up, over the areas, to the row of all areas. The headline rows are
    withheld last; the counts of items of unknown cases are known (:func:`unknown_case_rows`)."""
    frames = {"rule_results": rule_results}
    if area_results is not None:
        frames["area_results"] = area_results
    relations: list[Relation] = []
    keep: set[Cell] = set()
    keep_most: set[Cell] = set()
    across: dict[tuple[Any, ...], list[int]] = {}
    for name, frame in frames.items():
        scope = ["area", "rule_id"] if name == "area_results" else ["rule_id"]
        heads: dict[tuple[Any, ...], int] = {}
        parts: dict[tuple[Any, ...], list[int]] = {}
        for row, entry in enumerate(frame.select(*scope, "dimension", "value").iter_rows()):
            *where, dimension, value = entry
            relations.append(Relation.total((name, row, "population"),
                                            [(name, row, "compliant"),
                                             (name, row, "non_compliant")]))
            if dimension == "all":
                heads[tuple(where)] = row
                (keep if name == "area_results" else keep_most).update(
                    (name, row, c) for c in COUNT_COLUMNS)
            else:
                parts.setdefault((*where, dimension), []).append(row)
            if name == "area_results":
                across.setdefault((*where[1:], dimension, value), []).append(row)
        for (*where, _), rows in parts.items():
            head = heads.get(tuple(where))
            if head is not None:
                relations.extend(Relation.total((name, head, c), [(name, r, c) for r in rows])
                                 for c in COUNT_COLUMNS)
    if area_results is not None:
        for row, key in enumerate(rule_results.select("rule_id", "dimension", "value")
                                  .iter_rows()):
            rows = across.get(key, [])
            relations.extend(Relation.total(("rule_results", row, c),
                                            [("area_results", r, c) for r in rows])
                             for c in COUNT_COLUMNS)
    known = frozenset((name, row, column) for name, frame in frames.items()
                      for row in unknown_case_rows(name, frame).arg_true().to_list()
                      for column in COUNT_COLUMNS)
    return TableSet(frames, dict.fromkeys(frames, COUNT_COLUMNS), tuple(relations),
                    dict.fromkeys(frames, RATE_SOURCES), frozenset(keep), frozenset(keep_most),
                    known)


def breakdowns_tables(frame: pl.DataFrame, counts: tuple[str, ...]) -> TableSet:
    """Counts of one population broken down several ways (``dimension``, ``value``), for
    :func:`protect`: each breakdown adds up to the same total, so any two are a relation."""
    rows: dict[str, list[int]] = {}
    for row, dimension in enumerate(frame["dimension"].to_list()):
        rows.setdefault(dimension, []).append(row)
    groups = list(rows.values())
    relations = tuple(
        Relation(tuple(("frame", r, c) for r in groups[0]), tuple(("frame", r, c) for r in other))
        for other in groups[1:] for c in counts)
    return TableSet({"frame": frame}, {"frame": counts}, relations)


def protect_results_counts(document: dict[str, Any], quarantine_summary: pl.DataFrame,
                           suppress_below: int) -> tuple[dict[str, Any], pl.DataFrame]:
    """A results document and its quarantine summary as a board's files hold them:
    :func:`hide_small_in_results`, then the counts of the input tables and the quarantine
    protected together (:func:`protect`): each table's rows read are those kept, those
    quarantined and the duplicates dropped (never printed); the rows quarantined add up over
    the tables, the quarantine entries over the summary, and DQ-01 counts one row per entry.
    Each object with a count withheld names it in ``withheld``. ``document`` is not changed.
    """
    hidden = hide_small_in_results(document, suppress_below)
    source = document.get("dataset", {}).get("tables", {})
    names = list(source)
    tables = pl.DataFrame(
        {"table": names,
         "rows": [source[n]["rows"] for n in names],
         "rows_kept": [source[n]["rows_kept"] for n in names],
         "quarantined": [source[n]["quarantined"] for n in names]},
        schema={"table": pl.String, "rows": pl.Int64, "rows_kept": pl.Int64,
                "quarantined": pl.Int64})
    def marks(entries: list[dict[str, Any]]) -> pl.Series:
        """What a board's document withheld already (protecting it again keeps it)."""
        return pl.Series(WITHHELD, [entry.get(WITHHELD) for entry in entries],
                         dtype=pl.List(pl.String))

    tables = tables.with_columns(
        (pl.col("rows") - pl.col("rows_kept") - pl.col("quarantined")).alias("_dropped"),
        marks([source[n] for n in names]))
    quarantine = document.get("quarantine", {})
    totals = pl.DataFrame({"entries": [quarantine.get("entries")],
                           "rows": [quarantine.get("rows")]},
                          schema={"entries": pl.Int64, "rows": pl.Int64}
                          ).with_columns(marks([quarantine]))
    findings = document.get("data_quality", [])
    dq = pl.DataFrame({"rule_id": [f["rule_id"] for f in findings],
                       "rows": [f["rows"] for f in findings]},
                      schema={"rule_id": pl.String, "rows": pl.Int64}
                      ).with_columns(marks(findings))
    relations = [Relation.total(("tables", i, "rows"),
                                [("tables", i, c) for c in ("rows_kept", "quarantined",
                                                            "_dropped")])
                 for i in range(tables.height)]
    relations.append(Relation.total(("totals", 0, "rows"),
                                    [("tables", i, "quarantined") for i in range(tables.height)]))
    if quarantine_summary.height:
        relations.append(Relation.total(("totals", 0, "entries"),
                                        [("summary", i, "entries")
                                         for i in range(quarantine_summary.height)]))
    relations.extend(Relation.total(("totals", 0, "entries"), [("dq", i, "rows")])
                     for i, rule_id in enumerate(dq["rule_id"]) if rule_id == "DQ-01")
    keep = frozenset(("tables", i, c) for i in range(tables.height)
                     for c in ("rows", "rows_kept"))
    shown = protect(TableSet(
        {"tables": tables, "totals": totals, "summary": quarantine_summary, "dq": dq},
        {"tables": ("rows", "rows_kept", "quarantined", "_dropped"),
         "totals": ("entries", "rows"), "summary": ("entries",), "dq": ("rows",)},
        tuple(relations), keep=keep), suppress_below)

    def put(entry: dict[str, Any], row: dict[str, Any], columns: tuple[str, ...]) -> None:
        for column in columns:
            entry[column] = row[column]
        entry.pop(WITHHELD, None)
        if row[WITHHELD]:
            entry[WITHHELD] = list(row[WITHHELD])

    for name, row in zip(names, shown["tables"].iter_rows(named=True), strict=True):
        put(hidden["dataset"]["tables"][name], row, ("rows", "rows_kept", "quarantined"))
    if "quarantine" in hidden:
        put(hidden["quarantine"], shown["totals"].row(0, named=True), ("entries", "rows"))
    for entry, row in zip(hidden.get("data_quality", []), shown["dq"].iter_rows(named=True),
                          strict=True):
        put(entry, row, ("rows",))
    return hidden, shown["summary"]
