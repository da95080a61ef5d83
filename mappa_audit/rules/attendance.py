"""Attendance rules ATT-01..02: Responsible Authorities and invited duty-to-co-operate agencies."""

from __future__ import annotations

import polars as pl

from mappa_audit._contract import RESPONSIBLE_AUTHORITIES
from mappa_audit.rules._context import AuditContext
from mappa_audit.rules._registry import Outcome, Theme, rule
from mappa_audit.rules._shapes import items


def _agency_presence(ctx: AuditContext) -> pl.LazyFrame:
    """One row per (meeting, agency) of held meetings in the period: invited if any row says
    so, attended if any row does."""
    return (
        ctx.table("attendance")
        .join(_meetings_in_period(ctx), on="meeting_id", how="semi")
        .group_by("meeting_id", "agency")
        .agg(pl.col("invited").any(), pl.col("attended").any())
    )


def _meetings_in_period(ctx: AuditContext) -> pl.LazyFrame:
    return ctx.held_meetings.filter(ctx.in_period(pl.col("meeting_date"))).select(
        "meeting_id", "case_id", "meeting_date"
    )


@rule("ATT-01", "Core Responsible Authority attendance", Theme.ATTENDANCE, needs=("attendance",))
def authority_attendance_items(ctx: AuditContext) -> pl.LazyFrame:
    attended = (
        _agency_presence(ctx)
        .filter(pl.col("attended"))
        .group_by("meeting_id")
        .agg(pl.col("agency").alias("attended_agencies"))
    )
    recorded_meetings = _agency_presence(ctx).select("meeting_id").unique()
    meetings = (
        _meetings_in_period(ctx)
        .join(ctx.case_attributes.select("case_id", "custody_release_date"),
              on="case_id", how="left")
        .join(attended, on="meeting_id", how="left")
        .join(recorded_meetings.with_columns(pl.lit(True).alias("has_rows")),
              on="meeting_id", how="left")
    )
    in_custody = (pl.col("custody_release_date") > pl.col("meeting_date")).fill_null(False)
    present = pl.col("attended_agencies").fill_null(pl.lit([], dtype=pl.List(pl.String)))
    absent = [
        pl.when(~present.list.contains(agency) & (in_custody if agency == "prison" else True))
        .then(pl.lit(agency))
        for agency in RESPONSIBLE_AUTHORITIES
    ]
    missing = pl.concat_str(absent, separator=", ", ignore_nulls=True)
    outcome = (
        pl.when(pl.col("has_rows").is_null()).then(pl.lit(Outcome.NOT_ASSESSABLE.value))
        .when(missing == "").then(pl.lit(Outcome.COMPLIANT.value))
        .otherwise(pl.lit(Outcome.NON_COMPLIANT.value))
    )
    reason = (
        pl.when(pl.col("has_rows").is_null()).then(pl.lit("no attendance recorded"))
        .when(missing != "").then(pl.lit("absent: ") + missing)
    )
    return items(
        meetings,
        item_id=pl.col("meeting_id"),
        item_date=pl.col("meeting_date"),
        outcome=outcome,
        reason=reason,
        meeting=pl.col("meeting_date"),
    )


@rule("ATT-02", "Invited duty-to-co-operate agencies attend", Theme.ATTENDANCE,
      needs=("attendance",))
def partner_attendance_items(ctx: AuditContext) -> pl.LazyFrame:
    pairs = (
        _agency_presence(ctx)
        .filter(~pl.col("agency").is_in(RESPONSIBLE_AUTHORITIES) & pl.col("invited"))
        .join(_meetings_in_period(ctx), on="meeting_id")
    )
    outcome = pl.when(pl.col("attended")).then(pl.lit(Outcome.COMPLIANT.value)).otherwise(
        pl.lit(Outcome.NON_COMPLIANT.value)
    )
    return items(
        pairs,
        item_id=pl.format("{}/{}", pl.col("meeting_id"), pl.col("agency")),
        item_date=pl.col("meeting_date"),
        outcome=outcome,
        reason=pl.when(~pl.col("attended")).then(
            pl.lit("invited, did not attend: ") + pl.col("agency")
        ),
        meeting=pl.col("meeting_date"),
    )
