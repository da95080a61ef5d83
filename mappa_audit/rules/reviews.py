"""Review rules REV-01..03: Level 2/3 cases reviewed at meetings, Level 1 cases reviewed yearly."""

from __future__ import annotations

import polars as pl

from mappa_audit.rules._context import AuditContext
from mappa_audit.rules._registry import Outcome, Theme, rule
from mappa_audit.rules._shapes import interval_outcome, items

_ACTIVE_LEVELS = (2, 3)


def _meeting_reviews(ctx: AuditContext, rule_id: str, level: int) -> pl.LazyFrame:
    """REV-01/02: every held meeting makes a review due, by the case's level on its date."""
    weeks = ctx.policy.rule(rule_id).require_value()
    meetings = ctx.level_on(
        ctx.held_meetings.select("meeting_id", "case_id", "meeting_date", "level"),
        "meeting_date",
        "case_level",
    )
    # no level history on the meeting date: counted by the meeting's own level, not assessable
    review_level = pl.coalesce(pl.col("case_level"), pl.col("level"))
    anchors = meetings.filter(review_level == level).with_columns(
        (pl.col("meeting_date") + pl.duration(weeks=weeks)).alias("due")
    ).filter(ctx.in_period(pl.col("due")))

    next_meeting = (
        anchors.select("meeting_id", "case_id", "meeting_date")
        .join(
            ctx.held_meetings.select("case_id", pl.col("meeting_date").alias("next")),
            on="case_id",
        )
        .filter(pl.col("next") > pl.col("meeting_date"))
        .group_by("meeting_id")
        .agg(pl.col("next").min())
    )
    frame = (
        anchors.join(next_meeting, on="meeting_id", how="left")
        .join(_exit_from_levels_2_3(ctx, anchors), on="meeting_id", how="left")
    )
    outcome = (
        pl.when(pl.col("case_level").is_null())
        .then(pl.lit(Outcome.NOT_ASSESSABLE.value))
        .otherwise(interval_outcome(pl.col("next"), pl.col("exit"), pl.col("due")))
    )
    reason = (
        pl.when(pl.col("case_level").is_null()).then(pl.lit("no level history"))
        .when(outcome == Outcome.NON_COMPLIANT.value)
        .then(
            pl.when(pl.col("next").is_null())
            .then(pl.lit("no review meeting by the due date"))
            .otherwise(pl.lit("next meeting after the due date"))
        )
    )
    return items(
        frame,
        item_id=pl.col("meeting_id"),
        item_date=pl.col("due"),
        outcome=outcome,
        reason=reason,
        due=pl.col("due"),
        awaiting=pl.col("next").is_null() & pl.col("case_level").is_not_null(),
    )


def _exit_from_levels_2_3(ctx: AuditContext, anchors: pl.LazyFrame) -> pl.LazyFrame:
    """``meeting_id, exit``: the first day after each meeting, up to its due date, on which
    the case is not active at Level 2/3 (no ``exit`` when it stays active until then).

    The level only changes where a period starts or ends, and a case only stops being active
    on its end date, so the first inactive day is the day after the meeting or one of those
    dates: they are the only candidates.
    """
    keys = anchors.select("meeting_id", "case_id", "meeting_date", "due")
    periods = ctx.level_periods
    boundaries = pl.concat(
        [
            periods.select("case_id", pl.col("start_date").alias("day")),
            periods.select("case_id", pl.col("end_date").alias("day")),
            ctx.case_attributes.select("case_id", pl.col("end_date").alias("day")),
        ]
    ).drop_nulls("day").unique()
    candidates = pl.concat(
        [
            keys.with_columns((pl.col("meeting_date") + pl.duration(days=1)).alias("day")),
            keys.join(boundaries, on="case_id").filter(
                (pl.col("day") > pl.col("meeting_date")) & (pl.col("day") <= pl.col("due"))
            ),
        ],
        how="diagonal",
    )
    candidates = ctx.level_on(candidates, "day", "level_then").join(
        ctx.case_attributes.select("case_id", pl.col("end_date").alias("case_end")),
        on="case_id",
        how="left",
    )
    inactive = ~pl.col("level_then").is_in(_ACTIVE_LEVELS).fill_null(False) | (
        pl.col("case_end") <= pl.col("day")
    ).fill_null(False)
    return (
        candidates.filter(inactive)
        .group_by("meeting_id")
        .agg(pl.col("day").min().alias("exit"))
    )


@rule("REV-01", "Level 2 cases reviewed at least every 16 weeks", Theme.REVIEWS)
def level2_review_items(ctx: AuditContext) -> pl.LazyFrame:
    return _meeting_reviews(ctx, "REV-01", level=2)


@rule("REV-02", "Level 3 cases reviewed at least every 8 weeks", Theme.REVIEWS)
def level3_review_items(ctx: AuditContext) -> pl.LazyFrame:
    return _meeting_reviews(ctx, "REV-02", level=3)


@rule("REV-03", "Level 1 cases reviewed at least every 12 months", Theme.REVIEWS,
      needs=("level1_reviews",))
def level1_review_items(ctx: AuditContext) -> pl.LazyFrame:
    """Anchors: the start of each Level 1 period, then each review inside it."""
    months = ctx.policy.rule("REV-03").require_value()
    periods = (
        ctx.level_periods.filter(pl.col("level") == 1)
        .select(
            "case_id",
            "period_id",
            pl.col("start_date").alias("period_start"),
            pl.col("end_date").alias("period_end"),
        )
    )
    reviews = (
        periods.join(
            ctx.table("level1_reviews").select("case_id", pl.col("review_date").alias("anchor")),
            on="case_id",
        )
        .filter(
            (pl.col("anchor") > pl.col("period_start"))
            & (pl.col("period_end").is_null() | (pl.col("anchor") < pl.col("period_end")))
        )
    )
    period_key = ["period_id"]  # two periods may start on one day (a DQ-04 overlap)
    # An anchor can only make a review due in the period if it lies at most `months` (plus
    # month-end clamping) before the start; earlier anchors are never an item nor the `next`
    # of one, so leaving them out early changes no count and saves most of the work.
    earliest = pl.lit(ctx.start).dt.offset_by(f"-{months + 1}mo")
    anchors = (
        pl.concat(
            [periods.with_columns(pl.col("period_start").alias("anchor")), reviews],
            how="diagonal",
        )
        .filter(pl.col("anchor") >= earliest)
        .unique(subset=[*period_key, "anchor"])
        .with_columns(
            pl.col("anchor").shift(-1).over(period_key, order_by="anchor").alias("next"),
            pl.col("anchor").dt.offset_by(f"{months}mo").alias("due"),
        )
        .join(
            ctx.case_attributes.select("case_id", pl.col("end_date").alias("case_end")),
            on="case_id",
            how="left",
        )
        .with_columns(pl.min_horizontal("period_end", "case_end").alias("exit"))
        .filter(ctx.in_period(pl.col("due")))
    )
    outcome = interval_outcome(pl.col("next"), pl.col("exit"), pl.col("due"))
    reason = pl.when(outcome == Outcome.NON_COMPLIANT.value).then(
        pl.when(pl.col("next").is_null())
        .then(pl.lit("no Level 1 review by the due date"))
        .otherwise(pl.lit("next review after the due date"))
    )
    return items(
        anchors,
        item_id=pl.format(
            "{}@{} (Level 1 from {})", pl.col("case_id"), pl.col("anchor"), pl.col("period_start")
        ),
        item_date=pl.col("due"),
        outcome=outcome,
        reason=reason,
        due=pl.col("due"),
        awaiting=pl.col("next").is_null(),
    )
