"""Stratified random samples of cases for file audits (the MAPPA case- and meeting-audit forms).

Population: cases managed at Level 2 or 3 at any time in the period (optionally Level 1 too).
Strata: any of level (the highest level held in the period), area, LAU, category. Allocation
is proportional to stratum size, rounded by largest remainder, then raised to a minimum per
stratum (never above the stratum's size), so the sample can be a little larger than asked.
Cases are drawn without replacement by numpy's default generator from the seed, over case
ids in sorted order: the same data, arguments and seed always give the same cases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from mappa_audit._engine import audit, parse_date, resolve_area
from mappa_audit._errors import ArgumentError, UsageError
from mappa_audit._loader import Dataset, load_dataset
from mappa_audit._policy import Policy
from mappa_audit.rules._context import build_context

STRATA = ("level", "area", "lau", "category")
SCORE_COLUMNS = (
    "score_risk_assessment", "score_risk_management_plan", "score_meetings_and_attendance",
    "score_disclosure", "score_overall",
)
"""Empty columns for the auditor: the 4-point scale of the MAPPA audit forms (then who audited
the case, when, and notes)."""
SCALE = "4 excellent, 3 good, 2 requires improvement, 1 poor"


@dataclass(frozen=True)
class CaseSample:
    """The sampled cases, the strata, and how they were drawn."""

    cases: pl.DataFrame
    strata: pl.DataFrame
    """``stratum keys…, population, allocated``."""
    method: list[str]
    """The method, seed and sizes in words, for the top of the worksheet."""


def sample_cases(
    dataset: Dataset | str | Path,
    start: dt.date | str,
    end: dt.date | str,
    *,
    size: int,
    seed: int,
    strata: tuple[str, ...] = ("level", "area"),
    min_per_stratum: int = 1,
    include_level1: bool = False,
    area: str | None = None,
    policy: Policy | str | Path | None = None,
) -> CaseSample:
    """Draw a stratified random sample of cases active in ``[start, end]``.

    Examples
    --------
    >>> first = sample_cases("data_samples", "2025-04-01", "2026-03-31", size=20, seed=7)
    >>> again = sample_cases("data_samples", "2025-04-01", "2026-03-31", size=20, seed=7)
    >>> first.cases["case_id"].to_list() == again.cases["case_id"].to_list()
    True
    """
    if not isinstance(dataset, Dataset):
        dataset = load_dataset(dataset)
    start_date, end_date = parse_date(start, "start"), parse_date(end, "end")
    unknown = [s for s in strata if s not in STRATA]
    if unknown:
        msg = f"`strata` {unknown[0]!r} is not one of: {', '.join(STRATA)}"
        hint = "name strata from that list, such as level and area"
        raise ArgumentError(msg, hint, argument="strata")
    if size < 1:
        msg = f"`size` {size} must be at least 1"
        raise ArgumentError(msg, "for example `size` 30", argument="size")
    if min_per_stratum < 0:
        msg = f"`min_per_stratum` {min_per_stratum} must be 0 or more"
        raise ArgumentError(msg, "for example `min_per_stratum` 2", argument="min_per_stratum")
    result = audit(dataset, start_date, end_date, area=area, policy=policy)
    population = _population(result.dataset, result.policy, start_date, end_date,
                             include_level1, resolve_area(dataset, area))
    if population.height == 0:
        msg = f"no case was managed at Level 2 or 3 between {start_date} and {end_date}"
        raise UsageError(msg, "widen the period, or sample Level 1 cases too "
                              "(`include_level1`)")
    exceptions = result.exceptions().group_by("case_id").len("exceptions_in_period")
    population = population.join(exceptions, on="case_id", how="left").with_columns(
        pl.col("exceptions_in_period").fill_null(0))
    keys = list(strata)
    sizes = population.group_by(keys).len("population").sort(keys)
    sizes = sizes.with_columns(allocated=pl.Series(_allocate(
        sizes["population"].to_list(), size, min_per_stratum), dtype=pl.Int64))
    rng = np.random.default_rng(seed)
    chosen: list[pl.DataFrame] = []
    for row in sizes.iter_rows(named=True):
        members = population.filter(
            pl.all_horizontal(pl.col(k) == row[k] for k in keys)).sort("case_id")
        picks = rng.choice(members.height, size=row["allocated"], replace=False)
        chosen.append(members[sorted(picks.tolist())])
    cases = pl.concat(chosen).sort([*keys, "case_id"]).with_columns(
        *(pl.lit(None, pl.Int8).alias(c) for c in SCORE_COLUMNS),
        pl.lit(None, pl.String).alias("auditor"),
        pl.lit(None, pl.Date).alias("date_audited"),
        pl.lit(None, pl.String).alias("auditor_notes"),
    )
    method = [
        f"Stratified random sample of {cases.height} cases "
        f"({'Level 1, 2 and 3' if include_level1 else 'Level 2 and 3'}) active "
        f"{start_date} to {end_date}{' in ' + area if area else ''}.",
        f"Strata: {', '.join(keys)}; proportional allocation (largest remainder), at least "
        f"{min_per_stratum} per stratum where it has that many cases.",
        f"Seed {seed}; numpy default_rng; population {population.height} cases in "
        f"{sizes.height} strata. The same data, arguments and seed give the same cases.",
        f"Scores: {SCALE}. Free text is never exported; add notes under Auditor's notes.",
    ]
    return CaseSample(cases=cases, strata=sizes, method=method)


def _allocate(populations: list[int], size: int, minimum: int) -> list[int]:
    """Proportional allocation by largest remainder, then the minimum, capped by the stratum.

    Examples
    --------
    >>> _allocate([50, 30, 20], 10, 1)
    [5, 3, 2]
    >>> _allocate([95, 4, 1], 10, 2)
    [10, 2, 1]
    """
    total = sum(populations)
    target = min(size, total)
    exact = [target * n / total for n in populations]
    base = [int(x) for x in exact]
    order = sorted(range(len(exact)), key=lambda i: (exact[i] - base[i], -i), reverse=True)
    for i in order[: target - sum(base)]:
        base[i] += 1
    return [min(n, max(b, minimum)) for b, n in zip(base, populations, strict=True)]


def _population(
    dataset: Dataset, policy: Policy, start: dt.date, end: dt.date, include_level1: bool,
    area: str | None,
) -> pl.DataFrame:
    ctx = build_context(dataset, start, end, policy)
    levels = (1, 2, 3) if include_level1 else (2, 3)
    active = (
        ctx.level_periods.filter(
            pl.col("level").is_in(levels) & (pl.col("start_date") <= end)
            & (pl.col("end_date").is_null() | (pl.col("end_date") > start))
        )
        .group_by("case_id").agg(pl.col("level").max())
    )
    cases = ctx.table("cases").filter(
        pl.col("end_date").is_null() | (pl.col("end_date") >= start))
    if area is not None:
        cases = cases.filter(pl.col("area") == area)
    meetings = ctx.held_meetings.filter(ctx.in_period(pl.col("meeting_date"))).group_by(
        "case_id").len("meetings_in_period")
    return (
        cases.join(active, on="case_id")
        .join(meetings, on="case_id", how="left")
        .select(
            "case_id", "area", pl.col("lau").fill_null("not recorded"),
            pl.col("category").cast(pl.String), pl.col("level").cast(pl.String),
            "lead_agency", "eligible_date", "custody_release_date",
            pl.col("meetings_in_period").fill_null(0).cast(pl.Int64),
        )
        .collect()
    )
