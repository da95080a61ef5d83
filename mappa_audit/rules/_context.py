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
    "events": "event_date",
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
            "case_id", "area", "lau", "category", "lead_agency", "custody_release_date",
            "end_date"
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
        # a row only chains with rows of its own case and level, which lie next to it in this
        # order; most cases have a single row, and those rows are left out of the join
        same_group = (pl.col("case_id") == pl.col("case_id").shift(1)) & (
            pl.col("level") == pl.col("level").shift(1)
        )
        in_group = same_group.fill_null(False) | same_group.shift(-1).fill_null(False)
        valid = rows.filter(
            in_group & (pl.col("end_date").is_null() | (pl.col("end_date") > pl.col("start_date")))
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
        # most rows are linked to nothing and are a period on their own; only chains need
        # grouping (a group_by over every row is most of the cost at national scale)
        linked = chain.filter(pl.col("_row") != pl.col("_chain")).select("_chain").unique()
        rows = rows.join(chain, on="_row")
        in_chain = pl.col("_chain").is_in(linked["_chain"].implode())
        chained = (
            rows.filter(in_chain)
            .group_by("case_id", "level", "_chain")
            .agg(
                pl.col("start_date").min(),
                # the last row of the chain: latest start, an open end before a closed one,
                # then the later end (two rows of one chain can start on one day, DQ-04)
                pl.col("end_date")
                .sort_by(
                    ["start_date", pl.col("end_date").is_null(), "end_date"], nulls_last=True
                )
                .last(),
            )
        )
        columns = ["case_id", "level", "start_date", "end_date", "_chain"]
        merged = (
            pl.concat([rows.filter(~in_chain).select(columns), chained.select(columns)])
            .rename({"_chain": "period_id"})
            .sort("period_id")
        )
        return merged.lazy()

    @cached_property
    def level_timeline(self) -> pl.DataFrame:
        """Each case's level history as back-to-back pieces ``[from_date, to_date)``
        (``case_id, from_date, to_date, level``) that cover all time for every case with a
        level period: an empty ``from_date`` is "since ever", an empty ``to_date`` "for good",
        and an empty ``level`` "no level" (before the first period, and in gaps).

        ``level(c, d)`` of audit-rules.md is the level of the one piece of ``c`` that holds
        ``d``. Computed once, eagerly, so that every lookup is an equality join on the case
        and a filter, with no tie to break.
        """
        periods = (
            self.level_periods.filter(
                pl.col("end_date").is_null() | (pl.col("end_date") > pl.col("start_date"))
            )
            .select("case_id", "level", "start_date", "end_date")
            .collect()
        )
        # level_periods is in case order: number the cases so that sorting is on integers
        case = pl.col("case_id")
        periods = (
            periods.with_columns((case != case.shift(1)).fill_null(True).cum_sum().alias("_case"))
            .sort("_case", "start_date")
        )
        same_case_next = pl.col("_case").shift(-1) == pl.col("_case")
        overlaps_next = same_case_next & (
            pl.col("end_date").is_null() | (pl.col("end_date") > pl.col("start_date").shift(-1))
        )
        overlapping = periods.filter(overlaps_next.fill_null(False))["_case"].unique().implode()
        in_overlap = pl.col("_case").is_in(overlapping)
        pieces = pl.concat(
            [
                _pieces_of_separate_periods(periods.filter(~in_overlap)),
                _pieces_of_overlapping_periods(periods.filter(in_overlap)),
            ]
        )
        return pieces.select("case_id", "from_date", "to_date", "level")

    def level_on(self, frame: pl.LazyFrame, date_column: str, alias: str) -> pl.LazyFrame:
        """Add ``alias``: the level of each row's case on its ``date_column`` (null: no level).

        Where periods overlap, the one with the latest start counts, and on a tie the higher
        level (audit-rules.md, Level history). Rows keep their columns, not their order.
        """
        day, since = pl.col(date_column), pl.col("_from")
        # exactly one piece holds each row: the case's piece around its date, or the first
        # piece when the date is empty; a case with no pieces gets none (no level)
        holds = _piece_holds(day, since, pl.col("_to")) | (
            day.is_null() & since.is_null()
        )
        pieces = self.level_timeline.lazy().select(
            "case_id",
            pl.col("from_date").alias("_from"),
            pl.col("to_date").alias("_to"),
            pl.col("level").alias(alias),
        )
        return frame.join(pieces, on="case_id", how="left").filter(holds).drop("_from", "_to")

    def levels_on_day(self, day: dt.date) -> pl.LazyFrame:
        """``case_id, level`` of every case with a level on ``day``, one row each."""
        holds = _piece_holds(pl.lit(day), pl.col("from_date"), pl.col("to_date"))
        return (
            self.level_timeline.lazy()
            .filter(holds & pl.col("level").is_not_null())
            .select("case_id", "level")
        )


def _piece_holds(day: pl.Expr, since: pl.Expr, until: pl.Expr) -> pl.Expr:
    """Whether a timeline piece ``[since, until)`` holds ``day`` (empty ends are unbounded)."""
    return (since.is_null() | (since <= day)) & (until.is_null() | (day < until))


def _pieces_of_separate_periods(periods: pl.DataFrame) -> pl.DataFrame:
    """Timeline pieces of cases whose periods do not overlap (``periods`` in case and date
    order): before the first period, each period, and each gap after one."""
    same_case_next = pl.col("_case").shift(-1) == pl.col("_case")
    periods = periods.with_columns(
        pl.when(same_case_next).then(pl.col("start_date").shift(-1)).alias("_next_start"),
        (pl.col("_case") != pl.col("_case").shift(1)).fill_null(True).alias("_first"),
    )
    next_start = pl.col("_next_start")
    gap_after = pl.col("end_date").is_not_null() & (
        next_start.is_null() | (next_start > pl.col("end_date"))
    )
    no_level = pl.lit(None, pl.Int8)
    return pl.concat(
        [
            periods.filter("_first").select(
                "case_id",
                pl.lit(None, pl.Date).alias("from_date"),
                pl.col("start_date").alias("to_date"),
                no_level.alias("level"),
            ),
            periods.select(
                "case_id",
                pl.col("start_date").alias("from_date"),
                pl.col("end_date").alias("to_date"),
                "level",
            ),
            periods.filter(gap_after).select(
                "case_id",
                pl.col("end_date").alias("from_date"),
                next_start.alias("to_date"),
                no_level.alias("level"),
            ),
        ]
    )


def _pieces_of_overlapping_periods(periods: pl.DataFrame) -> pl.DataFrame:
    """Timeline pieces of cases whose periods overlap (a DQ-04 finding): the level can only
    change where a period starts or ends, so each such day starts a piece whose level is
    that of the periods holding it (latest start first, then the higher level)."""
    days = pl.concat(
        [
            periods.select("case_id", pl.col("start_date").alias("from_date")),
            periods.select("case_id", pl.col("end_date").alias("from_date")).drop_nulls(),
        ]
    ).unique()
    levels = (
        days.join(periods, on="case_id")
        .filter(
            (pl.col("start_date") <= pl.col("from_date"))
            & (pl.col("end_date").is_null() | (pl.col("from_date") < pl.col("end_date")))
        )
        .group_by("case_id", "from_date")
        .agg(pl.col("level").sort_by("start_date", "level").last())
    )
    days = (
        days.join(levels, on=["case_id", "from_date"], how="left")
        .sort("case_id", "from_date")
        .with_columns(pl.col("from_date").shift(-1).over("case_id").alias("to_date"))
    )
    before = days.group_by("case_id").agg(
        pl.lit(None, pl.Date).alias("from_date"),
        pl.col("from_date").min().alias("to_date"),
        pl.lit(None, pl.Int8).alias("level"),
    )
    columns = ["case_id", "from_date", "to_date", "level"]
    return pl.concat([before.select(columns), days.select(columns)])


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
    # the rows that belong to later cases or meetings are found now: there are usually few
    # or none, so most tables need no join to leave them out
    cases, meetings = dataset["cases"], dataset["meetings"]
    later_cases = cases.filter(pl.col("eligible_date") > as_at)["case_id"]
    later_meetings = meetings.filter(
        (pl.col("meeting_date") > as_at)
        | pl.col("case_id").is_in(later_cases.implode()).fill_null(False)
    )["meeting_id"]

    def without(frame: pl.LazyFrame, column: str, later: pl.Series) -> pl.LazyFrame:
        if later.drop_nulls().is_empty():
            return frame
        return frame.filter(~pl.col(column).is_in(later.implode()).fill_null(False))

    view: dict[str, pl.LazyFrame] = {}
    for name in TABLES:
        frame = dataset[name].lazy()
        if name == "cases":
            frame = frame.filter(pl.col("eligible_date") <= cutoff)
        elif "case_id" in TABLES[name].column_names:
            frame = without(frame, "case_id", later_cases)
        if name in {"attendance", "actions"}:
            frame = without(frame, "meeting_id", later_meetings)
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
