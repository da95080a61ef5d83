"""Working days of England and Wales: Monday to Friday less bank holidays and local closures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

import holidays
import polars as pl

FIRST_YEAR = 1990
LAST_YEAR = 2100
"""Bank holidays are generated for this span once; dates outside it are not expected in MAPPA."""


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
        bank = holidays.country_holidays("GB", subdiv="ENG", years=range(FIRST_YEAR, LAST_YEAR + 1))
        return tuple(sorted(set(bank) | set(self.extra_closures)))

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and day not in set(self.closed_days)

    def deadline(self, start: dt.date, working_days: int) -> dt.date:
        """The N-th working day strictly after ``start`` (one date; see ``deadline_expr``)."""
        frame = pl.DataFrame({"d": [start]}, schema={"d": pl.Date})
        return frame.select(self.deadline_expr(pl.col("d"), working_days)).item()  # type: ignore[no-any-return]

    def deadline_expr(self, start: pl.Expr, working_days: int) -> pl.Expr:
        """The N-th working day strictly after each date of ``start``.

        Rolling a closed day back to the previous working day first makes "strictly after"
        hold whatever day ``start`` is: the first working day after Saturday is Monday.
        """
        return start.dt.add_business_days(
            working_days, holidays=list(self.closed_days), roll="backward"
        )
