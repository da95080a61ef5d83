"""Disclosure rules DIS-01..05: considered, reasoned, specified, carried out, offender informed."""

from __future__ import annotations

import polars as pl

from mappa_audit.rules._context import AuditContext
from mappa_audit.rules._registry import Outcome, Theme, rule
from mappa_audit.rules._shapes import (
    all_recorded,
    deadline_outcome,
    deadline_reason,
    items,
    recorded,
)


def _decisions_to_disclose(ctx: AuditContext) -> pl.LazyFrame:
    return ctx.table("disclosures").filter(pl.col("decision") == "disclose")


@rule("DIS-01", "Disclosure considered at every Level 2/3 meeting", Theme.DISCLOSURE,
      needs=("disclosures",))
def disclosure_considered_items(ctx: AuditContext) -> pl.LazyFrame:
    decided = (
        ctx.table("disclosures").drop_nulls("meeting_id").select("meeting_id").unique()
        .with_columns(pl.lit(True).alias("has_decision"))
    )
    meetings = ctx.held_meetings.filter(ctx.in_period(pl.col("meeting_date"))).join(
        decided, on="meeting_id", how="left"
    )
    flag = pl.col("disclosure_considered")
    has_decision = pl.col("has_decision").fill_null(False)
    compliant = flag.fill_null(False) & has_decision
    outcome = pl.when(compliant).then(pl.lit(Outcome.COMPLIANT.value)).otherwise(
        pl.lit(Outcome.NON_COMPLIANT.value)
    )
    reason = (
        pl.when(compliant).then(None)
        .when(flag.is_null()).then(pl.lit("disclosure consideration not recorded"))
        .when(~flag).then(pl.lit("disclosure not considered"))
        .otherwise(pl.lit("no disclosure decision recorded"))
    )
    return items(
        meetings,
        item_id=pl.col("meeting_id"),
        item_date=pl.col("meeting_date"),
        outcome=outcome,
        reason=reason,
        meeting=pl.col("meeting_date"),
    )


@rule("DIS-02", "Every disclosure decision has a recorded rationale", Theme.DISCLOSURE,
      needs=("disclosures",))
def rationale_items(ctx: AuditContext) -> pl.LazyFrame:
    decisions = ctx.table("disclosures").filter(ctx.in_period(pl.col("decision_date")))
    outcome, reason = all_recorded({"rationale": recorded(pl.col("rationale"))})
    return items(
        decisions,
        item_id=pl.col("disclosure_id"),
        item_date=pl.col("decision_date"),
        outcome=outcome,
        reason=reason,
    )


@rule("DIS-03", "A decision to disclose says who, by whom, how and when", Theme.DISCLOSURE,
      needs=("disclosures",))
def disclosure_plan_items(ctx: AuditContext) -> pl.LazyFrame:
    decisions = _decisions_to_disclose(ctx).filter(ctx.in_period(pl.col("decision_date")))
    outcome, reason = all_recorded(
        {
            "recipient": pl.col("recipient_type").is_not_null(),
            "discloser": recorded(pl.col("discloser_agency")),
            "method": pl.col("method").is_not_null(),
            "planned date": pl.col("planned_date").is_not_null(),
        }
    )
    return items(
        decisions,
        item_id=pl.col("disclosure_id"),
        item_date=pl.col("decision_date"),
        outcome=outcome,
        reason=reason,
    )


@rule("DIS-04", "Disclosure carried out by the planned date", Theme.DISCLOSURE,
      needs=("disclosures",), worklist="disclosure to carry out")
def disclosure_done_items(ctx: AuditContext) -> pl.LazyFrame:
    decisions = _decisions_to_disclose(ctx).filter(ctx.in_period(pl.col("planned_date")))
    disclosed = pl.col("disclosed_date")
    outcome = deadline_outcome(disclosed, pl.col("planned_date"), ctx.as_at)
    return items(
        decisions,
        item_id=pl.col("disclosure_id"),
        item_date=pl.col("planned_date"),
        outcome=outcome,
        reason=deadline_reason(
            outcome, disclosed, late="disclosed after the planned date", missing="not disclosed"
        ),
        due=pl.col("planned_date"),
        awaiting=disclosed.is_null(),
        done=disclosed,
    )


@rule("DIS-05", "Offender informed, or the reason recorded", Theme.DISCLOSURE,
      needs=("disclosures",))
def offender_informed_items(ctx: AuditContext) -> pl.LazyFrame:
    decisions = _decisions_to_disclose(ctx).filter(ctx.in_period(pl.col("disclosed_date")))
    informed = pl.col("offender_informed")
    compliant = (informed == "yes") | (
        (informed == "no") & recorded(pl.col("not_informed_reason"))
    )
    compliant = compliant.fill_null(False)
    outcome = pl.when(compliant).then(pl.lit(Outcome.COMPLIANT.value)).otherwise(
        pl.lit(Outcome.NON_COMPLIANT.value)
    )
    reason = (
        pl.when(compliant).then(None)
        .when(informed == "no").then(pl.lit("not informed, no reason recorded"))
        .otherwise(pl.lit("whether the offender was informed is not recorded"))
    )
    return items(
        decisions,
        item_id=pl.col("disclosure_id"),
        item_date=pl.col("disclosed_date"),
        outcome=outcome,
        reason=reason,
    )
