"""Disclosure control for board and public views: audiences and small-number suppression.

audit-rules.md, "Disclosure control": any count from 1 to ``suppress_below - 1`` is shown as
``<5`` (for the default of 5), and a rate whose population is below ``suppress_below`` is not
shown. Everything a board sees goes through :func:`suppress`; nothing below this floor knows
about audiences.
"""

from __future__ import annotations

import copy
import enum
from typing import Any

import polars as pl

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
    return hidden.with_columns(
        pl.col(name).cast(pl.String).fill_null(f"<{suppress_below}")
        for name in counts if name in hidden.columns
    )
