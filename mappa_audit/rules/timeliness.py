"""Timeliness rules TML-01..05: first meetings, minutes, ViSOR records, levels before release."""

from __future__ import annotations

import polars as pl

from mappa_audit.rules._context import AuditContext
from mappa_audit.rules._registry import Theme, rule
from mappa_audit.rules._shapes import deadline_outcome, deadline_reason, items


def _first_meeting_after_referral(ctx: AuditContext, rule_id: str, level: int) -> pl.LazyFrame:
    """TML-01/02: accepted referrals to ``level`` in the period, against their first meeting."""
    working_days = ctx.policy.rule(rule_id).require_value()
    referrals = ctx.table("referrals").filter(
        (pl.col("requested_level") == level)
        & (pl.col("decision") == "accepted")
        & ctx.in_period(pl.col("referral_date"))
    )
    first_meeting = (
        referrals.select("referral_id", "case_id", "referral_date")
        .join(ctx.held_meetings.select("case_id", "meeting_date"), on="case_id")
        .filter(pl.col("meeting_date") >= pl.col("referral_date"))
        .group_by("referral_id")
        .agg(pl.col("meeting_date").min().alias("first_meeting"))
    )
    frame = referrals.join(first_meeting, on="referral_id", how="left").with_columns(
        ctx.calendar.deadline_expr(pl.col("referral_date"), working_days).alias("deadline")
    )
    outcome = deadline_outcome(pl.col("first_meeting"), pl.col("deadline"), ctx.as_at)
    return items(
        frame,
        item_id=pl.col("referral_id"),
        item_date=pl.col("referral_date"),
        outcome=outcome,
        reason=deadline_reason(
            outcome,
            pl.col("first_meeting"),
            late="first meeting after the deadline",
            missing="no meeting by the deadline",
        ),
        due=pl.col("deadline"),
        awaiting=pl.col("first_meeting").is_null(),
        done=pl.col("first_meeting"),
    )


@rule("TML-01", "First meeting within {standard} of a Level 3 referral", Theme.TIMELINESS,
      needs=("referrals",), worklist="first Level 3 meeting after referral")
def level3_first_meeting_items(ctx: AuditContext) -> pl.LazyFrame:
    return _first_meeting_after_referral(ctx, "TML-01", level=3)


@rule("TML-02", "First meeting within {standard} of a Level 2 referral", Theme.TIMELINESS,
      needs=("referrals",), worklist="first Level 2 meeting after referral")
def level2_first_meeting_items(ctx: AuditContext) -> pl.LazyFrame:
    return _first_meeting_after_referral(ctx, "TML-02", level=2)


@rule("TML-03", "Minutes distributed within {standard} of the meeting", Theme.TIMELINESS,
      worklist="minutes to distribute")
def minutes_items(ctx: AuditContext) -> pl.LazyFrame:
    working_days = ctx.policy.rule("TML-03").require_value()
    meetings = ctx.held_meetings.filter(ctx.in_period(pl.col("meeting_date"))).with_columns(
        ctx.calendar.deadline_expr(pl.col("meeting_date"), working_days).alias("deadline")
    )
    minutes = pl.col("minutes_distributed_date")
    outcome = deadline_outcome(
        minutes, pl.col("deadline"), ctx.as_at, earliest=pl.col("meeting_date")
    )
    return items(
        meetings,
        item_id=pl.col("meeting_id"),
        item_date=pl.col("meeting_date"),
        outcome=outcome,
        reason=deadline_reason(
            outcome,
            minutes,
            late="minutes distributed after the deadline",
            missing="minutes not distributed",
            early=(pl.col("meeting_date"), "minutes dated before the meeting"),
        ),
        due=pl.col("deadline"),
        awaiting=minutes.is_null(),
        done=minutes,
        meeting=pl.col("meeting_date"),
    )


@rule("TML-04", "ViSOR record created within {standard}", Theme.TIMELINESS,
      worklist="ViSOR record to create")
def visor_items(ctx: AuditContext) -> pl.LazyFrame:
    days = ctx.policy.rule("TML-04").require_value()
    cases = ctx.table("cases").filter(
        pl.col("category").is_in([1, 4]) & ctx.in_period(pl.col("eligible_date"))
    )
    deadline = pl.col("eligible_date") + pl.duration(days=days)
    # a record created before eligibility already existed, so it complies: no earliest date
    outcome = deadline_outcome(pl.col("visor_created_date"), deadline, ctx.as_at)
    return items(
        cases,
        item_id=pl.col("case_id"),
        item_date=pl.col("eligible_date"),
        outcome=outcome,
        reason=deadline_reason(
            outcome,
            pl.col("visor_created_date"),
            late="ViSOR record created late",
            missing="no ViSOR record",
        ),
        due=deadline,
        awaiting=pl.col("visor_created_date").is_null(),
        done=pl.col("visor_created_date"),
    )


@rule("TML-05", "Level set at least {standard} before release", Theme.TIMELINESS,
      worklist="level to set before release")
def level_before_release_items(ctx: AuditContext) -> pl.LazyFrame:
    months = ctx.policy.rule("TML-05").require_value()
    release = pl.col("custody_release_date")
    six_months_before = release.dt.offset_by(f"-{months}mo")
    # a case that became eligible inside the window only has to be levelled by release
    required = (
        pl.when(pl.col("eligible_date") > six_months_before)
        .then(release)
        .otherwise(six_months_before)
    )
    cases = ctx.table("cases").filter(ctx.in_period(release))
    level_set = pl.col("level_set_date")
    outcome = deadline_outcome(level_set, required, ctx.as_at)
    return items(
        cases,
        item_id=pl.col("case_id"),
        item_date=release,
        outcome=outcome,
        reason=deadline_reason(
            outcome, level_set, late="level set too late", missing="no level set date"
        ),
        due=required,
        awaiting=level_set.is_null(),
        done=level_set,
    )
