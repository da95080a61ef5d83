"""Data-quality rules DQ-01..06: counts of rows that are readable but wrong, never rates."""

from __future__ import annotations

import polars as pl

from mappa_audit._contract import TABLES
from mappa_audit._loader import LINE
from mappa_audit.rules._context import AuditContext

DATA_QUALITY_RULES: dict[str, str] = {
    "DQ-01": "Input rows and cells quarantined by the loader",
    "DQ-02": "Rows that refer to nothing",
    "DQ-03": "Dates out of order",
    "DQ-04": "Overlapping level periods",
    "DQ-05": "Held meetings when the case is at Level 1 or has no level",
    "DQ-06": "Open cases with no current level",
}

FINDING_SCHEMA = pl.Schema(
    {
        "rule_id": pl.String(),
        "table": pl.String(),
        "record_id": pl.String(),
        "line": pl.Int64(),
        "case_id": pl.String(),
        "reason": pl.String(),
    }
)


def _record_id(table: str) -> pl.Expr:
    key = TABLES[table].key
    return (pl.col(key) if key else pl.lit(None)).cast(pl.String)


def _findings(
    rule_id: str,
    table: str,
    frame: pl.LazyFrame,
    reason: pl.Expr,
    case_id: pl.Expr | None = None,
    record_id: pl.Expr | None = None,
) -> pl.LazyFrame:
    return frame.select(
        pl.lit(rule_id).alias("rule_id"),
        pl.lit(table).alias("table"),
        (_record_id(table) if record_id is None else record_id).alias("record_id"),
        pl.col(LINE).alias("line"),
        (pl.col("case_id") if case_id is None else case_id).cast(pl.String).alias("case_id"),
        reason.cast(pl.String).alias("reason"),
    )


def quarantine_findings(quarantine: pl.DataFrame) -> pl.LazyFrame:
    """DQ-01: one finding per quarantine entry."""
    return quarantine.lazy().select(
        pl.lit("DQ-01").alias("rule_id"),
        "table",
        pl.lit(None, pl.String).alias("record_id"),
        "line",
        pl.lit(None, pl.String).alias("case_id"),
        pl.concat_str(
            pl.col("reason"), pl.lit(": "), pl.col("column").fill_null("row"),
        ).alias("reason"),
    )


def orphan_findings(ctx: AuditContext) -> pl.LazyFrame:
    """DQ-02: rows whose case_id or meeting_id refers to nothing (one finding per row)."""
    cases = ctx.table("cases").select("case_id")
    meetings = ctx.table("meetings").select("meeting_id", "case_id")
    # one join against the cases for the rows of all four tables (the cases are hashed once)
    naming_a_case = ("levels", "referrals", "meetings", "level1_reviews")
    unknown_case = pl.concat(
        [
            ctx.table(name).select(
                pl.lit(name).alias("_table"),
                _record_id(name).alias("_record"),
                LINE,
                "case_id",
            )
            for name in naming_a_case
        ]
    ).join(cases, on="case_id", how="anti")
    frames = [
        _findings(
            "DQ-02",
            name,
            unknown_case.filter(pl.col("_table") == name),
            pl.lit("unknown case_id"),
            record_id=pl.col("_record"),
        )
        for name in naming_a_case
    ]
    disclosures = ctx.table("disclosures")
    frames.append(
        _findings(
            "DQ-02",
            "disclosures",
            disclosures.join(cases.with_columns(pl.lit(True).alias("_case")),
                             on="case_id", how="left")
            .join(meetings.select("meeting_id", pl.lit(True).alias("_meeting")),
                  on="meeting_id", how="left")
            .filter(pl.col("_case").is_null()
                    | (pl.col("meeting_id").is_not_null() & pl.col("_meeting").is_null())),
            pl.when(pl.col("_case").is_null()).then(pl.lit("unknown case_id"))
            .otherwise(pl.lit("unknown meeting_id")),
        )
    )
    for name in ("attendance", "actions"):
        frames.append(
            _findings(
                "DQ-02", name, ctx.table(name).join(meetings, on="meeting_id", how="anti"),
                pl.lit("unknown meeting_id"), case_id=pl.lit(None, pl.String),
            )
        )
    return pl.concat(frames)


