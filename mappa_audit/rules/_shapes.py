"""The two shapes rules share: an event against a deadline, and a review interval.

Both return an outcome expression; rules only say which dates fill the shape.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from mappa_audit.rules._registry import Outcome


def _word(outcome: Outcome) -> pl.Expr:
    return pl.lit(outcome.value)


def deadline_outcome(
    event: pl.Expr,
    deadline: pl.Expr,
    as_at: dt.date,
    *,
    earliest: pl.Expr | None = None,
) -> pl.Expr:
    """An event that must happen by a deadline (TML-*, ACT-02, DIS-04).

    compliant: the event is recorded, ``earliest <= event <= deadline``; non_compliant: it is
    recorded outside that window, or not recorded and the deadline ``<= as_at``; pending: not
    recorded and the deadline is still to come.
    """
    in_window = event <= deadline
    if earliest is not None:
        in_window = in_window & (event >= earliest)
    return (
        pl.when(event.is_not_null() & in_window).then(_word(Outcome.COMPLIANT))
        .when(event.is_not_null() | (deadline <= pl.lit(as_at))).then(_word(Outcome.NON_COMPLIANT))
        .otherwise(_word(Outcome.PENDING))
    )


def deadline_reason(
    outcome: pl.Expr,
    event: pl.Expr,
    *,
    late: str,
    missing: str,
    early: tuple[pl.Expr, str] | None = None,
) -> pl.Expr:
    """The reason of a non-compliant deadline item: late, missing, or (optionally) too early."""
    reason = pl.when(event.is_null()).then(pl.lit(missing)).otherwise(pl.lit(late))
    if early is not None:
        earliest, text = early
        reason = pl.when(event < earliest).then(pl.lit(text)).otherwise(reason)
    return pl.when(outcome == Outcome.NON_COMPLIANT.value).then(reason).otherwise(None)


def interval_outcome(next_anchor: pl.Expr, exit_date: pl.Expr, due: pl.Expr) -> pl.Expr:
    """A review due by ``due`` after an anchor (REV-01, REV-02, REV-03).

    compliant: the next anchor came by the due date; otherwise, if the case left the level
    (``exit``) by the due date, no review was required and the item is dropped; otherwise
    non_compliant.
    """
    return (
        pl.when(next_anchor.is_not_null() & (next_anchor <= due)).then(_word(Outcome.COMPLIANT))
        .when(exit_date.is_not_null() & (exit_date <= due)).then(_word(Outcome.DROPPED))
        .otherwise(_word(Outcome.NON_COMPLIANT))
    )


def all_recorded(checks: dict[str, pl.Expr]) -> tuple[pl.Expr, pl.Expr]:
    """Completeness rules (ACT-01, DIS-02, DIS-03): compliant when every check holds.

    Returns the outcome and a reason naming what is missing (``"missing: method, planned
    date"``), null when nothing is.
    """
    missing = pl.concat_str(
        [pl.when(~check).then(pl.lit(label)) for label, check in checks.items()],
        separator=", ",
        ignore_nulls=True,
    )
    complete = pl.all_horizontal(*checks.values())
    outcome = pl.when(complete).then(_word(Outcome.COMPLIANT)).otherwise(
        _word(Outcome.NON_COMPLIANT)
    )
    reason = pl.when(complete).then(None).otherwise(pl.lit("missing: ") + missing)
    return outcome, reason


def recorded(text: pl.Expr) -> pl.Expr:
    """Recorded text: non-empty after trimming spaces (the loader already trims)."""
    return text.is_not_null() & (text.str.strip_chars() != "")


def items(
    frame: pl.LazyFrame,
    *,
    item_id: pl.Expr,
    item_date: pl.Expr,
    outcome: pl.Expr,
    reason: pl.Expr,
    case_id: pl.Expr | None = None,
    due: pl.Expr | None = None,
    awaiting: pl.Expr | None = None,
    done: pl.Expr | None = None,
    meeting: pl.Expr | None = None,
    owner: pl.Expr | None = None,
) -> pl.LazyFrame:
    """Select the item columns every rule yields, dropping the rule's ``dropped`` rows.

    Rules with a deadline also say when the item is ``due``, whether it is ``awaiting`` its
    event (nothing recorded yet) and when the event was ``done``: the due-soon worklist is
    built from the first two, and the exceptions show all three, so that whoever chases an
    item sees the dates. An item of a meeting or set at one names its ``meeting`` date, and an
    action its ``owner`` agency.
    """
    return frame.select(
        item_id.cast(pl.String).alias("item_id"),
        (pl.col("case_id") if case_id is None else case_id).alias("case_id"),
        item_date.alias("item_date"),
        outcome.alias("outcome"),
        reason.cast(pl.String).alias("reason"),
        _or_none(due, pl.Date).alias("due_date"),
        (pl.lit(False) if awaiting is None else awaiting).alias("awaiting"),
        _or_none(done, pl.Date).alias("done_date"),
        _or_none(meeting, pl.Date).alias("meeting_date"),
        _or_none(owner, pl.String).cast(pl.String).alias("owner_agency"),
    ).filter(pl.col("outcome") != Outcome.DROPPED.value)


def _or_none(value: pl.Expr | None, dtype: pl.DataType | type[pl.DataType]) -> pl.Expr:
    return pl.lit(None, dtype) if value is None else value
