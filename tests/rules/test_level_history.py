"""Level history (audit-rules.md, "Level history"; decisions.md 20b) against a direct reading.

Random level rows of a few cases, full of the awkward corners (overlaps, adjacent same-level
rows, chains through an overlap, rows that cover no day, open ends, two rows on one day), are
merged by :attr:`AuditContext.level_periods` and looked up by :meth:`AuditContext.level_on`;
both are compared with a plain-Python reading of the spec, day by day.
"""

from __future__ import annotations

import datetime as dt
import itertools

import polars as pl
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mappa_audit._calendar import WorkingDayCalendar
from mappa_audit._policy import load_policy
from mappa_audit.rules import AuditContext

BASE = dt.date(2025, 1, 1)
CASES = ("C1", "C2", "C3")
Row = tuple[str, int, dt.date, dt.date | None]

rows_strategy = st.lists(
    st.tuples(
        st.sampled_from(CASES),
        st.integers(min_value=1, max_value=3),  # level
        st.integers(min_value=0, max_value=30),  # start, days after BASE
        st.none() | st.integers(min_value=-2, max_value=12),  # length; <= 0 covers no day
    ).map(
        lambda r: (
            r[0], r[1], BASE + dt.timedelta(days=r[2]),
            None if r[3] is None else BASE + dt.timedelta(days=r[2] + r[3]),
        )
    ),
    max_size=12,
)


def context(rows: list[Row]) -> AuditContext:
    levels = pl.LazyFrame(
        rows,
        schema={"case_id": pl.String, "level": pl.Int8, "start_date": pl.Date,
                "end_date": pl.Date},
        orient="row",
    )
    return AuditContext(
        start=BASE, end=BASE + dt.timedelta(days=60), policy=load_policy(None),
        calendar=WorkingDayCalendar(), tables={"levels": levels}, present=frozenset({"levels"}),
    )


def merged_by_hand(rows: list[Row]) -> set[Row]:
    """Chains of adjacent same-level rows (one ends the day the other starts), each from its
    first start to the end of its last row (latest start, open end first, then later end)."""
    valid = [r for r in rows if r[3] is None or r[3] > r[2]]
    chain = list(range(len(rows)))

    def root(i: int) -> int:
        while chain[i] != i:
            i = chain[i]
        return i

    for a, b in itertools.permutations(range(len(rows)), 2):
        ra, rb = rows[a], rows[b]
        if ra in valid and rb in valid and ra[:2] == rb[:2] and ra[3] == rb[2]:
            chain[root(a)] = root(b)
    periods = set()
    for group in {root(i) for i in range(len(rows))}:
        members = [rows[i] for i in range(len(rows)) if root(i) == group]
        last = max(members, key=lambda r: (r[2], r[3] is None, r[3] or dt.date.min))
        periods.add((last[0], last[1], min(r[2] for r in members), last[3]))
    return periods


def level_by_hand(periods: set[Row], case_id: str, day: dt.date) -> int | None:
    holding = [p for p in periods if p[0] == case_id and p[2] <= day
               and (p[3] is None or day < p[3])]
    return max(holding, key=lambda p: (p[2], p[1]))[1] if holding else None


# a chain whose last rows start on one day: the merged period ends with the later of them
TWO_LAST_ROWS = [
    ("C1", 2, dt.date(2025, 1, 3), dt.date(2025, 1, 5)),
    ("C1", 2, dt.date(2025, 1, 5), dt.date(2025, 1, 9)),
    ("C1", 2, dt.date(2025, 1, 5), dt.date(2025, 1, 12)),
]


@settings(max_examples=300, deadline=None)
@given(rows_strategy)
@example(TWO_LAST_ROWS)
def test_merged_periods_and_level_on_match_the_spec(rows: list[Row]) -> None:
    ctx = context(rows)
    merged = ctx.level_periods.collect()
    periods = {tuple(r) for r in merged.select("case_id", "level", "start_date", "end_date")
               .iter_rows()}
    assert periods == merged_by_hand(rows)
    assert merged["period_id"].n_unique() == merged.height

    days = [BASE + dt.timedelta(days=n) for n in range(-2, 50)]
    queries = pl.LazyFrame(
        [(case_id, day) for case_id in (*CASES, "C9") for day in days] + [("C1", None)],
        schema={"case_id": pl.String, "day": pl.Date},
        orient="row",
    )
    found = ctx.level_on(queries, "day", "level").collect()
    assert found.height == len(days) * 4 + 1  # one row per query, none lost or repeated
    for case_id, day, level in found.iter_rows():
        expected = None if day is None else level_by_hand(periods, case_id, day)
        assert level == expected, (case_id, day)
    on_day = dict(ctx.levels_on_day(BASE + dt.timedelta(days=10)).collect().iter_rows())
    for case_id in CASES:
        assert on_day.get(case_id) == level_by_hand(periods, case_id, BASE + dt.timedelta(10))


def test_chain_with_two_last_rows_ends_with_the_later_one() -> None:
    # 3-5 Jan chains with both 5-9 Jan and 5-12 Jan (which overlap, DQ-04): one merged period
    # to 12 Jan, so the case is still at Level 2 on 10 Jan. (It used to end on 9 Jan or 12 Jan
    # depending on the order rows came out of a join; the pandas baseline says 12 Jan.)
    ctx = context(TWO_LAST_ROWS)
    merged = ctx.level_periods.collect()
    assert merged.select("start_date", "end_date").rows() == [
        (dt.date(2025, 1, 3), dt.date(2025, 1, 12))
    ]
    day = pl.LazyFrame({"case_id": ["C1"], "day": [dt.date(2025, 1, 10)]})
    assert ctx.level_on(day, "day", "level").collect()["level"].to_list() == [2]
