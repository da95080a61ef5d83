"""Tiny hand-written datasets for the rule tests: rows in, CSV files out, audited.

A test names only the columns its edge needs; every required column of data-contract.md gets a
harmless default, ids are numbered when left out (``M1``, ``R1``, ...), and rows of tables
that carry a ``case_id`` belong to case ``C1`` unless they say otherwise.

Two ways to run rows:

- ``run`` (fixture): write one dataset and audit it; for whole-dataset facts (DQ counts, rule
  status, breakdowns).
- :func:`scenario` + ``batch`` (fixture): a scenario is a small set of rows and a period. Every
  scenario of a period is written into one dataset with its ids prefixed, audited once, and
  each test sees only its own items. Rules judge each case on its own rows, so scenarios
  cannot disturb each other; one audit run instead of hundreds keeps the suite fast.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import mappa_audit as ma

Row = Mapping[str, object]

# data-contract.md, "Tables": every column, in the contract's order, and whether it is required
COLUMNS: dict[str, tuple[tuple[str, bool], ...]] = {
    "cases": (
        ("case_id", True), ("area", True), ("lau", False), ("category", True),
        ("lead_agency", True), ("eligible_date", True), ("custody_release_date", False),
        ("level_set_date", False), ("visor_created_date", False), ("end_date", False),
        ("sex", False), ("age_band", False), ("ethnicity_group", False),
    ),
    "levels": (("case_id", True), ("level", True), ("start_date", True), ("end_date", False)),
    "referrals": (
        ("referral_id", True), ("case_id", True), ("referral_date", True),
        ("requested_level", True), ("referring_agency", False), ("decision", True),
        ("decision_date", False),
    ),
    "meetings": (
        ("meeting_id", True), ("case_id", True), ("meeting_date", True), ("level", True),
        ("meeting_type", True), ("status", True), ("chair_agency", False),
        ("minutes_distributed_date", False), ("disclosure_considered", False),
    ),
    "attendance": (
        ("meeting_id", True), ("agency", True), ("invited", True), ("attended", True),
    ),
    "disclosures": (
        ("disclosure_id", True), ("case_id", True), ("meeting_id", False),
        ("decision_date", True), ("decision", True), ("rationale", False),
        ("recipient_type", False), ("discloser_agency", False), ("method", False),
        ("planned_date", False), ("disclosed_date", False), ("offender_informed", False),
        ("not_informed_reason", False),
    ),
    "actions": (
        ("action_id", True), ("meeting_id", True), ("owner_agency", False),
        ("due_date", False), ("completed_date", False),
    ),
    "level1_reviews": (
        ("review_id", True), ("case_id", True), ("review_date", True),
        ("reviewer_agency", False),
    ),
}
REQUIRED_TABLES = ("cases", "levels", "meetings")
ID_COLUMNS = ("case_id", "meeting_id", "referral_id", "disclosure_id", "action_id", "review_id")

# harmless values for the required columns a test does not care about
DEFAULTS: dict[str, dict[str, object]] = {
    "cases": {
        "case_id": "C1", "area": "Eastvale", "category": 2, "lead_agency": "probation",
        "eligible_date": "2020-01-01",
    },
    "levels": {"case_id": "C1"},
    "referrals": {"case_id": "C1", "decision": "accepted"},
    "meetings": {"case_id": "C1", "level": 2, "meeting_type": "review", "status": "held"},
    "attendance": {"invited": "true", "attended": "true"},
    "disclosures": {"case_id": "C1", "decision": "disclose"},
    "actions": {},
    "level1_reviews": {"case_id": "C1"},
}
ID_PREFIX = {
    "referrals": ("referral_id", "R"),
    "meetings": ("meeting_id", "M"),
    "disclosures": ("disclosure_id", "D"),
    "actions": ("action_id", "A"),
    "level1_reviews": ("review_id", "V"),
}

Tables = Mapping[str, Sequence[Row] | None]


def complete_rows(name: str, rows: Sequence[Row]) -> list[dict[str, object]]:
    """The rows with defaults for the required columns and numbered ids."""
    known = {column for column, _ in COLUMNS[name]}
    unknown = {key for row in rows for key in row} - known
    if unknown:
        msg = f"{name} has no column {sorted(unknown)}; columns are {sorted(known)}"
        raise ValueError(msg)
    filled = []
    for number, row in enumerate(rows, start=1):
        full = dict(DEFAULTS[name]) | dict(row)
        if name in ID_PREFIX:
            key, prefix = ID_PREFIX[name]
            full.setdefault(key, f"{prefix}{number}")
        filled.append(full)
    return filled


def complete_tables(tables: Tables) -> dict[str, list[dict[str, object]]]:
    """Every table to write: required ones default to headers only (``cases``: case ``C1``);
    an optional table is written only when given (``[]`` writes headers only)."""
    completed = {}
    for name in COLUMNS:
        rows = tables.get(name)
        if rows is None and name in REQUIRED_TABLES:
            rows = [{}] if name == "cases" else []
        if rows is not None:
            completed[name] = complete_rows(name, rows)
    unknown = set(tables) - set(COLUMNS)
    if unknown:
        msg = f"no table {sorted(unknown)}"
        raise ValueError(msg)
    return completed


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_completed(folder: Path, tables: Mapping[str, Sequence[Mapping[str, object]]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        header = [c for c, required in COLUMNS[name] if required or any(c in r for r in rows)]
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(header)
            writer.writerows([_text(row.get(column)) for column in header] for row in rows)
    return folder


def write_dataset(folder: Path, tables: Tables) -> Path:
    """Write ``tables`` (rows named by table) as a dataset folder of CSV files."""
    return write_completed(folder, complete_tables(tables))


class ItemView:
    """Short accessors over an items table, for assertions."""

    items: pl.DataFrame

    def _rule(self, rule_id: str) -> pl.DataFrame:
        return self.items.filter(pl.col("rule_id") == rule_id)

    def outcomes(self, rule_id: str) -> dict[str, str]:
        """``item_id -> outcome`` of one rule (item ids are unique per rule)."""
        rows = self._rule(rule_id)
        mapping = dict(zip(rows["item_id"], rows["outcome"], strict=True))
        assert len(mapping) == rows.height, f"{rule_id}: repeated item ids"
        return mapping

    def dated_outcomes(self, rule_id: str) -> list[tuple[dt.date, str]]:
        """Sorted ``(item_date, outcome)`` pairs of one rule."""
        rows = self._rule(rule_id)
        return sorted(zip(rows["item_date"], rows["outcome"], strict=True))

    def reasons(self, rule_id: str) -> dict[str, str | None]:
        rows = self._rule(rule_id)
        return dict(zip(rows["item_id"], rows["reason"], strict=True))


@dataclass(frozen=True)
class Audited(ItemView):
    """A whole audit result."""

    result: ma.AuditResult

    @property
    def items(self) -> pl.DataFrame:  # type: ignore[override]
        return self.result.items

    def headline(self, rule_id: str) -> dict[str, object]:
        return self.result.headline().filter(pl.col("rule_id") == rule_id).row(0, named=True)

    def counts(self, rule_id: str) -> tuple[object, ...]:
        """``(compliant, non_compliant, pending, not_assessable)`` of one rule."""
        row = self.headline(rule_id)
        return tuple(row[o] for o in ("compliant", "non_compliant", "pending", "not_assessable"))

    def table_missing(self, rule_id: str) -> dict[str, object]:
        """What the headline says of a rule whose table is absent (status, reason, counts)."""
        row = self.headline(rule_id)
        return {key: row[key] for key in (
            "status", "status_reason", "compliant", "non_compliant", "pending",
            "not_assessable", "population", "rate", "rag",
        )}

    def dq(self, rule_id: str) -> int:
        rows = self.result.data_quality().filter(pl.col("rule_id") == rule_id)
        return int(rows["rows"].item())

    def findings(self, rule_id: str) -> pl.DataFrame:
        return self.result.findings.filter(pl.col("rule_id") == rule_id)


def missing(table: str) -> dict[str, object]:
    """The headline of a rule whose table is absent: not assessable, every count 0
    (results-format.md: "its counts are then 0"; data-contract.md: reason ``table missing``)."""
    return {
        "status": "not_assessable", "status_reason": f"table missing: {table}",
        "compliant": 0, "non_compliant": 0, "pending": 0, "not_assessable": 0,
        "population": 0, "rate": None, "rag": "none",
    }


def audit_rows(
    folder: Path, start: str, end: str, *, strict: bool, policy: Path | None, tables: Tables
) -> Audited:
    dataset = ma.load_dataset(write_dataset(folder, tables), strict=strict)
    return Audited(ma.audit(dataset, start, end, policy=policy))


# ---------------------------------------------------------------------------------------------
# Scenarios audited in batches

_SCENARIOS: list[Scenario] = []


@dataclass(eq=False)
class Scenario:
    """Rows and a period; its ids are prefixed when it shares a dataset with others."""

    start: str
    end: str
    tables: dict[str, list[dict[str, object]]]
    prefix: str = field(init=False)

    def __post_init__(self) -> None:
        self.prefix = f"S{len(_SCENARIOS)}~"
        _SCENARIOS.append(self)

    def __repr__(self) -> str:
        return f"Scenario({self.prefix} {self.start}..{self.end})"

    def prefixed(self) -> dict[str, list[dict[str, object]]]:
        return {
            name: [
                {
                    key: (f"{self.prefix}{value}" if key in ID_COLUMNS and value else value)
                    for key, value in row.items()
                }
                for row in rows
            ]
            for name, rows in self.tables.items()
        }


def scenario(start: str, end: str, **tables: Sequence[Row] | None) -> Scenario:
    """A scenario: rows as for ``write_dataset``, audited over ``[start, end]``."""
    return Scenario(start, end, complete_tables(tables))


def as_scenarios(rows: list[Any], build: Callable[..., Scenario], expected: int = 1) -> list[Any]:
    """Turn parametrize rows ``(*build arguments, *expected values)`` into rows
    ``(scenario, *expected values)``, keeping each row's id and marks."""
    return [
        pytest.param(
            build(*row.values[:-expected]), *row.values[-expected:], id=row.id, marks=row.marks
        )
        for row in rows
    ]


