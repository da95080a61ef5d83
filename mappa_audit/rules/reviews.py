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
    frame = _with_exit_from_levels_2_3(ctx, _with_next_meeting(ctx, anchors))
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
        done=pl.col("next"),
        meeting=pl.col("meeting_date"),
    )


def _with_next_meeting(ctx: AuditContext, anchors: pl.LazyFrame) -> pl.LazyFrame:
    """Add ``next``: the first held meeting of the case strictly after ``meeting_date``."""
    held = ctx.held_meetings.select("case_id", pl.col("meeting_date").alias("next")).sort("next")
    return anchors.sort("meeting_date").join_asof(
        held,
        left_on="meeting_date",
        right_on="next",
        by="case_id",
        strategy="forward",
        allow_exact_matches=False,  # two meetings on one day do not review each other
        check_sortedness=False,  # both sides are sorted by date just above
    )


def _with_exit_from_levels_2_3(ctx: AuditContext, anchors: pl.LazyFrame) -> pl.LazyFrame:
    """Add ``exit``: the first day after ``meeting_date`` on which the case is not active at
    Level 2/3 (empty when it stays active for good).

    Not active on ``d`` means no Level 2/3 on ``d``, or a case ``end_date <= d``. So the first
    such day is the earliest of: the first day after the meeting of each level timeline piece
    without Level 2/3 that lasts beyond the meeting day (a case with no level history has no
    level on any day), and the day after the meeting or the case's end date, the later.
    """
    day_after = pl.col("_day_after")
    keys = anchors.select(
        "meeting_id", "case_id", (pl.col("meeting_date") + pl.duration(days=1)).alias("_day_after")
    )
    pieces = ctx.level_timeline.lazy().select("case_id", "from_date", "to_date", "level")
    not_active = ~pl.col("level").is_in(_ACTIVE_LEVELS).fill_null(False)
    lasts_beyond = pl.col("to_date").is_null() | (pl.col("to_date") > day_after)
    from_levels = (
        keys.join(pieces, on="case_id", how="left")
        .filter(not_active & lasts_beyond)
        .select("meeting_id", pl.max_horizontal("from_date", day_after).alias("exit"))
    )
    from_case_end = (
        keys.join(ctx.case_attributes.select("case_id", "end_date"), on="case_id")
        .filter(pl.col("end_date").is_not_null())
        .select("meeting_id", pl.max_horizontal("end_date", day_after).alias("exit"))
    )
    exits = pl.concat([from_levels, from_case_end]).group_by("meeting_id").agg(
        pl.col("exit").min()
    )
    return anchors.join(exits, on="meeting_id", how="left")


@rule("REV-01", "Level 2 cases reviewed at least every {standard}", Theme.REVIEWS,
      worklist="Level 2 review meeting")
def level2_review_items(ctx: AuditContext) -> pl.LazyFrame:
    return _meeting_reviews(ctx, "REV-01", level=2)


@rule("REV-02", "Level 3 cases reviewed at least every {standard}", Theme.REVIEWS,
      worklist="Level 3 review meeting")
def level3_review_items(ctx: AuditContext) -> pl.LazyFrame:
    return _meeting_reviews(ctx, "REV-02", level=3)


@rule("REV-03", "Level 1 cases reviewed at least every {standard}", Theme.REVIEWS,
      needs=("level1_reviews",), worklist="Level 1 review")
def level1_review_items(ctx: AuditContext) -> pl.LazyFrame:
    """Anchors: the start of each Level 1 period, then each review inside it."""
    months = ctx.policy.rule("REV-03").require_value()
    # An anchor can only make a review due in the period if it lies at most `months` (plus
    # month-end clamping) before the start; earlier anchors are never an item nor the `next`
    # of one, so leaving them out first changes no count and saves most of the work.
    earliest = pl.lit(ctx.start).dt.offset_by(f"-{months + 1}mo")
    periods = (
        ctx.level_periods.filter(pl.col("level") == 1)
        .select(
            "case_id",
            "period_id",  # two periods may start on one day (a DQ-04 overlap)
            pl.col("start_date").alias("period_start"),
            pl.col("end_date").alias("period_end"),
        )
    )
    reviews = (
        ctx.table("level1_reviews")
        .filter(pl.col("review_date") >= earliest)
        .select("case_id", pl.col("review_date").alias("anchor"))
        .join(periods, on="case_id")
        .filter(
            (pl.col("anchor") > pl.col("period_start"))
            & (pl.col("period_end").is_null() | (pl.col("anchor") < pl.col("period_end")))
        )
    )
    starts = periods.filter(pl.col("period_start") >= earliest).with_columns(
        pl.col("period_start").alias("anchor")
    )
    # in (period, date) order, an anchor's `next` is the row below it in the same period
    period, anchor = pl.col("period_id"), pl.col("anchor")
    repeated = (period == period.shift(1)) & (anchor == anchor.shift(1))
    anchors = (
        pl.concat([starts, reviews], how="diagonal")
        .sort("period_id", "anchor")
        .filter(~repeated.fill_null(False))
        .with_columns(
            pl.when(period.shift(-1) == period).then(anchor.shift(-1)).alias("next"),
            anchor.dt.offset_by(f"{months}mo").alias("due"),
        )
        .filter(ctx.in_period(pl.col("due")))
    )
    # only an anchor not reviewed by its due date looks at the exit: most were reviewed, so
    # the case's end date is looked up for the others alone
    reviewed = pl.col("next") <= pl.col("due")
    anchors = pl.concat(
        [
            anchors.filter(reviewed),
            anchors.filter(~reviewed.fill_null(False))
            .join(
                ctx.case_attributes.select("case_id", pl.col("end_date").alias("case_end")),
                on="case_id",
                how="left",
            )
            .with_columns(pl.min_horizontal("period_end", "case_end").alias("exit")),
        ],
        how="diagonal",
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
        done=pl.col("next"),
    )
