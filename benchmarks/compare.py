"""Our rule results and the pandas baseline's, side by side: every differing count."""

from __future__ import annotations

from typing import Any

import baseline_pandas
import pandas as pd

import mappa_audit


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


def mismatches(ours: pd.DataFrame, baseline: pd.DataFrame) -> list[str]:
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
