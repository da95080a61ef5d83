"""Our counts and the pandas baseline's, side by side: every differing count, rules (headline
and breakdowns) and data-quality rules alike."""

from __future__ import annotations

from typing import Any

import baseline_pandas
import pandas as pd

import mappa_audit


def our_frames(result: mappa_audit.AuditResult) -> dict[str, Any]:
    """What the baseline is compared on: headline, every breakdown and the DQ counts."""
    return {
        "headline": result.headline(),
        **{dimension: result.breakdown(dimension) for dimension in mappa_audit.BREAKDOWNS},
        "data_quality": result.data_quality(),
    }


def ours_as_counts(frames: dict[str, Any]) -> pd.DataFrame:
    outcomes = list(baseline_pandas.OUTCOMES)
    parts = [
        frames["headline"].select("rule_id", *outcomes).to_pandas().assign(
            dimension="all", value=""
        )
    ]
    for dimension in mappa_audit.BREAKDOWNS:
        parts.append(
            frames[dimension].select("rule_id", "value", *outcomes).to_pandas()
            .assign(dimension=dimension)
        )
    return pd.concat(parts, ignore_index=True)


def mismatches(ours: dict[str, Any], baseline: baseline_pandas.Counts) -> list[str]:
    """Every differing count of ``our_frames(...)`` and ``baseline_pandas.audit(...)``."""
    return rule_mismatches(ours_as_counts(ours), baseline.rules) + data_quality_mismatches(
        ours["data_quality"].select("rule_id", "rows").to_pandas(), baseline.data_quality
    )


def rule_mismatches(ours: pd.DataFrame, baseline: pd.DataFrame) -> list[str]:
    """Every (rule, dimension, value) whose counts differ, as readable lines."""
    outcomes = list(baseline_pandas.OUTCOMES)
    keys = ["rule_id", "dimension", "value"]
    baseline = baseline.assign(value=baseline["value"].fillna("").astype(str))
    ours = ours.assign(value=ours["value"].fillna("").astype(str))
    both = ours.merge(baseline, on=keys, how="outer", suffixes=("_ours", "_base"))
    lines = []
    for row in both.itertuples(index=False):
        record = row._asdict()
        mine = [record[f"{o}_ours"] for o in outcomes]
        theirs = [record[f"{o}_base"] for o in outcomes]
        mine = [0 if pd.isna(v) else int(v) for v in mine]
        theirs = [0 if pd.isna(v) else int(v) for v in theirs]
        if mine != theirs:
            where = record["rule_id"] if record["dimension"] == "all" else (
                f"{record['rule_id']} [{record['dimension']}={record['value']}]"
            )
            lines.append(
                f"{where}: ours c/nc/p/na={'/'.join(map(str, mine))} "
                f"baseline={'/'.join(map(str, theirs))}"
            )
    return lines


def data_quality_mismatches(ours: pd.DataFrame, baseline: pd.DataFrame) -> list[str]:
    """Every DQ rule whose row count differs (``rule_id, rows`` frames), as readable lines."""
    both = ours.merge(baseline, on="rule_id", how="outer", suffixes=("_ours", "_base"))
    both[["rows_ours", "rows_base"]] = both[["rows_ours", "rows_base"]].fillna(0).astype(int)
    lines = []
    for rule_id, mine, theirs in both[["rule_id", "rows_ours", "rows_base"]].itertuples(
        index=False
    ):
        if mine != theirs:
            lines.append(f"{rule_id} (data quality): ours rows={mine} baseline={theirs}")
    return lines
