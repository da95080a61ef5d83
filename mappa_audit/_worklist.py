"""The due-soon worklist: what the rules will judge in the coming weeks and is not done yet.

It is the audit itself, run forward: take the data as it stood on ``as_at`` (nothing after it
has happened), audit the period up to ``as_at + N weeks``, and list every item that is still
awaiting its event and whose deadline falls by then. Because it is the same rules with the same
calendar and gaps, an item listed as due on a date is exactly an item that will be
``non_compliant`` in any later audit covering that date if nothing is recorded by then.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import polars as pl

from mappa_audit._calendar import WorkingDayCalendar
from mappa_audit._engine import audit, parse_date
from mappa_audit._errors import ArgumentError
from mappa_audit._loader import Dataset, load_dataset
from mappa_audit._policy import Policy, load_policy
from mappa_audit.rules import ordered_rules
from mappa_audit.rules._context import as_at_view

WHAT_IS_DUE = {spec.rule_id: spec.worklist_label for spec in ordered_rules()
               if spec.worklist_label is not None}
"""The rules with a deadline, and what a co-ordinator has to do for each (their ``@rule``)."""
OVERDUE_LOOKBACK_DAYS = 365
"""How far back overdue items are listed (older lapses belong to the audit, not the worklist)."""

WORKLIST_COLUMNS = ("status", "due_date", "days_left", "day_unit", "rule_id", "what", "case_id",
                    "item_id", "area", "lau", "lead_agency", "calendar_days_left",
                    "working_days_left")
"""``days_left`` counts in the rule's own unit (``day_unit``), for format 1's readers; the last
two columns (results-format 1.2) give one unit each, and are what people are shown."""


def dataset_as_at(dataset: Dataset, as_at: dt.date) -> Dataset:
    """The dataset as it stood on ``as_at``: later events gone, later completions empty."""
    tables = {name: frame.collect() for name, frame in as_at_view(dataset, as_at).items()}
    return dataclasses.replace(dataset, tables=tables)


def due_items(
    dataset: Dataset | str | Path,
    as_at: dt.date | str,
    *,
    weeks: int = 4,
    area: str | None = None,
    policy: Policy | str | Path | None = None,
) -> pl.DataFrame:
    """Everything due by ``as_at + weeks`` and not done on ``as_at``; overdue items first.

    Columns: ``status`` (``overdue``: due on or before ``as_at``, as the audit counts it; or
    ``due``), ``due_date``, ``days_left`` (working days for rules that count working days,
    else calendar days; negative when overdue), ``day_unit``, ``rule_id``, ``what``,
    ``case_id``, ``item_id``, ``area``, ``lau``, ``lead_agency``, and the days left in each
    unit: ``calendar_days_left`` and ``working_days_left``.

    Examples
    --------
    >>> due = due_items("data_samples", "2026-03-02", weeks=4)
    >>> due["status"].to_list()[0], due["status"].to_list()[-1]
    ('overdue', 'due')
    """
    if not isinstance(dataset, Dataset):
        dataset = load_dataset(dataset)
    if not isinstance(policy, Policy):
        policy = load_policy(policy)
    day = parse_date(as_at, "as_at")
    if not 1 <= weeks <= 52:
        msg = f"`weeks` {weeks} must be from 1 to 52"
        hint = "the worklist looks ahead a few weeks; try `weeks` 4"
        raise ArgumentError(msg, hint, argument="weeks")
    horizon = day + dt.timedelta(weeks=weeks)
    known = dataset_as_at(dataset, day)
    ahead = audit(known, day - dt.timedelta(days=OVERDUE_LOOKBACK_DAYS), horizon,
                  area=area, policy=policy)
    open_items = ahead.items.filter(
        pl.col("awaiting") & (pl.col("outcome") == "non_compliant")
        & (pl.col("due_date") <= horizon) & pl.col("rule_id").is_in(list(WHAT_IS_DUE))
    )
    working = [rule_id for rule_id in WHAT_IS_DUE
               if policy.rule(rule_id).unit == "working days"]
    calendar = WorkingDayCalendar(policy.closure_days)
    return _with_days_left(open_items, day, working, calendar).join(
        known["cases"].select("case_id", "lead_agency"), on="case_id", how="left"
    ).with_columns(
        pl.when(pl.col("due_date") <= day).then(pl.lit("overdue")).otherwise(pl.lit("due"))
        .alias("status"),
        pl.col("rule_id").replace_strict(WHAT_IS_DUE, return_dtype=pl.String).alias("what"),
    ).sort(
        pl.col("due_date") > day, "due_date", "rule_id", "item_id"
    ).select(WORKLIST_COLUMNS)


def _with_days_left(
    items: pl.DataFrame, as_at: dt.date, working: list[str], calendar: WorkingDayCalendar
) -> pl.DataFrame:
    """Days from ``as_at`` to the due date, in calendar days and in working days (the working
    days after ``as_at`` up to the due day), each in a column of its own; and ``days_left``,
    in working days for the ``working`` rules, else calendar days (with its ``day_unit``)."""
    closed = list(calendar.closed_days)
    after, due_next = pl.lit(as_at + dt.timedelta(days=1)), pl.col("due_date") + pl.duration(
        days=1)
    ahead = pl.business_day_count(after, due_next, holidays=closed)
    behind = -pl.business_day_count(due_next, after, holidays=closed)
    counts_working = pl.col("rule_id").is_in(working)
    return items.with_columns(
        (pl.col("due_date") - pl.lit(as_at)).dt.total_days().cast(pl.Int64)
        .alias("calendar_days_left"),
        pl.when(pl.col("due_date") > as_at).then(ahead).otherwise(behind)
        .cast(pl.Int64).alias("working_days_left"),
    ).with_columns(
        pl.when(counts_working).then(pl.col("working_days_left"))
        .otherwise(pl.col("calendar_days_left")).alias("days_left"),
        pl.when(counts_working).then(pl.lit("working days")).otherwise(pl.lit("days"))
        .alias("day_unit"),
    )