@dataclass(frozen=True)
class ScenarioItems(ItemView):
    """The items of one scenario, with its id prefix taken off."""

    items: pl.DataFrame


class Batch:
    """Audits every registered scenario of a period in one run, once."""

    def __init__(self, make_folder: Callable[[], Path]) -> None:
        self._make_folder = make_folder
        self._results: dict[tuple[str, str], tuple[frozenset[str], pl.DataFrame]] = {}

    def __call__(self, wanted: Scenario) -> ScenarioItems:
        period = (wanted.start, wanted.end)
        done = self._results.get(period)
        if done is None or wanted.prefix not in done[0]:
            self._results[period] = done = self._run(period)
        items = done[1].filter(pl.col("case_id").str.starts_with(wanted.prefix))
        return ScenarioItems(
            items.with_columns(
                pl.col(c).str.replace(wanted.prefix, "", literal=True)
                for c in ("item_id", "case_id")
            )
        )

    def _run(self, period: tuple[str, str]) -> tuple[frozenset[str], pl.DataFrame]:
        members = [s for s in _SCENARIOS if (s.start, s.end) == period]
        merged: dict[str, list[dict[str, object]]] = {}
        for member in members:
            for name, rows in member.prefixed().items():
                merged.setdefault(name, []).extend(rows)
        folder = write_completed(self._make_folder(), merged)
        result = ma.audit(ma.load_dataset(folder, strict=True), *period)
        return frozenset(s.prefix for s in members), result.items


_counter = itertools.count()


def next_name(stem: str) -> str:
    return f"{stem}{next(_counter)}"
