"""Action rules ACT-01..02: actions set at meetings have an owner and a due date, and are done."""

from __future__ import annotations

import polars as pl

from mappa_audit.rules._context import AuditContext
from mappa_audit.rules._registry import Theme, rule
from mappa_audit.rules._shapes import (
    all_recorded,
    deadline_outcome,
    deadline_reason,
    items,
    recorded,
)


def _actions_of_held_meetings(ctx: AuditContext) -> pl.LazyFrame:
    return ctx.table("actions").join(
        ctx.held_meetings.select("meeting_id", "case_id", "meeting_date"), on="meeting_id"
    )


@rule("ACT-01", "Actions have an owner and a due date", Theme.ACTIONS, needs=("actions",))
def action_owner_items(ctx: AuditContext) -> pl.LazyFrame:
    actions = _actions_of_held_meetings(ctx).filter(ctx.in_period(pl.col("meeting_date")))
    outcome, reason = all_recorded(
        {
            "owner": recorded(pl.col("owner_agency")),
            "due date": pl.col("due_date").is_not_null(),
        }
    )
    return items(
        actions,
        item_id=pl.col("action_id"),
        item_date=pl.col("meeting_date"),
        outcome=outcome,
        reason=reason,
        meeting=pl.col("meeting_date"),
        owner=pl.col("owner_agency"),
    )


@rule("ACT-02", "Actions completed by their due date", Theme.ACTIONS, needs=("actions",),
      worklist="action to complete")
def action_completion_items(ctx: AuditContext) -> pl.LazyFrame:
    actions = _actions_of_held_meetings(ctx).filter(ctx.in_period(pl.col("due_date")))
    completed = pl.col("completed_date")
    outcome = deadline_outcome(completed, pl.col("due_date"), ctx.as_at)
    return items(
        actions,
        item_id=pl.col("action_id"),
        item_date=pl.col("due_date"),
        outcome=outcome,
        reason=deadline_reason(
            outcome, completed, late="completed after the due date", missing="not completed"
        ),
        due=pl.col("due_date"),
        awaiting=completed.is_null(),
        done=completed,
        meeting=pl.col("meeting_date"),
        owner=pl.col("owner_agency"),
    )
