"""Disclosure control for board and public views: audiences and small-number suppression.

audit-rules.md, "Disclosure control": any count from 1 to ``suppress_below - 1`` is shown as
``<5`` (for the default of 5), and a rate whose population is below ``suppress_below`` is not
shown. Everything a board sees goes through :func:`suppress`; nothing below this floor knows
about audiences.
"""

from __future__ import annotations

import enum

import polars as pl

from mappa_audit._errors import SmallSuppressionError, UsageError

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
        msg = f"audience {value!r} is not one of: board, auditor"
        hint = "use --audience board for the SMB, auditor for co-ordinators"
        raise UsageError(msg, hint) from None


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
    >>> [shown_count(n, 5) for n in (0, 1, 4, 5, 120)]
    ['0', '<5', '<5', '5', '120']
    """
    if count is None:
        return "—"
    if 0 < count < suppress_below:
        return f"<{suppress_below}"
    return str(count)


def suppress(rule_results: pl.DataFrame, suppress_below: int) -> pl.DataFrame:
    """``rule_results`` as a board may see them: counts as text, small ones hidden.

    Counts from 1 to ``suppress_below - 1`` become ``"<5"``; the rate and the RAG of a
    population below ``suppress_below`` become empty (a RAG colour would give the rate away).

    Examples
    --------
    >>> frame = pl.DataFrame({"rule_id": ["REV-01"], "compliant": [3], "non_compliant": [0],
    ...     "pending": [0], "not_assessable": [12], "population": [3], "rate": [1.0],
    ...     "rag": ["green"]})
    >>> suppress(frame, 5).row(0)
    ('REV-01', '<5', '0', '0', '12', '<5', None, 'none')
    """
    small = pl.col("population") < suppress_below
    counts = [
        pl.when(pl.col(name).is_between(1, suppress_below - 1))
        .then(pl.lit(f"<{suppress_below}"))
        .otherwise(pl.col(name).cast(pl.String))
        .alias(name)
        for name in COUNT_COLUMNS
        if name in rule_results.columns
    ]
    hidden = []
    if "rate" in rule_results.columns:
        hidden.append(pl.when(small).then(None).otherwise(pl.col("rate")).alias("rate"))
    if "rag" in rule_results.columns:
        hidden.append(pl.when(small).then(pl.lit("none")).otherwise(pl.col("rag")).alias("rag"))
    return rule_results.with_columns(*hidden, *counts)
