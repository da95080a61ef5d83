"""Annual-report tables: the figures a MAPPA annual report carries that the data supports.

For a financial year (April to March) ending on 31 March: people MAPPA-eligible on 31 March by
category and by level; people managed at Level 2 and at Level 3 at any time in the year, by
category; Level 2/3 meetings held; disclosure decisions and disclosures made; each beside the
year before. Readings (docs/decisions.md): a case is eligible on 31 March when it became
eligible by then and has no end date on or before that day; "at any time in the year" means a
(merged) level period overlapping the year; a person held at both levels is counted in both.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl

from mappa_audit._engine import resolve_area
from mappa_audit._errors import UsageError
from mappa_audit._loader import Dataset, load_dataset
from mappa_audit._policy import Policy, load_policy
from mappa_audit._privacy import check_board_suppression, shown_counts
from mappa_audit.rules._context import build_context

TABLE_TITLES = {
    "eligible_by_category": "MAPPA-eligible people on 31 March, by category",
    "eligible_by_level": "MAPPA-eligible people on 31 March, by level",
    "managed_level2_3": "People managed at Level 2 and Level 3 during the year, by category",
    "meetings": "Level 2 and 3 MAPP meetings held during the year",
    "disclosures": "Disclosure decisions and disclosures made during the year",
}
CATEGORY_NAMES = {1: "Category 1: registered sexual offenders",
                  2: "Category 2: violent and other sexual offenders",
                  3: "Category 3: other dangerous offenders",
                  4: "Category 4: terrorism and terrorism-risk offenders"}


def financial_year(label: str | int) -> tuple[dt.date, dt.date]:
    """``"2025-26"`` (April 2025 to March 2026), or ``2026`` (the year it ends), to its first
    and last day. The second year of ``"2025-26"`` must follow the first.

    Examples
    --------
    >>> financial_year("2025-26")
    (datetime.date(2025, 4, 1), datetime.date(2026, 3, 31))
    >>> financial_year("2025-27")
    Traceback (most recent call last):
    ...
    mappa_audit._errors.UsageError: financial year '2025-27' is not a year such as 2025-26
    Hint: write the year as 2025-26 (April 2025 to March 2026)
    """
    text = str(label).strip()
    both = re.fullmatch(r"(\d{4})-(\d{2}|\d{4})", text)
    end_year = 0
    if both is not None:
        first, second = int(both.group(1)), int(both.group(2))
        if second in ((first + 1) % 100, first + 1):
            end_year = first + 1
    elif text.isdigit():
        end_year = int(text)
    if not 1990 < end_year < 2100:
        msg = f"financial year {label!r} is not a year such as 2025-26"
        raise UsageError(msg, "write the year as 2025-26 (April 2025 to March 2026)")
    return dt.date(end_year - 1, 4, 1), dt.date(end_year, 3, 31)


def annual_tables(
    dataset: Dataset | str | Path, year: str | int, *, area: str | None = None,
    policy: Policy | str | Path | None = None,
) -> dict[str, pl.DataFrame]:
    """Each table as ``measure, this year, last year`` (exact counts; see :func:`published`)."""
    if not isinstance(dataset, Dataset):
        dataset = load_dataset(dataset)
    if not isinstance(policy, Policy):
        policy = load_policy(policy)
    start, end = financial_year(year)
    last_start, last_end = financial_year(end.year - 1)
    if area is not None:
        area = resolve_area(dataset, area)  # as the audit does: an unknown area is an error
    this = _figures(dataset, policy, start, end, area)
    last = _figures(dataset, policy, last_start, last_end, area)
    label_now = f"{start.year}-{str(end.year)[2:]}"
    label_then = f"{last_start.year}-{str(last_end.year)[2:]}"
    return {
        name: this[name].join(last[name], on="measure", how="full", coalesce=True,
                              suffix="_last", maintain_order="left")
        .select("measure", pl.col("count").fill_null(0).alias(label_now),
                pl.col("count_last").fill_null(0).alias(label_then))
        for name in TABLE_TITLES
    }


def published(
    tables: dict[str, pl.DataFrame], suppress_below: int, *, policy_name: str = "given",
    allow_small_suppression: bool = False,
) -> dict[str, pl.DataFrame]:
    """The tables as text with counts from 1 to ``suppress_below - 1`` shown as ``<5``.

    Published tables are a board-audience output: a ``suppress_below`` under 5 raises
    :class:`~mappa_audit.SmallSuppressionError` unless ``allow_small_suppression``.
    """
    check_board_suppression(suppress_below, policy_name,
                            allow_small_suppression=allow_small_suppression)
    return {name: shown_counts(frame, suppress_below, counts=tuple(frame.columns[1:]))
            for name, frame in tables.items()}


def _figures(
    dataset: Dataset, policy: Policy, start: dt.date, end: dt.date, area: str | None
) -> dict[str, pl.DataFrame]:
    ctx = build_context(dataset, start, end, policy)
    cases = ctx.table("cases")
    if area is not None:
        cases = cases.filter(pl.col("area") == area)
    on_31_march = cases.filter(pl.col("end_date").is_null() | (pl.col("end_date") > end))
    with_level = ctx.level_on(on_31_march.with_columns(pl.lit(end).alias("_on")), "_on",
                              "level_then").collect()
    by_category = _counted(with_level, "category", CATEGORY_NAMES)
    by_level = _counted(with_level, "level_then",
                        {1: "Level 1", 2: "Level 2", 3: "Level 3"}, missing="No level recorded")
    periods = ctx.level_periods.filter(
        pl.col("level").is_in([2, 3]) & (pl.col("start_date") <= end)
        & (pl.col("end_date").is_null() | (pl.col("end_date") > start))
    ).join(cases.select("case_id", "category"), on="case_id").select(
        "case_id", "level", "category").unique().collect()
    managed = pl.concat([
        _counted(periods.filter(pl.col("level") == level), "category",
                 {k: f"Level {level}, {v.split(':')[0]}" for k, v in CATEGORY_NAMES.items()},
                 total=f"Level {level}, all categories")
        for level in (2, 3)
    ])
    held = ctx.held_meetings.filter(ctx.in_period(pl.col("meeting_date"))).join(
        cases.select("case_id"), on="case_id", how="semi").collect()
    meetings = pl.DataFrame({
        "measure": ["Level 2 meetings", "Level 3 meetings", "All Level 2 and 3 meetings"],
        "count": [int((held["level"] == 2).sum()), int((held["level"] == 3).sum()),
                  held.height],
    })
    decisions = ctx.table("disclosures").join(cases.select("case_id"), on="case_id",
                                              how="semi").collect()
    decided = decisions.filter(pl.col("decision_date").is_between(start, end))
    made = decisions.filter((pl.col("decision") == "disclose")
                            & pl.col("disclosed_date").is_between(start, end))
    disclosures = pl.DataFrame({
        "measure": ["Disclosure decisions", "Decisions to disclose", "Disclosures made"],
        "count": [decided.height, int((decided["decision"] == "disclose").sum()), made.height],
    })
    return {"eligible_by_category": by_category, "eligible_by_level": by_level,
            "managed_level2_3": managed, "meetings": meetings, "disclosures": disclosures}


def _counted(frame: pl.DataFrame, column: str, names: dict[int, str], *,
             missing: str | None = None, total: str = "Total") -> pl.DataFrame:
    counts = dict.fromkeys(names, 0)
    counts |= {k: int(v) for k, v in frame.group_by(column).len().iter_rows() if k is not None}
    rows = [(names[k], counts[k]) for k in names]
    if missing is not None:
        rows.append((missing, int(frame[column].null_count())))
    rows.append((total, frame.height))
    return pl.DataFrame(rows, schema={"measure": pl.String, "count": pl.Int64}, orient="row")


def write_annual_workbook(
    tables: dict[str, pl.DataFrame], path: Path, *, year: str, area: str | None,
    suppress_below: int | None,
) -> None:
    """One formatted sheet per table, each headed by its title and how it was counted."""
    from mappa_audit._exports import xlsx_bytes
    from mappa_audit._files import write_bytes_atomically
    from mappa_audit._views import hidden_counts_words

    how = (hidden_counts_words(suppress_below) if suppress_below
           else "exact counts (not for publication)")
    where = area or "all areas"
    notes = {name: [TABLE_TITLES[name], f"Financial year {year}, {where}; {how}."]
             for name in tables}
    write_bytes_atomically(path, xlsx_bytes(tables, notes=notes))
