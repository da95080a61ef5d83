"""Run every rule for a period, collect once, and summarise the items into rule results.

Counts, rates, RAG, breakdowns and the exceptions table are written here once, over the
items table every rule yields; no rule knows how it is summarised.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import polars as pl

from mappa_audit._errors import ArgumentError, NotFoundError
from mappa_audit._loader import Dataset, load_dataset
from mappa_audit._policy import Policy, load_policy
from mappa_audit.rules import (
    DATA_QUALITY_RULES,
    EXCEPTION_OUTCOMES,
    FINDING_SCHEMA,
    REPORTED_OUTCOMES,
    AuditContext,
    Outcome,
    Rag,
    RuleSpec,
    Status,
    build_context,
    data_quality_findings,
    ordered_rules,
)

BREAKDOWNS = ("area", "lau", "category", "level", "quarter")
"""The breakdown dimensions of audit-rules.md, in the order reports show them."""
HEADLINE = "all"
NOT_RECORDED = "not recorded"
NO_LEVEL = "none"

ITEM_SCHEMA = pl.Schema(
    {
        "rule_id": pl.String(),
        "item_id": pl.String(),
        "case_id": pl.String(),
        "item_date": pl.Date(),
        "outcome": pl.String(),
        "reason": pl.String(),
        "area": pl.String(),
        "lau": pl.String(),
        "category": pl.String(),
        "level": pl.String(),
        "quarter": pl.String(),
        "due_date": pl.Date(),
        "awaiting": pl.Boolean(),
        "done_date": pl.Date(),
        "meeting_date": pl.Date(),
        "owner_agency": pl.String(),
        "lead_agency": pl.String(),
    }
)
RULE_RESULT_SCHEMA = pl.Schema(
    {
        "rule_id": pl.String(),
        "dimension": pl.String(),
        "value": pl.String(),
        "compliant": pl.Int64(),
        "non_compliant": pl.Int64(),
        "pending": pl.Int64(),
        "not_assessable": pl.Int64(),
        "population": pl.Int64(),
        "rate": pl.Float64(),
        "rag": pl.String(),
    }
)
EXCEPTION_COLUMNS = ("rule_id", "case_id", "item_id", "item_date", "outcome", "reason",
                     "due_date", "done_date", "meeting_date", "owner_agency", "lead_agency")


@dataclass(frozen=True, slots=True)
class RuleStatus:
    """Whether a rule ran, and why not when it could not."""

    spec: RuleSpec
    status: Status
    reason: str | None = None


@dataclass(frozen=True)
class AuditResult:
    """The outcome of one audit: every item, and the summaries derived from them.

    Use :meth:`headline`, :meth:`breakdown`, :meth:`exceptions` and :meth:`data_quality` for
    frames; :func:`mappa_audit.results_document` for the results JSON.
    """

    dataset: Dataset
    policy: Policy
    start: dt.date
    end: dt.date
    area: str | None
    statuses: tuple[RuleStatus, ...]
    items: pl.DataFrame
    findings: pl.DataFrame
    """Data-quality findings (DQ-01..06), with the ``area`` of the row's case (null when the
    row names no known case: such rows show in every area's audit)."""

    @property
    def as_at(self) -> dt.date:
        return self.end

    def for_area(self, area: str | None) -> AuditResult:
        """This audit narrowed to one area: what ``audit(..., area=area)`` gives, without
        running the rules again (the rules never look across areas; an area's audit is the
        all-areas audit's items of that area). ``None``: unchanged.
        """
        if area is None:
            return self
        name = resolve_area(self.dataset, area)
        if self.area is not None:
            if name == self.area:
                return self
            msg = f"this audit is of {self.area} only; it holds nothing of {name}"
            hint = "audit all areas (area=None) to narrow it to each area"
            raise ArgumentError(msg, hint, argument="area")
        return replace(
            self,
            area=name,
            items=self.items.filter(pl.col("area") == name),
            findings=self.findings.filter(pl.col("area").is_null() | (pl.col("area") == name)),
        )

    @cached_property
    def rule_results(self) -> pl.DataFrame:
        """One row per rule and breakdown value (``rule_results.parquet``)."""
        return summarise(self.items, self.policy, [s.spec.rule_id for s in self.statuses])

    @cached_property
    def area_results(self) -> pl.DataFrame:
        """:attr:`rule_results` of each area on its own: ``area`` then the same columns.

        Lets a dashboard show one area's trend and breakdowns from aggregates alone.
        """
        rule_ids = [s.spec.rule_id for s in self.statuses]
        frames = [
            summarise(group, self.policy, rule_ids).select(pl.lit(area).alias("area"), pl.all())
            for (area,), group in self.items.group_by("area")
        ]
        if not frames:
            return pl.DataFrame(schema={"area": pl.String, **RULE_RESULT_SCHEMA})
        return pl.concat(frames).sort("area", maintain_order=True)

    def headline(self) -> pl.DataFrame:
        """One row per rule, in the spec's order, with its standard, counts, rate and RAG.

        Each title states the standard of the audit's policy: this is where every title that
        results.json stores, and so every report, paper and dashboard shows, is filled.
        """
        meta = pl.DataFrame(
            {
                "rule_id": [s.spec.rule_id for s in self.statuses],
                "title": [s.spec.title(self.policy) for s in self.statuses],
                "theme": [s.spec.theme.value for s in self.statuses],
                "standard": [self.policy.rule(s.spec.rule_id).text for s in self.statuses],
                "target": [self.policy.rule(s.spec.rule_id).target for s in self.statuses],
                "status": [s.status.value for s in self.statuses],
                "status_reason": [s.reason for s in self.statuses],
            },
            schema_overrides={"standard": pl.String, "status_reason": pl.String},
        )
        counts = self.rule_results.filter(pl.col("dimension") == HEADLINE).drop(
            "dimension", "value"
        )
        return meta.join(counts, on="rule_id", how="left", maintain_order="left")

    def breakdown(self, dimension: str) -> pl.DataFrame:
        """Rule results per value of one of :data:`BREAKDOWNS`."""
        if dimension not in BREAKDOWNS:
            msg = f"`dimension` {dimension!r} is not a breakdown"
            hint = f"breakdowns are: {', '.join(BREAKDOWNS)}"
            raise NotFoundError(msg, hint, argument="dimension")
        return self.rule_results.filter(pl.col("dimension") == dimension).drop("dimension")

    def exceptions(self) -> pl.DataFrame:
        """Every non-compliant and not-assessable item, with its case id and reason.

        For the auditor view only: it holds case ids.
        """
        return self.items.filter(pl.col("outcome").is_in(EXCEPTION_OUTCOMES)).select(
            *EXCEPTION_COLUMNS, *BREAKDOWNS
        )

    def data_quality(self) -> pl.DataFrame:
        """``rule_id, title, rows`` for DQ-01..06."""
        counts = self.findings.group_by("rule_id").len("rows")
        return (
            pl.DataFrame(
                {"rule_id": list(DATA_QUALITY_RULES), "title": list(DATA_QUALITY_RULES.values())}
            )
            .join(counts, on="rule_id", how="left", maintain_order="left")
            .with_columns(pl.col("rows").fill_null(0).cast(pl.Int64))
        )


