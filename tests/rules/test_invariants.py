"""Invariants of every audit, checked with Hypothesis on generated datasets.

A dataset is drawn as a generator seed (or ``None``: the empty dataset, headers only, pinned as
an explicit example), an audit period is drawn inside the generated years.
"""

from __future__ import annotations

import datetime as dt
import functools
import shutil
from pathlib import Path

import polars as pl
import pytest
from _datasets import COLUMNS, write_dataset
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import mappa_audit as ma
from mappa_audit._generate import generate_dataset

COUNTS = ["compliant", "non_compliant", "pending", "not_assessable"]
FIRST, LAST = dt.date(2023, 1, 1), dt.date(2026, 9, 30)

datasets = st.none() | st.tuples(
    st.integers(min_value=0, max_value=10_000),  # seed
    st.integers(min_value=5, max_value=60),  # cases
    st.integers(min_value=0, max_value=3),  # invalid rows
)
periods = st.tuples(
    st.dates(min_value=FIRST, max_value=LAST), st.integers(min_value=0, max_value=500)
).map(lambda p: (p[0], min(p[0] + dt.timedelta(days=p[1]), LAST)))

INVARIANT_SETTINGS = settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
EMPTY_PERIOD = (dt.date(2025, 4, 1), dt.date(2026, 3, 31))


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory):
    """``source(drawn) -> folder``: a generated (or empty) dataset, written once per draw."""
    root = tmp_path_factory.mktemp("generated")

    @functools.cache
    def folder(drawn: tuple[int, int, int] | None) -> Path:
        if drawn is None:
            return write_dataset(root / "empty", {name: [] for name in COLUMNS})
        seed, cases, invalid = drawn
        out = root / f"s{seed}-c{cases}-i{invalid}"
        generate_dataset(out, cases=cases, seed=seed, invalid_rows=invalid)
        return out

    return folder


