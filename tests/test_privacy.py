"""Small-number suppression, unit by unit: what a board may see of a count, a rate and a RAG."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from mappa_audit._errors import SmallSuppressionError, UsageError
from mappa_audit._privacy import (
    COUNT_COLUMNS,
    Audience,
    check_board_suppression,
    hide_small,
    hide_small_in_results,
    is_hidden,
    parse_audience,
    shown_count,
    shown_counts,
)


@pytest.mark.parametrize(
    ("count", "below", "shown", "hidden"),
    [
        (0, 5, "0", False),  # a true zero is no disclosure: shown
        (1, 5, "<5", True),  # the smallest hidden count
        (4, 5, "<5", True),  # the largest hidden count
        (5, 5, "5", False),  # the threshold itself is shown
        (None, 5, "<5", True),  # hidden already (a board's file holds null)
        (9, 10, "<10", True),  # a policy's higher threshold
        (1, 1, "1", False),  # suppress_below 1 hides nothing (the override's floor)
    ],
)
def test_a_count_as_a_board_sees_it(count: int | None, below: int, shown: str,
                                    hidden: bool) -> None:
    assert shown_count(count, below) == shown
    assert is_hidden(count, below) is hidden


def rule_rows(**columns: list[object]) -> pl.DataFrame:
    base: dict[str, list[object]] = {
        "rule_id": ["TML-01"], "compliant": [10], "non_compliant": [10], "pending": [0],
        "not_assessable": [0], "population": [20], "rate": [0.5], "rag": ["red"]}
    return pl.DataFrame(base | columns, strict=False)


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        # nothing small: unchanged
        ({}, (10, 10, 0, 0, 20, 0.5, "red")),
        # a small numerator is hidden, the rate from 12 items stays
        ({"compliant": [2], "population": [12], "rate": [2 / 12]},
         (None, 10, 0, 0, 12, 2 / 12, "red")),
        # a small population hides the rate and the RAG too (a colour gives the rate away)
        ({"compliant": [3], "non_compliant": [0], "population": [3], "rate": [1.0],
          "rag": ["green"]}, (None, 0, 0, 0, None, None, "none")),
        # a population hidden upstream (null) hides the rate as well
        ({"population": [None]}, (10, 10, 0, 0, None, None, "none")),
        # an empty rule: zero is shown, and no rate is left to hide
        ({"compliant": [0], "non_compliant": [0], "population": [0], "rate": [None],
          "rag": ["none"]}, (0, 0, 0, 0, 0, None, "none")),
    ],
)
def test_hide_small(columns: dict[str, list[object]], expected: tuple[object, ...]) -> None:
    hidden = hide_small(rule_rows(**columns), 5)
    assert hidden.row(0)[1:] == expected


def test_shown_counts_writes_hidden_as_less_than() -> None:
    shown = shown_counts(rule_rows(compliant=[2], population=[12]), 5)
    assert shown.select(COUNT_COLUMNS).row(0) == ("<5", "10", "0", "0", "12")


counts = st.one_of(st.none(), st.integers(min_value=0, max_value=60))


@settings(deadline=None)  # polars' first calls are slow on a loaded machine; no speed asked
@given(rows=st.lists(st.tuples(counts, counts, counts, counts, counts), max_size=20),
       below=st.integers(min_value=1, max_value=20))
def test_nothing_small_survives_and_hiding_twice_changes_nothing(
        rows: list[tuple[int | None, ...]], below: int) -> None:
    frame = pl.DataFrame(
        {name: [row[i] for row in rows] for i, name in enumerate(COUNT_COLUMNS)}
        | {"rate": [0.5] * len(rows), "rag": ["amber"] * len(rows)},
        schema=dict.fromkeys(COUNT_COLUMNS, pl.Int64) | {"rate": pl.Float64, "rag": pl.String})
    hidden = hide_small(frame, below)
    for name in COUNT_COLUMNS:
        assert not hidden[name].is_between(1, below - 1).any(), name
    small = hidden["population"].is_null() | (hidden["population"] < below)
    assert hidden.filter(small)["rate"].null_count() == small.sum()
    assert_frame_equal(hide_small(hidden, below), hidden)


def test_a_results_document_hides_every_count_it_holds() -> None:
    document = {
        "rules": [{"rule_id": "REV-01", "compliant": 3, "non_compliant": 1, "pending": 0,
                   "not_assessable": 7, "population": 4, "rate": 0.75, "rag": "red"}],
        "data_quality": [{"rule_id": "DQ-01", "rows": 2}, {"rule_id": "DQ-02", "rows": 40}],
        "signals": [{"signal_id": "SIG-01", "cases": 1}],
        "due_by_week": [{"week": "overdue", "items": 0}, {"week": "1 to 7 May", "items": 3}],
        "quarantine": {"rows": 4, "entries": 6},
        "dataset": {"tables": {"cases": {"rows": 120, "rows_kept": 118, "quarantined": 2}}},
    }
    hidden = hide_small_in_results(document, 5)
    assert hidden["rules"][0] == {
        "rule_id": "REV-01", "compliant": None, "non_compliant": None, "pending": 0,
        "not_assessable": 7, "population": None, "rate": None, "rag": "none"}
    assert [d["rows"] for d in hidden["data_quality"]] == [None, 40]
    assert hidden["signals"][0]["cases"] is None
    assert [w["items"] for w in hidden["due_by_week"]] == [0, None]
    assert hidden["quarantine"] == {"rows": None, "entries": 6}
    assert hidden["dataset"]["tables"]["cases"] == {"rows": 120, "rows_kept": 118,
                                                    "quarantined": None}
    assert document["rules"][0]["compliant"] == 3  # the auditor's document is not changed


@pytest.mark.parametrize(("text", "audience"), [
    ("board", Audience.BOARD), (" Auditor ", Audience.AUDITOR), (Audience.BOARD, Audience.BOARD),
])
def test_parse_audience(text: str, audience: Audience) -> None:
    assert parse_audience(text) is audience


def test_an_unknown_audience_lists_the_choices() -> None:
    with pytest.raises(UsageError, match="board, auditor"):
        parse_audience("public")


def test_a_board_output_needs_the_override_below_5() -> None:
    assert check_board_suppression(5, "default") is False
    assert check_board_suppression(2, "local", allow_small_suppression=True) is True
    with pytest.raises(SmallSuppressionError, match="suppress_below = 2"):
        check_board_suppression(2, "local")