def date_order_findings(ctx: AuditContext) -> pl.LazyFrame:
    """DQ-03: dates out of order; a row with several problems is one finding."""
    eligible = ctx.table("cases").select("case_id", pl.col("eligible_date").alias("_eligible"))
    # an action has no case_id of its own: it takes its meeting's, with the meeting's date
    meeting_of_action = ctx.table("meetings").select(
        "meeting_id", "case_id", pl.col("meeting_date").alias("_met")
    )
    checks: list[tuple[str, pl.LazyFrame, list[tuple[pl.Expr, str]]]] = [
        ("cases", ctx.table("cases"), [
            (pl.col("end_date") < pl.col("eligible_date"), "end_date before eligible_date"),
        ]),
        ("levels", ctx.table("levels"), [
            (pl.col("end_date") <= pl.col("start_date"), "end_date not after start_date"),
        ]),
        ("meetings", ctx.table("meetings").join(eligible, on="case_id", how="left"), [
            (pl.col("meeting_date") < pl.col("_eligible"), "meeting before eligible_date"),
            (pl.col("minutes_distributed_date") < pl.col("meeting_date"),
             "minutes before meeting"),
        ]),
        ("actions", ctx.table("actions").join(meeting_of_action, on="meeting_id", how="left"), [
            (pl.col("completed_date") < pl.col("_met"), "completed before its meeting"),
        ]),
        ("disclosures", ctx.table("disclosures"), [
            (pl.col("disclosed_date") < pl.col("decision_date"), "disclosed before decision"),
        ]),
    ]
    frames = []
    for table, frame, problems in checks:
        reason = pl.concat_str(
            [pl.when(test.fill_null(False)).then(pl.lit(text)) for test, text in problems],
            separator="; ",
            ignore_nulls=True,
        )
        flagged = frame.with_columns(reason.alias("_reason")).filter(pl.col("_reason") != "")
        frames.append(_findings("DQ-03", table, flagged, pl.col("_reason")))
    return pl.concat(frames)


_OPEN_END = 2**31
"""An open end as a day number: later than every day a polars Date can hold (an Int32)."""

_CASE_STEP = 2**33
"""The gap between two cases' running maxima: wider than all day numbers with ``_OPEN_END``
(an Int64 holds a billion such steps, far more cases than a dataset has)."""


def overlap_findings(ctx: AuditContext) -> pl.LazyFrame:
    """DQ-04: level rows that overlap another level row of the same case.

    In order of start, a row overlaps an earlier row of its case when one of those ends after
    the row starts, and a later row when the next one starts before the row ends (an open
    end is after every day). Sorting the few cases with several rows this way costs a third
    of joining every case's rows with each other on the case_id strings at national scale.
    """
    case = pl.col("case_id")
    rows = (
        ctx.table("levels")
        # rows that cover no day (DQ-03) overlap nothing
        .filter(pl.col("end_date").is_null() | (pl.col("end_date") > pl.col("start_date")))
        # only a case with two rows or more can overlap; grouping on a hash of case_id is
        # cheaper than on the strings, and a collision only lets more rows through, which
        # are told apart by their case_id below
        .filter(pl.len().over(case.hash()) > 1)
        .sort("case_id", "start_date")
    )
    same_case_before = (case == case.shift(1)).fill_null(False)
    same_case_after = (case == case.shift(-1)).fill_null(False)
    start = pl.col("start_date").cast(pl.Int64)
    end = pl.col("end_date").cast(pl.Int64).fill_null(_OPEN_END)
    # the latest end of the earlier rows of each case, as one running maximum: every case is
    # raised above the ones before it, so no earlier case's ends leak into it (a running
    # maximum per case, with over(), costs many times more)
    raised = (~same_case_before).cum_sum().cast(pl.Int64) * _CASE_STEP
    latest_earlier_end = (raised + end).cum_max().shift(1) - raised
    flagged = rows.filter(
        (same_case_before & (latest_earlier_end > start))
        | (same_case_after & (start.shift(-1) < end))
    )
    return _findings("DQ-04", "levels", flagged, pl.lit("overlaps another level period"))


def meeting_level_findings(ctx: AuditContext) -> pl.LazyFrame:
    """DQ-05: held meetings on a date when the case is at Level 1 or has no level."""
    meetings = ctx.level_on(ctx.held_meetings, "meeting_date", "_level")
    flagged = meetings.filter(pl.col("_level").is_null() | (pl.col("_level") == 1))
    reason = (
        pl.when(pl.col("_level").is_null())
        .then(pl.lit("case has no level on the date"))
        .otherwise(pl.lit("case at Level 1 on the date"))
    )
    return _findings("DQ-05", "meetings", flagged, reason)


def open_without_level_findings(ctx: AuditContext) -> pl.LazyFrame:
    """DQ-06: open cases (no end_date on as_at) with no level period open on as_at."""
    flagged = (
        ctx.table("cases")
        .filter(pl.col("end_date").is_null())
        .join(ctx.levels_on_day(ctx.as_at), on="case_id", how="anti")
    )
    return _findings("DQ-06", "cases", flagged, pl.lit("open case with no current level"))


def data_quality_findings(ctx: AuditContext, quarantine: pl.DataFrame) -> pl.LazyFrame:
    """Every DQ finding, one row per offending row (FINDING_SCHEMA)."""
    return pl.concat(
        [
            quarantine_findings(quarantine),
            orphan_findings(ctx),
            date_order_findings(ctx),
            overlap_findings(ctx),
            meeting_level_findings(ctx),
            open_without_level_findings(ctx),
        ],
        how="vertical_relaxed",
    ).cast(FINDING_SCHEMA)
