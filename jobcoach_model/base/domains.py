"""The declared domain of every number the tool reads, with its reason, in one place.

A value outside its domain is refused in one line wherever it arrives: a CSV, Parquet or
Excel cell, a Python API frame, ``--set`` or a rulebook file. Inside the domains no sum
the engines form can overflow: the largest line is 24 hours (24,000,000 millionths) at
1,000 USD an hour (100,000 cents), 2.4e12, and a million such lines sum to 2.4e18, below
the int64 limit of 9.2e18. The bounds are checked at their edges in the tests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Domain:
    """A closed or half-open interval of numbers, and why it is what it is."""

    low: float
    high: float
    reason: str
    low_open: bool = False

    def holds(self, value: float) -> bool:
        """Whether a finite value lies inside."""
        above = value > self.low if self.low_open else value >= self.low
        return above and value <= self.high

    def text(self) -> str:
        """The domain as a user reads it in an error: ``a number > 0 and <= 24``."""
        low = f"{'>' if self.low_open else '>='} {_number(self.low)}"
        return f"{low} and <= {_number(self.high)} ({self.reason})"


def _number(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,}"


#: dates: Excel's first day to the last four-digit year, the same in every format and dtype
FIRST_DATE = dt.date(1900, 1, 1)
LAST_DATE = dt.date(9999, 12, 31)
DATE_TEXT = "a date from 1900-01-01 to 9999-12-31"

#: the contract's numeric columns (records.py)
HOURS = Domain(0, 24, "a line is one day's service, and a day has 24 hours", low_open=True)
AUTHORIZED_HOURS = Domain(
    0,
    1_000_000,
    "more than a coach could work in a hundred years; above it a figure is a data error",
)
HOURLY_RATE = Domain(
    0,
    1_000,
    "assumption: over 20 times the highest published hourly cap, 45.16 USD/hour (seed 001)",
    low_open=True,
)
GROUP_SIZE = Domain(1, 100, "assumption: a coaching session for more than 100 is a data error")

#: rulebook parameters (and ``--set``) by their unit
BY_UNIT: dict[str, Domain] = {
    "USD/hour": HOURLY_RATE,
    "hours": AUTHORIZED_HOURS,
    "USD/unit": Domain(0, 1_000, "assumption: a 15-minute unit above 1,000 USD is a typo"),
    "USD": Domain(0, 1_000_000, "assumption: one outcome payment above a million USD is a typo"),
    "share": Domain(0, 1, "a share of persons served"),
    "days": Domain(0, 36_600, "a hundred years of days"),
    "months": Domain(0, 1_200, "a hundred years of months"),
    "years": Domain(0, 100, "a hundred years"),
    "minutes": Domain(1, 1_440, "the minutes of one day"),
    "units": Domain(
        0, 100_000, "assumption: more 15-minute units than an authorization could hold"
    ),
}
#: units of numbers that are codes, not amounts: any whole number >= 0
CODE_UNITS = ("status code",)
