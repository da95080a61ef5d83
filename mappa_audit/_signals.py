"""The watch list: risk signals for a second look, drawn from inspection findings.

These are not compliance rates and have no target: each signal lists cases an inspector would
want to look at again (the 2022 joint inspection of MAPPA found each pattern by hand).
Thresholds come from the policy's ``[signals]`` section; definitions are in docs/rules.md.

- SIG-01: a Level 2/3 case stepped down to Level 1 soon after release from custody;
- SIG-02: an open Level 1 case with no review for over a year;
- SIG-03: a Level 2/3 case with no held meeting for twice its review gap;
- SIG-04: an open case with no current level.
"""

from __future__ import annotations

import polars as pl

from mappa_audit._engine import NOT_RECORDED, AuditResult
from mappa_audit.rules._context import AuditContext, build_context

SIGNALS = {
    "SIG-01": "Stepped down to Level 1 soon after release",
    "SIG-02": "Level 1 cases with no review for over a year",
    "SIG-03": "Level 2/3 cases with no meeting for twice the allowed gap",
    "SIG-04": "Open cases with no current level",
}
SIGNAL_SCHEMA = pl.Schema({
    "signal_id": pl.String(), "case_id": pl.String(), "date": pl.Date(), "detail": pl.String(),
})


def watch_list(result: AuditResult) -> pl.DataFrame:
    """Every case each signal picks out, as at the end of the audit (auditor view).

    Columns: ``signal_id, title, case_id, date, detail, area, lau``; limited to the audit's
    area. ``date`` is when the signal arose (the step-down, the last review or meeting).
    """
    ctx = build_context(result.dataset, result.start, result.end, result.policy)
    frames = [_stepped_down_after_release(ctx), _level1_unreviewed(ctx),
              _level23_without_meeting(ctx), _open_without_level(ctx)]
    found = pl.concat([frame.select(SIGNAL_SCHEMA.names()).cast(SIGNAL_SCHEMA)
                       for frame in frames]).join(
        ctx.case_attributes.select("case_id", "area", "lau"), on="case_id", how="left"
    ).with_columns(pl.col("area").fill_null(NOT_RECORDED), pl.col("lau").fill_null(NOT_RECORDED))
    if result.area is not None:
        found = found.filter(pl.col("area") == result.area)
    return found.collect().with_columns(
        pl.col("signal_id").replace_strict(SIGNALS, return_dtype=pl.String).alias("title")
    ).select("signal_id", "title", "case_id", "date", "detail", "area", "lau").sort(
        "signal_id", "date", "case_id")


def signal_counts(watch: pl.DataFrame) -> list[dict[str, object]]:
    """Cases per signal, every signal listed (for the results JSON and the board)."""
    counts = dict(watch.group_by("signal_id").agg(pl.col("case_id").n_unique()).iter_rows())
    return [{"signal_id": signal_id, "title": title, "cases": int(counts.get(signal_id, 0))}
            for signal_id, title in SIGNALS.items()]


def _active_levels(ctx: AuditContext) -> pl.LazyFrame:
    """Each case's level on ``as_at``, for cases with no end date by then."""
    open_cases = ctx.table("cases").filter(
        pl.col("end_date").is_null() | (pl.col("end_date") > ctx.as_at)
    ).select("case_id", pl.lit(ctx.as_at).alias("_as_at"))
    return ctx.level_on(open_cases, "_as_at", "level_now")


