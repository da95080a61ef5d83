"""The disclosure deep dive: decisions of the period by area, level and recipient type.

Built from the DIS-02 items (every decision dated in the period, already limited to the
audit's area and to what existed on ``as_at``) joined to the decisions themselves, so it
counts exactly what the rules count.
"""

from __future__ import annotations

import polars as pl

from mappa_audit._engine import NOT_RECORDED, AuditResult, known_areas
from mappa_audit._privacy import (
    breakdowns_tables,
    protect,
    protect_with_areas,
    shown_counts,
)
from mappa_audit.rules._context import as_at_view

DISCLOSURE_DIMENSIONS = ("area", "level", "recipient_type", "quarter")
SUMMARY_COLUMNS = {
    "decisions": "Decisions",
    "disclose": "To disclose",
    "do_not_disclose": "Not to disclose",
    "deferred": "Deferred",
    "rationale_recorded": "Rationale recorded",
    "who_how_when": "Who, how, when recorded",
    "carried_out": "Carried out",
    "offender_informed": "Offender informed or reason",
}
DISCLOSURE_COUNTS = tuple(SUMMARY_COLUMNS)
"""The count columns of a disclosure summary."""


def disclosure_decisions(result: AuditResult) -> pl.DataFrame:
    """One row per disclosure decision dated in the period (auditor detail, no free text)."""
    in_period = result.items.filter(pl.col("rule_id") == "DIS-02").select(
        pl.col("item_id").alias("disclosure_id"), "area", "level", "quarter"
    )
    if "disclosures" not in result.dataset.tables or in_period.height == 0:
        return in_period.with_columns(
            pl.lit(None, pl.String).alias(name) for name in (
                "case_id", "meeting_id", "decision", "recipient_type", "method")
        ).with_columns(
            pl.lit(None, pl.Boolean).alias(name)
            for name in ("rationale_recorded", "who_how_when", "carried_out", "offender_informed")
        )
    table = as_at_view(result.dataset, result.as_at)["disclosures"].collect()
    recorded = pl.col("rationale").str.strip_chars().fill_null("") != ""
    reason_recorded = pl.col("not_informed_reason").str.strip_chars().fill_null("") != ""
    disclose = pl.col("decision") == "disclose"
    return in_period.join(table, on="disclosure_id", how="left").select(
        "disclosure_id", "case_id", "meeting_id", "area", "level", "quarter", "decision",
        pl.col("recipient_type").fill_null(NOT_RECORDED),
        pl.col("method").fill_null(NOT_RECORDED),
        recorded.alias("rationale_recorded"),
        pl.when(disclose).then(
            pl.col("recipient_type").is_not_null()
            & (pl.col("discloser_agency").str.strip_chars().fill_null("") != "")
            & pl.col("method").is_not_null() & pl.col("planned_date").is_not_null()
        ).alias("who_how_when"),
        pl.when(disclose).then(pl.col("disclosed_date").is_not_null()).alias("carried_out"),
        pl.when(disclose & pl.col("disclosed_date").is_not_null()).then(
            (pl.col("offender_informed") == "yes")
            | ((pl.col("offender_informed") == "no") & reason_recorded)
        ).alias("offender_informed"),
    )


def disclosure_summary(result: AuditResult, by: str) -> pl.DataFrame:
    """Counts of decisions per value of ``by`` (one of :data:`DISCLOSURE_DIMENSIONS`)."""
    return _summary(disclosure_decisions(result), by)


def _summary(decisions: pl.DataFrame, by: str) -> pl.DataFrame:
    return (
        decisions.group_by(by)
        .agg(
            pl.len().alias("decisions"),
            *((pl.col("decision") == word).sum().alias(word)
              for word in ("disclose", "do_not_disclose", "deferred")),
            pl.col("rationale_recorded").sum(),
            pl.col("who_how_when").sum(),
            pl.col("carried_out").sum(),
            pl.col("offender_informed").sum(),
        )
        .sort(by)
        .rename({by: "value"})
        .with_columns(pl.col("value").cast(pl.String),
                      *(pl.col(c).cast(pl.Int64) for c in SUMMARY_COLUMNS))
    )


def disclosure_summaries(result: AuditResult) -> pl.DataFrame:
    """:func:`disclosure_summary` by each of :data:`DISCLOSURE_DIMENSIONS`, one frame:
    ``dimension``, ``value`` and the counts (``disclosure_summary.parquet``)."""
    decisions = disclosure_decisions(result)
    return pl.concat([
        _summary(decisions, by).select(pl.lit(by).alias("dimension"), pl.all())
        for by in DISCLOSURE_DIMENSIONS
    ])


def disclosure_summaries_by_area(result: AuditResult) -> pl.DataFrame | None:
    """:func:`disclosure_summaries` of each area of the dataset, one frame with ``area``
    first: what each area's own run holds, for the board's protection of all areas and each
    area together (:func:`protect_summaries`); ``None`` when the dataset has no area."""
    areas = known_areas(result.dataset)
    if not areas:
        return None
    decisions = disclosure_decisions(result)
    return pl.concat([
        _summary(decisions.filter(pl.col("area") == area), by).select(
            pl.lit(area).alias("area"), pl.lit(by).alias("dimension"), pl.all())
        for area in areas for by in DISCLOSURE_DIMENSIONS
    ], how="vertical_relaxed")


def protect_summaries(summary: pl.DataFrame, by_area: pl.DataFrame | None,
                      suppress_below: int) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """The disclosure summary of all areas, and each area's (``by_area``), as a board may
    hold them, protected together (:func:`~mappa_audit._privacy.read_together`): the
    areas' counts of a recipient type, a level or a quarter add up to all areas', so an
    area's run read against the all-areas run could give back what either withholds
    (decision 61). Without ``by_area``, ``summary`` is protected on its own."""
    if by_area is None or by_area.is_empty():  # no areas, or no decision in any
        return protect(breakdowns_tables(summary, DISCLOSURE_COUNTS), suppress_below)[
            "frame"], by_area
    return protect_with_areas(summary, by_area,
                              lambda frame: breakdowns_tables(frame, DISCLOSURE_COUNTS),
                              suppress_below)


def shown_summary(summary: pl.DataFrame, suppress_below: int | None) -> pl.DataFrame:
    """The summary of one dimension as text for display; with ``suppress_below`` (a board),
    small counts hidden (those already hidden, null, shown as ``<5``)."""
    shown = (summary.with_columns(pl.col(c).cast(pl.String) for c in DISCLOSURE_COUNTS)
             if suppress_below is None
             else shown_counts(summary, suppress_below, counts=DISCLOSURE_COUNTS))
    return shown.select(pl.col("value").cast(pl.String),
                        *(pl.col(c).alias(label) for c, label in SUMMARY_COLUMNS.items()))
