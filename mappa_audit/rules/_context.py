"""The audit context: the period, the policy, and the dataset as it stood on ``as_at``.

"Nothing after as_at exists" (audit-rules.md, Shared definitions) is applied here, once, so no
rule has to remember it: events dated after ``as_at`` are gone, completion dates after it are
empty, level periods that end after it are open, and cases that became eligible after it are
ignored with every row that belongs to them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

import polars as pl

from mappa_audit._calendar import WorkingDayCalendar
from mappa_audit._contract import TABLES
from mappa_audit._loader import Dataset
from mappa_audit._policy import Policy

_COMPLETION_DATES: dict[str, tuple[str, ...]] = {
    "cases": ("visor_created_date", "level_set_date", "end_date"),
    "levels": ("end_date",),
    "meetings": ("minutes_distributed_date",),
    "actions": ("completed_date",),
    "disclosures": ("disclosed_date",),
}
"""Dates that count as empty when they lie after ``as_at``."""

_EVENT_DATES: dict[str, str] = {
    "cases": "eligible_date",
    "levels": "start_date",
    "referrals": "referral_date",
    "meetings": "meeting_date",
    "disclosures": "decision_date",
    "level1_reviews": "review_date",
}
"""Rows dated after ``as_at`` by these dates do not exist yet."""


@dataclass(frozen=True)
class AuditContext:
    """Everything a rule may read: period, policy, calendar and the as-at view of the data."""

    start: dt.date
    end: dt.date
    policy: Policy
    calendar: WorkingDayCalendar
    tables: dict[str, pl.LazyFrame]
    present: frozenset[str]

    @property
    def as_at(self) -> dt.date:
        return self.end

    def table(self, name: str) -> pl.LazyFrame:
        return self.tables[name]

    def in_period(self, date: pl.Expr) -> pl.Expr:
        """Whether a date lies in the audit period, both ends included."""
        return date.is_between(pl.lit(self.start), pl.lit(self.end), closed="both")

    @cached_property
    def held_meetings(self) -> pl.LazyFrame:
        """Held meetings on or before ``as_at`` (the view holds no later ones)."""
        return self.table("meetings").filter(pl.col("status") == "held")

    @cached_property
    def case_attributes(self) -> pl.LazyFrame:
        """The breakdown keys and dates of each case, one row per case."""
        return self.table("cases").select(
            "case_id", "area", "lau", "category", "custody_release_date", "end_date"
        )

    @cached_property
    def level_periods(self) -> pl.LazyFrame:
        """Level periods with adjacent same-level periods merged (``case_id, level,
        start_date, end_date, period_id``); an open period has an empty ``end_date``.

        Two rows are adjacent when one ends on the day the other starts, whatever rows lie
        between them in date order (an overlapping row, a DQ-04 finding, does not break a
        chain). A chain of adjacent rows is one merged period: it starts where its first
        row starts and ends where its last row ends. Rows that cover no day (``end_date <=
        start_date``, a DQ-03 finding) are never merged. Computed once, eagerly: the levels
        table is small and chains need a fixed point.
        """
        rows = (
            self.table("levels")
            .select("case_id", "level", "start_date", "end_date")
            .collect()
            .sort("case_id", "level", "start_date", "end_date", nulls_last=True)
            .with_row_index("_row")
        )
        valid = rows.filter(
            pl.col("end_date").is_null() | (pl.col("end_date") > pl.col("start_date"))
        )
        edges = valid.join(
            valid,
            left_on=["case_id", "level", "end_date"],
            right_on=["case_id", "level", "start_date"],
            suffix="_next",
        ).select(pl.col("_row").alias("a"), pl.col("_row_next").alias("b"))
        links = pl.concat([edges, edges.select(a="b", b="a")]).filter(pl.col("a") != pl.col("b"))
        chain = rows.select("_row", pl.col("_row").alias("_chain"))
        while links.height:
            smallest = (
                links.join(chain, left_on="b", right_on="_row")
                .group_by("a")
                .agg(pl.col("_chain").min().alias("_linked"))
            )
            updated = chain.join(smallest, left_on="_row", right_on="a", how="left").select(
                "_row", pl.min_horizontal("_chain", "_linked").alias("_chain")
            )
            if updated.sort("_row").equals(chain.sort("_row")):
                break
            chain = updated
        merged = (
            rows.join(chain, on="_row")
            .group_by("case_id", "level", "_chain")
            .agg(
                pl.col("start_date").min(),
                # the last row of the chain: latest start, an open end before a closed one
                pl.col("end_date")
                .sort_by(["start_date", pl.col("end_date").is_null()], nulls_last=True)
                .last(),
            )
            .rename({"_chain": "period_id"})
            .select("case_id", "level", "start_date", "end_date", "period_id")
            .sort("period_id")
        )
        return merged.lazy()

    def level_on(self, frame: pl.LazyFrame, date_column: str, alias: str) -> pl.LazyFrame:
        """Add ``alias``: the level of each row's case on its ``date_column`` (null: no level).

        Where periods overlap, the one with the latest start counts, and on a tie the higher
        level (audit-rules.md, Level history).
        """
        # Keyed by (case, date), not by row number: a lazy frame may be evaluated twice and
        # a join's output order is not fixed, so row numbers would not line up.
        found = (
            frame.select("case_id", pl.col(date_column).alias("_on"))
            .unique()
            .join(self.level_periods, on="case_id", how="inner")
            .filter(
                (pl.col("start_date") <= pl.col("_on"))
                & (pl.col("end_date").is_null() | (pl.col("_on") < pl.col("end_date")))
            )
            .group_by("case_id", "_on")
            .agg(
                pl.col("level")
                .sort_by(["start_date", "level"], descending=[True, True])
                .first()
                .alias(alias)
            )
        )
        return frame.join(
            found, left_on=["case_id", date_column], right_on=["case_id", "_on"], how="left"
        )


def build_context(
    dataset: Dataset, start: dt.date, end: dt.date, policy: Policy
) -> AuditContext:
    """The context for an audit of ``[start, end]`` with ``as_at = end``."""
    return AuditContext(
        start=start,
        end=end,
        policy=policy,
        calendar=WorkingDayCalendar(policy.closure_days),
        tables=as_at_view(dataset, end),
        present=frozenset(name for name in TABLES if dataset.present(name)),
    )


def as_at_view(dataset: Dataset, as_at: dt.date) -> dict[str, pl.LazyFrame]:
    """Every table as it stood on ``as_at`` (see the module docstring)."""
    cutoff = pl.lit(as_at)
    cases = dataset["cases"].lazy()
    later_cases = cases.filter(pl.col("eligible_date") > cutoff).select("case_id")
    meetings = dataset["meetings"].lazy()
    later_meetings = pl.concat(
        [
            meetings.filter(pl.col("meeting_date") > cutoff).select("meeting_id"),
            meetings.join(later_cases, on="case_id", how="semi").select("meeting_id"),
        ]
    )

    view: dict[str, pl.LazyFrame] = {}
    for name in TABLES:
        frame = dataset[name].lazy()
        if name == "cases":
            frame = frame.filter(pl.col("eligible_date") <= cutoff)
        elif "case_id" in TABLES[name].column_names:
            frame = frame.join(later_cases, on="case_id", how="anti")
        if name in {"attendance", "actions"}:
            frame = frame.join(later_meetings, on="meeting_id", how="anti")
        if name in _EVENT_DATES and name != "cases":
            frame = frame.filter(pl.col(_EVENT_DATES[name]) <= cutoff)
        if name == "referrals":
            # a decision taken after as_at has not been taken yet
            later = pl.col("decision_date") > cutoff
            frame = frame.with_columns(
                pl.when(later).then(pl.lit("pending")).otherwise(pl.col("decision"))
                .alias("decision"),
                pl.when(later).then(None).otherwise(pl.col("decision_date"))
                .alias("decision_date"),
            )
        frame = frame.with_columns(
            pl.when(pl.col(column) > cutoff).then(None).otherwise(pl.col(column)).alias(column)
            for column in _COMPLETION_DATES.get(name, ())
        )
        view[name] = frame
    return view