def audit(
    dataset: Dataset | str | Path,
    start: dt.date | str,
    end: dt.date | str,
    *,
    area: str | None = None,
    policy: Policy | str | Path | None = None,
) -> AuditResult:
    """Run every rule of audit-rules.md over ``[start, end]`` (``as_at = end``).

    Parameters
    ----------
    dataset
        A loaded :class:`Dataset`, or the path to load.
    start, end
        The audit period, both days included; dates or ``YYYY-MM-DD`` text.
    area
        Restrict every count to the cases of one area (matched ignoring case).
    policy
        A :class:`Policy`, a policy file, or ``None`` for the shipped default.

    Examples
    --------
    >>> result = audit("data_samples", "2025-04-01", "2026-03-31")
    >>> result.headline()["rule_id"].to_list()[:3]
    ['TML-01', 'TML-02', 'TML-03']
    """
    if not isinstance(dataset, Dataset):
        dataset = load_dataset(dataset)
    if not isinstance(policy, Policy):
        policy = load_policy(policy)
    start_date, end_date = parse_date(start, "start"), parse_date(end, "end")
    if end_date < start_date:
        msg = f"the period ends ({end_date}) before it starts ({start_date})"
        raise ArgumentError(msg, "give `start` on or before `end`", argument="end")
    area_name = resolve_area(dataset, area)
    ctx = build_context(dataset, start_date, end_date, policy)

    statuses: list[RuleStatus] = []
    frames: dict[str, pl.LazyFrame] = {}
    for spec in ordered_rules():
        missing = [name for name in spec.needs if name not in ctx.present]
        if missing:
            reason = "table missing: " + ", ".join(missing)
            statuses.append(RuleStatus(spec, Status.NOT_ASSESSABLE, reason))
            continue
        statuses.append(RuleStatus(spec, Status.ASSESSED))
        frames[spec.rule_id] = spec.function(ctx)

    findings = _with_area(ctx, data_quality_findings(ctx, dataset.quarantine))
    if area_name is not None:
        # rows that belong to no known case cannot be placed; every area's report shows them
        findings = findings.filter(pl.col("area").is_null() | (pl.col("area") == area_name))
    # The rules and the data-quality findings are one plan, so that they share scans; the
    # breakdown keys of all items are then looked up at once, over the collected items
    # (cheaper than as part of the rules' plan, which polars would not cache as well).
    *rule_items, finding_frame = pl.collect_all(
        [
            *(_in_item_order(rule_id, frame) for rule_id, frame in frames.items()),
            findings.sort("rule_id", "table", "line", maintain_order=True),
        ]
    )
    items = _with_breakdown_keys(ctx, rule_items)
    if area_name is not None:
        items = items.filter(pl.col("area") == area_name)
    return AuditResult(
        dataset=dataset,
        policy=policy,
        start=start_date,
        end=end_date,
        area=area_name,
        statuses=tuple(statuses),
        items=items,
        findings=finding_frame.cast(FINDING_SCHEMA | {"area": pl.String()}),
    )


