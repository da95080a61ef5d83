"""Working days of England and Wales: Monday to Friday less bank holidays and local closures."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from functools import cached_property

import holidays
import polars as pl

FIRST_YEAR = 1990
LAST_YEAR = 2100
"""Bank holidays are generated for this span once; dates outside it are not expected in MAPPA."""


@functools.cache
def _bank_holidays() -> frozenset[dt.date]:
    """Generated once per process: every audit builds a calendar, and this takes 0.1 s."""
    bank = holidays.country_holidays("GB", subdiv="ENG", years=range(FIRST_YEAR, LAST_YEAR + 1))
    return frozenset(bank)


@dataclass(frozen=True)
class WorkingDayCalendar:
    """Bank holidays of England and Wales (``holidays``, GB/ENG) plus a policy's closure days.

    Examples
    --------
    >>> calendar = WorkingDayCalendar()
    >>> calendar.is_working_day(dt.date(2026, 4, 3))  # Good Friday
    False
    >>> calendar.deadline(dt.date(2026, 4, 2), 1)  # Thursday before Easter
    datetime.date(2026, 4, 7)
    """

    extra_closures: tuple[dt.date, ...] = ()

    @cached_property
    def closed_days(self) -> tuple[dt.date, ...]:
        """Every bank holiday and extra closure day, sorted (weekends are not listed)."""
        return tuple(sorted(_bank_holidays() | set(self.extra_closures)))

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and day not in set(self.closed_days)

    def deadline(self, start: dt.date, working_days: int) -> dt.date:
        """The N-th working day strictly after ``start`` (one date; see ``deadline_expr``)."""
        frame = pl.DataFrame({"d": [start]}, schema={"d": pl.Date})
        return frame.select(self.deadline_expr(pl.col("d"), working_days)).item()  # type: ignore[no-any-return]

    def deadline_expr(self, start: pl.Expr, working_days: int) -> pl.Expr:
        """The N-th working day strictly after each date of ``start``.

        It is N places on from the last working day on or before ``start`` in the sorted list
        of working days, whatever day ``start`` is: the first working day after Saturday is
        Monday. (A lookup, not ``dt.add_business_days(holidays=...)``: polars' streaming
        engine handles a long holiday list slowly, about a microsecond per row and holiday.)
        Deadlines outside FIRST_YEAR..LAST_YEAR are counted by polars, with the closure days
        that can lie on the way.
        """
        days = self._working_days
        position = pl.lit(days).search_sorted(start, side="right").cast(pl.Int64) + (
            working_days - 1
        )
        inside = (
            start.is_between(pl.lit(dt.date(FIRST_YEAR, 1, 1)), pl.lit(dt.date(LAST_YEAR, 12, 31)))
            & (position >= 0)
            & (position < days.len())
        )
        looked_up = pl.lit(days).gather(position.clip(0, days.len() - 1))
        # any closure day on the way from a date outside the span lies near one of its ends
        margin = dt.timedelta(days=2 * abs(working_days) + 60)
        first, last = dt.date(FIRST_YEAR, 1, 1) + margin, dt.date(LAST_YEAR, 12, 31) - margin
        near_ends = [
            day for day in self.closed_days
            if day < first or day > last or day in self.extra_closures
        ]
        counted = start.dt.add_business_days(working_days, holidays=near_ends, roll="backward")
        return pl.when(inside).then(looked_up).otherwise(counted)

    @cached_property
    def _working_days(self) -> pl.Series:
        """Every working day of FIRST_YEAR..LAST_YEAR, in order."""
        days = pl.date_range(
            dt.date(FIRST_YEAR, 1, 1), dt.date(LAST_YEAR, 12, 31), "1d", eager=True
        )
        closed = pl.Series(self.closed_days, dtype=pl.Date)
        return days.filter((days.dt.weekday() <= 5) & ~days.is_in(closed.implode()))


def day_month(day: dt.date | dt.datetime, *, year: bool = True) -> str:
    """``1 Apr 2026`` (or ``1 Apr``): the day without a leading zero, on every platform
    (``%-d`` is glibc's own and fails elsewhere).

    Examples
    --------
    >>> day_month(dt.date(2026, 4, 1))
    '1 Apr 2026'
    >>> day_month(dt.date(2026, 4, 1), year=False)
    '1 Apr'
    """
    return f"{day.day} {day:%b %Y}" if year else f"{day.day} {day:%b}"