def copy_of(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("copy") / "dataset"
    shutil.copytree(folder, target)
    return target


def summary(result: ma.AuditResult) -> dict[str, pl.DataFrame]:
    """Every count of a result: headline, breakdowns and data quality."""
    frames = {"headline": result.headline().select("rule_id", "status", *COUNTS, "population")}
    frames |= {dim: result.breakdown(dim).select("rule_id", "value", *COUNTS)
               for dim in ma.BREAKDOWNS}
    frames["data_quality"] = result.data_quality()
    return frames


def assert_same_counts(left: ma.AuditResult, right: ma.AuditResult) -> None:
    right_summary = summary(right)
    for name, frame in summary(left).items():
        assert_frame_equal(frame, right_summary[name])


@INVARIANT_SETTINGS
@given(drawn=datasets, period=periods)
@example(drawn=None, period=EMPTY_PERIOD)
def test_breakdowns_sum_to_headline_and_rates_in_range(source, drawn, period):
    result = ma.audit(ma.load_dataset(source(drawn)), *period)
    headline = result.headline()
    assert headline["rule_id"].to_list() == [
        "TML-01", "TML-02", "TML-03", "TML-04", "TML-05", "REV-01", "REV-02", "REV-03",
        "ACT-01", "ACT-02", "ATT-01", "ATT-02", "DIS-01", "DIS-02", "DIS-03", "DIS-04",
        "DIS-05",
    ]
    for row in headline.iter_rows(named=True):
        population = row["compliant"] + row["non_compliant"]
        assert row["population"] == population
        if population == 0:
            assert row["rate"] is None
            assert row["rag"] == "none"
        else:
            assert 0 <= row["rate"] <= 1
            assert row["rate"] == round(row["compliant"] / population, 4)
            assert row["rag"] in {"green", "amber", "red"}
    expected = headline.select("rule_id", *COUNTS).sort("rule_id")
    for dim in ma.BREAKDOWNS:
        breakdown = result.breakdown(dim)
        assert breakdown["rate"].drop_nulls().is_between(0, 1).all()
        sums = breakdown.group_by("rule_id").agg(pl.col(COUNTS).sum())
        summed = (
            expected.select("rule_id")
            .join(sums, on="rule_id", how="left")
            .with_columns(pl.col(COUNTS).fill_null(0))
            .sort("rule_id")
        )
        assert_frame_equal(summed, expected, check_dtypes=False)
    # every item has exactly one of the four outcomes
    assert set(result.items["outcome"].unique()) <= set(COUNTS)
    # every non_compliant and not_assessable item is an exception with a case id and reason
    exceptions = result.exceptions()
    excepted = headline["non_compliant"].sum() + headline["not_assessable"].sum()
    assert exceptions.height == excepted
    assert exceptions["case_id"].null_count() == 0
    assert (exceptions["reason"].str.strip_chars().fill_null("") != "").all()
    if drawn is None:
        assert headline["population"].to_list() == [0] * headline.height
        assert set(headline["rag"]) == {"none"}
        assert result.items.height == 0
        assert result.data_quality()["rows"].sum() == 0


@INVARIANT_SETTINGS
@given(drawn=datasets, period=periods)
@example(drawn=None, period=EMPTY_PERIOD)
def test_running_twice_gives_identical_results(source, drawn, period):
    dataset = ma.load_dataset(source(drawn))
    first, second = ma.audit(dataset, *period), ma.audit(dataset, *period)
    assert_frame_equal(first.items, second.items)
    assert_frame_equal(first.findings, second.findings)
    assert_frame_equal(first.headline(), second.headline())


def shuffle_rows(folder: Path, seed: int) -> None:
    for file in folder.glob("*.csv"):
        frame = pl.read_csv(file, infer_schema=False)
        frame.sample(fraction=1.0, shuffle=True, seed=seed).write_csv(file)


@INVARIANT_SETTINGS
@given(drawn=datasets, period=periods, shuffle_seed=st.integers(0, 1000))
@example(drawn=None, period=EMPTY_PERIOD, shuffle_seed=0)
def test_row_order_changes_no_count(source, tmp_path_factory, drawn, period, shuffle_seed):
    folder = source(drawn)
    shuffled = copy_of(folder, tmp_path_factory)
    shuffle_rows(shuffled, shuffle_seed)
    before = ma.audit(ma.load_dataset(folder), *period)
    after = ma.audit(ma.load_dataset(shuffled), *period)
    assert_same_counts(before, after)
    # the items themselves are the same, in the engine's order
    assert_frame_equal(before.items, after.items)


def later_rows(end: dt.date, existing_case: str | None) -> dict[str, list[dict[str, object]]]:
    """Rows of every table dated after ``end``: a new case eligible later, and later events
    of a case already there."""

    def day(n: int) -> str:
        return (end + dt.timedelta(days=n)).isoformat()

    rows: dict[str, list[dict[str, object]]] = {
        "cases": [{"case_id": "LATER-C", "area": "Eastvale", "category": "1",
                   "lead_agency": "police", "eligible_date": day(1)}],
        "levels": [{"case_id": "LATER-C", "level": "3", "start_date": day(1)}],
        "meetings": [{"meeting_id": "LATER-M0", "case_id": "LATER-C", "meeting_date": day(2),
                      "level": "3", "meeting_type": "initial", "status": "held"}],
        "referrals": [{"referral_id": "LATER-R0", "case_id": "LATER-C", "referral_date": day(1),
                       "requested_level": "3", "decision": "accepted"}],
        "attendance": [{"meeting_id": "LATER-M0", "agency": "police", "invited": "true",
                        "attended": "false"}],
        "actions": [{"action_id": "LATER-A0", "meeting_id": "LATER-M0", "due_date": day(9)}],
        "disclosures": [],
        "level1_reviews": [],
    }
    if existing_case is not None:
        rows["levels"].append({"case_id": existing_case, "level": "1", "start_date": day(3)})
        rows["meetings"].append(
            {"meeting_id": "LATER-M1", "case_id": existing_case, "meeting_date": day(2),
             "level": "2", "meeting_type": "review", "status": "held",
             "minutes_distributed_date": day(3), "disclosure_considered": "true"}
        )
        rows["referrals"].append(
            {"referral_id": "LATER-R1", "case_id": existing_case, "referral_date": day(1),
             "requested_level": "2", "decision": "accepted", "decision_date": day(1)}
        )
        rows["attendance"].append({"meeting_id": "LATER-M1", "agency": "housing",
                                   "invited": "true", "attended": "false"})
        rows["actions"].append({"action_id": "LATER-A1", "meeting_id": "LATER-M1",
                                "due_date": day(20)})
        rows["disclosures"].append(
            {"disclosure_id": "LATER-D1", "case_id": existing_case, "meeting_id": "LATER-M1",
             "decision_date": day(2), "decision": "disclose", "planned_date": day(5),
             "disclosed_date": day(6)}
        )
        rows["level1_reviews"].append({"review_id": "LATER-V1", "case_id": existing_case,
                                       "review_date": day(1)})
    return rows


def append_rows(folder: Path, rows: dict[str, list[dict[str, object]]]) -> None:
    for name, extra in rows.items():
        file = folder / f"{name}.csv"
        frame = pl.read_csv(file, infer_schema=False)
        added = pl.DataFrame(extra, schema=dict.fromkeys(extra[0], pl.String)) if extra else None
        if added is not None:
            frame = pl.concat([frame, added], how="diagonal")
        frame.write_csv(file)


@INVARIANT_SETTINGS
@given(drawn=datasets, period=periods)
@example(drawn=None, period=EMPTY_PERIOD)
def test_rows_dated_after_end_change_no_count(source, tmp_path_factory, drawn, period):
    folder = source(drawn)
    cases = pl.read_csv(folder / "cases.csv", infer_schema=False)
    # a case already eligible on the end date, whose later events must stay invisible
    eligible = cases.filter(pl.col("eligible_date") <= period[1].isoformat())["case_id"]
    extended = copy_of(folder, tmp_path_factory)
    append_rows(extended, later_rows(period[1], eligible[0] if len(eligible) else None))
    before = ma.audit(ma.load_dataset(folder), *period)
    after = ma.audit(ma.load_dataset(extended), *period)
    assert_same_counts(before, after)
    assert_frame_equal(before.items, after.items)
