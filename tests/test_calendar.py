"""The working-day deadline (audit-rules.md, "Working days") as a lookup, against polars' own
business-day arithmetic with every closed day, near both ends of the calendar's span too."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from mappa_audit._calendar import FIRST_YEAR, LAST_YEAR, WorkingDayCalendar

SPANS = [  # the first and last years of the span, from outside it, and recent years
    (dt.date(FIRST_YEAR - 2, 1, 1), dt.date(FIRST_YEAR + 1, 12, 31)),
    (dt.date(2024, 1, 1), dt.date(2027, 12, 31)),
    (dt.date(LAST_YEAR - 1, 1, 1), dt.date(LAST_YEAR + 2, 12, 31)),
]
EXTRA = (  # local closure days inside the span and on both sides of it
    dt.date(2025, 12, 29), dt.date(FIRST_YEAR - 1, 12, 28), dt.date(LAST_YEAR, 12, 27),
    dt.date(LAST_YEAR + 1, 1, 3),
)


@pytest.mark.parametrize("extra", [(), EXTRA], ids=["bank-holidays", "with-closures"])
@pytest.mark.parametrize("engine", ["in-memory", "streaming"])
def test_deadline_lookup_matches_business_day_arithmetic(
    extra: tuple[dt.date, ...], engine: str
) -> None:
    calendar = WorkingDayCalendar(extra)
    days = pl.concat(
        [pl.date_range(first, last, "1d", eager=True) for first, last in SPANS]
        + [pl.Series([None], dtype=pl.Date)]  # an empty date has no deadline
    ).to_frame("day")
    for working_days in (0, 1, 3, 5, 10, 20, 250, -1, -4):
        looked_up = days.lazy().select(
            calendar.deadline_expr(pl.col("day"), working_days)
        ).collect(engine=engine)  # type: ignore[call-overload]
        counted = days.select(
            pl.col("day").dt.add_business_days(
                working_days, holidays=list(calendar.closed_days), roll="backward"
            )
        )
        assert looked_up.to_series().equals(counted.to_series()), working_days


@pytest.mark.parametrize(
    ("start", "working_days", "deadline"),
    [
        ("2026-04-02", 1, "2026-04-07"),  # Thursday before Easter: Good Friday, Easter Monday
        ("2026-04-04", 1, "2026-04-07"),  # Saturday: the first working day after is Tuesday
        ("2025-12-19", 5, "2025-12-30"),  # Friday before Christmas: Christmas, Boxing Day closed
        ("2026-03-31", 0, "2026-03-31"),  # no working days: the day itself
    ],
)
def test_deadline_examples(start: str, working_days: int, deadline: str) -> None:
    calendar = WorkingDayCalendar()
    assert calendar.deadline(dt.date.fromisoformat(start), working_days) == (
        dt.date.fromisoformat(deadline)
    )