def _in_item_order(rule_id: str, frame: pl.LazyFrame) -> pl.LazyFrame:
    """A rule's items, with its id, in the order of the exceptions table (by date, then id).

    polars does not promise row order through joins and the streaming engine: sorting makes
    every run of the same inputs give the same bytes. Each rule is sorted on its own, in the
    rules' plan: no string comparisons across rules, and the rules' sorts run side by side.
    """
    return (
        frame.select(*_RULE_COLUMNS)
        .sort("item_date", "item_id")
        .with_columns(pl.lit(rule_id).alias("rule_id"))
    )


def _with_breakdown_keys(ctx: AuditContext, rule_items: list[pl.DataFrame]) -> pl.DataFrame:
    """The items of every rule (each in item order, rules in the spec's order) with their
    breakdown keys, looked up for a narrow copy of each item's case and date and put back in
    item order by position."""
    if not rule_items:
        return pl.DataFrame(schema=ITEM_SCHEMA)
    items = pl.concat(rule_items, rechunk=False)  # shares the rules' memory
    keys = ctx.level_on(
        items.lazy().select("case_id", "item_date").with_row_index("_position"),
        "item_date",
        "_level",
    )
    keys = keys.join(
        ctx.case_attributes.select("case_id", "area", "lau", "category", "lead_agency"),
        on="case_id", how="left",
    ).sort("_position")
    keys = keys.select(
        pl.col("area").fill_null(NOT_RECORDED),
        pl.col("lau").fill_null(NOT_RECORDED),
        pl.col("category").cast(pl.String).fill_null(NOT_RECORDED),
        pl.col("_level").cast(pl.String).fill_null(NO_LEVEL).alias("level"),
        _quarter_of(items["item_date"]).alias("quarter"),
        "lead_agency",
    )
    return items.hstack(keys.collect()).select(ITEM_SCHEMA.names()).cast(ITEM_SCHEMA)


def _quarter_of(dates: pl.Series) -> pl.Expr:
    """The calendar quarter (``2025-Q2``) of each ``item_date``, for the items whose dates are
    ``dates``.

    Formatted once per day from the first to the last date and looked up, not once per item:
    a 1.5 million-row ``format`` costs about five times as much.
    """
    first, last = dates.min(), dates.max()
    if not isinstance(first, dt.date) or not isinstance(last, dt.date):
        return pl.lit(None, pl.String)  # no dates at all
    days = pl.date_range(first, last, "1d", eager=True)
    labels = days.to_frame("day").select(
        pl.format("{}-Q{}", pl.col("day").dt.year(), pl.col("day").dt.quarter())
    )["day"]
    return pl.col("item_date").replace_strict(days, labels, return_dtype=pl.String)


_RULE_COLUMNS = ("item_id", "case_id", "item_date", "outcome", "reason", "due_date", "awaiting",
                 "done_date", "meeting_date", "owner_agency")
"""What every rule function yields (``mappa_audit.rules._shapes.items``)."""


def _with_area(ctx: AuditContext, findings: pl.LazyFrame) -> pl.LazyFrame:
    return findings.join(
        ctx.case_attributes.select("case_id", "area"),
        on="case_id",
        how="left",
    )