def _stepped_down_after_release(ctx: AuditContext) -> pl.LazyFrame:
    weeks = ctx.policy.signals["step_down_within_weeks"]
    periods = ctx.level_periods
    step_downs = (
        periods.filter(pl.col("level") == 1)
        .select("case_id", pl.col("start_date").alias("date"))
        .join(periods.filter(pl.col("level") > 1).select("case_id", "level", "end_date"),
              left_on=["case_id", "date"], right_on=["case_id", "end_date"])
        .filter(ctx.in_period(pl.col("date")))
        .join(ctx.table("cases").select("case_id", "custody_release_date"), on="case_id")
        .filter(
            (pl.col("date") >= pl.col("custody_release_date"))
            & (pl.col("date") <= pl.col("custody_release_date") + pl.duration(weeks=weeks))
        )
    )
    return step_downs.with_columns(
        pl.format("Level {} to 1, {} days after release on {}", pl.col("level"),
                  (pl.col("date") - pl.col("custody_release_date")).dt.total_days(),
                  pl.col("custody_release_date")).alias("detail"),
        pl.lit("SIG-01").alias("signal_id"),
    ).unique(["case_id", "date"])


def _level1_unreviewed(ctx: AuditContext) -> pl.LazyFrame:
    months = ctx.policy.signals["level1_no_review_months"]
    level1 = _active_levels(ctx).filter(pl.col("level_now") == 1)
    periods = ctx.level_periods.filter(
        (pl.col("level") == 1) & (pl.col("start_date") <= ctx.as_at)
        & (pl.col("end_date").is_null() | (pl.col("end_date") > ctx.as_at))
    ).select("case_id", pl.col("start_date").alias("since"))
    if "level1_reviews" in ctx.present:
        reviews = ctx.table("level1_reviews").group_by("case_id").agg(
            pl.col("review_date").max().alias("last_review"))
    else:
        reviews = pl.LazyFrame(schema={"case_id": pl.String, "last_review": pl.Date})
    last = (
        level1.join(periods, on="case_id").join(reviews, on="case_id", how="left")
        .group_by("case_id").agg(pl.max_horizontal(pl.col("since").max(),
                                                   pl.col("last_review").max()).max().alias("date"))
    )
    limit = pl.lit(ctx.as_at).dt.offset_by(f"-{months}mo")
    return last.filter(pl.col("date") < limit).with_columns(
        pl.format("no review since {}", pl.col("date")).alias("detail"),
        pl.lit("SIG-02").alias("signal_id"),
    )


def _level23_without_meeting(ctx: AuditContext) -> pl.LazyFrame:
    multiple = ctx.policy.signals["level23_gap_multiple"]
    gap_weeks = {2: ctx.policy.rule("REV-01").require_value(),
                 3: ctx.policy.rule("REV-02").require_value()}
    active = _active_levels(ctx).filter(pl.col("level_now").is_in([2, 3]))
    since = ctx.level_periods.filter(
        pl.col("level").is_in([2, 3]) & (pl.col("start_date") <= ctx.as_at)
    ).group_by("case_id").agg(pl.col("start_date").min().alias("since"))
    meetings = ctx.held_meetings.group_by("case_id").agg(
        pl.col("meeting_date").max().alias("last_meeting"))
    allowed = pl.col("level_now").replace_strict(
        {level: weeks * 7 * multiple for level, weeks in gap_weeks.items()},
        return_dtype=pl.Int64)
    frame = active.join(since, on="case_id", how="left").join(meetings, on="case_id",
                                                               how="left")
    last = pl.coalesce("last_meeting", "since")
    return frame.filter(
        (pl.lit(ctx.as_at) - last).dt.total_days() > allowed
    ).with_columns(
        last.alias("date"),
        pl.format("Level {}, last meeting {}", pl.col("level_now"),
                  pl.col("last_meeting").cast(pl.String).fill_null("never")).alias("detail"),
        pl.lit("SIG-03").alias("signal_id"),
    )


def _open_without_level(ctx: AuditContext) -> pl.LazyFrame:
    return _active_levels(ctx).filter(pl.col("level_now").is_null()).join(
        ctx.table("cases").select("case_id", "eligible_date"), on="case_id"
    ).with_columns(
        pl.col("eligible_date").alias("date"),
        pl.lit(f"no level period open on {ctx.as_at}").alias("detail"),
        pl.lit("SIG-04").alias("signal_id"),
    )