def summarise(items: pl.DataFrame, policy: Policy, rule_ids: list[str]) -> pl.DataFrame:
    """Counts, population, rate and RAG per rule, for the headline and every breakdown.

    Every rule has a headline row, also when it has no items; breakdown rows exist only for
    values that occur, so the breakdown counts of a rule sum to its headline.
    """
    # one pass over the items; every dimension is then summed from these few rows
    tally = items.lazy().group_by("rule_id", *BREAKDOWNS, "outcome").len("items").collect()
    outcome_counts = [
        pl.col("items").filter(pl.col("outcome") == outcome.value).sum().cast(pl.Int64)
        .alias(outcome.value)
        for outcome in REPORTED_OUTCOMES
    ]
    dimensions = [
        tally.group_by("rule_id").agg(*outcome_counts).with_columns(
            pl.lit(HEADLINE).alias("dimension"), pl.lit(None, pl.String).alias("value")
        )
    ] + [
        tally.group_by("rule_id", pl.col(dimension).alias("value"))
        .agg(*outcome_counts)
        .with_columns(pl.lit(dimension).alias("dimension"))
        for dimension in BREAKDOWNS
    ]
    counts = pl.concat([frame.select(_COUNT_COLUMNS) for frame in dimensions])
    every_rule = pl.DataFrame(
        {"rule_id": rule_ids, "dimension": HEADLINE, "value": None},
        schema={"rule_id": pl.String, "dimension": pl.String, "value": pl.String},
    )
    headline = every_rule.join(
        counts.filter(pl.col("dimension") == HEADLINE).drop("value"),
        on=["rule_id", "dimension"],
        how="left",
    )
    counts = pl.concat([headline.select(_COUNT_COLUMNS),
                        counts.filter(pl.col("dimension") != HEADLINE)])
    counts = counts.with_columns(pl.col(o.value).fill_null(0) for o in REPORTED_OUTCOMES)

    population = pl.col(Outcome.COMPLIANT.value) + pl.col(Outcome.NON_COMPLIANT.value)
    exact_rate = pl.col(Outcome.COMPLIANT.value) / population
    targets = {rule_id: policy.rule(rule_id).target for rule_id in rule_ids}
    ambers = {
        rule_id: round(policy.rule(rule_id).target - policy.rule(rule_id).amber_margin, 12)
        for rule_id in rule_ids
    }
    target = pl.col("rule_id").replace_strict(targets, return_dtype=pl.Float64)
    amber = pl.col("rule_id").replace_strict(ambers, return_dtype=pl.Float64)
    tolerance = 1e-12  # 19/20 must meet a 0.95 target although floats disagree in the 17th digit
    rag = (
        pl.when(population == 0).then(pl.lit(Rag.NONE.value))
        .when(exact_rate >= target - tolerance).then(pl.lit(Rag.GREEN.value))
        .when(exact_rate >= amber - tolerance).then(pl.lit(Rag.AMBER.value))
        .otherwise(pl.lit(Rag.RED.value))
    )
    dimension_rank = {HEADLINE: 0} | {name: i + 1 for i, name in enumerate(BREAKDOWNS)}
    rule_rank = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    return (
        counts.with_columns(
            population.alias("population"),
            pl.when(population > 0).then(exact_rate.round(4)).alias("rate"),
            rag.alias("rag"),
        )
        .sort(
            pl.col("rule_id").replace_strict(rule_rank, return_dtype=pl.Int32),
            pl.col("dimension").replace_strict(dimension_rank, return_dtype=pl.Int32),
            "value",
            nulls_last=False,
        )
        .select(RULE_RESULT_SCHEMA.names())
        .cast(RULE_RESULT_SCHEMA)
    )


_COUNT_COLUMNS = ["rule_id", "dimension", "value", *(o.value for o in REPORTED_OUTCOMES)]


def parse_date(value: dt.date | str, argument: str) -> dt.date:
    """The date argument named ``argument``, given as a date or ``YYYY-MM-DD`` text.

    Examples
    --------
    >>> parse_date(" 2026-03-31", "end")
    datetime.date(2026, 3, 31)
    >>> parse_date("31/03/2026", "as_at")
    Traceback (most recent call last):
    ...
    mappa_audit._errors.ArgumentError: `as_at` '31/03/2026' is not a date
    Hint: write dates as YYYY-MM-DD, for example 2026-03-31
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        msg = f"`{argument}` {value!r} is not a date"
        hint = "write dates as YYYY-MM-DD, for example 2026-03-31"
        raise ArgumentError(msg, hint, argument=argument) from None


def known_areas(dataset: Dataset) -> list[str]:
    return sorted(dataset["cases"]["area"].drop_nulls().unique().to_list())


def resolve_area(dataset: Dataset, area: str | None) -> str | None:
    """The area as the dataset spells it, or an error listing the areas there are."""
    if area is None:
        return None
    areas = known_areas(dataset)
    wanted = area.strip().casefold()
    for name in areas:
        if name.casefold() == wanted:
            return name
    listed = ", ".join(areas) if areas else "(none: the cases table is empty)"
    msg = f"`area` {area!r} is not in the dataset"
    raise NotFoundError(msg, f"areas in the dataset: {listed}", argument="area")
