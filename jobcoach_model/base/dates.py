"""Dates as whole day numbers (days since 1970-01-01), the engine's one date type.

Day numbers make date comparisons plain integer comparisons in numpy, and both engines
share these helpers so that they agree to the day (a year after 29 February is 28 February).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

EPOCH = dt.date(1970, 1, 1)
#: Stands for "no date" (never approved, no notice given): later than any real day, and
#: far enough from the int64 limit that adding years or days to it cannot overflow.
NEVER = np.int64(10**9)


def to_day(value: dt.date) -> int:
    """The day number of a calendar date."""
    return (value - EPOCH).days


def from_day(day: int) -> dt.date:
    """The calendar date of a day number."""
    return EPOCH + dt.timedelta(days=int(day))


def add_years(day: int, years: int) -> int:
    """The same calendar day ``years`` later; 29 February falls back to 28 February."""
    if day >= NEVER:
        return int(NEVER)
    d = from_day(day)
    try:
        return to_day(d.replace(year=d.year + years))
    except ValueError:
        return to_day(d.replace(year=d.year + years, day=28))


def add_years_vector(days: np.ndarray, years: int) -> np.ndarray:
    """``add_years`` for an array of day numbers (NEVER stays NEVER)."""
    days = np.asarray(days, dtype=np.int64)
    out = np.full(days.shape, NEVER, dtype=np.int64)
    known = days < NEVER
    if known.any():
        day = days[known].astype("datetime64[D]")
        month = day.astype("datetime64[M]")
        of_month = (day - month.astype("datetime64[D]")).astype(np.int64)  # 0-based
        target = month + np.timedelta64(12 * years, "M")
        first = target.astype("datetime64[D]")
        length = ((target + 1).astype("datetime64[D]") - first).astype(np.int64)
        # the same day of the month, or the month's last day (29 February -> 28 February)
        out[known] = (first + np.minimum(of_month, length - 1)).astype(np.int64)
    return out


def month_index(days: np.ndarray, start: int) -> np.ndarray:
    """Months since the start month (0 = the start date's month) of each day number."""
    days = np.asarray(days, dtype=np.int64)
    if not days.size:
        return np.zeros(0, dtype=np.int64)
    lo, hi = int(days.min()), int(days.max())
    span = np.arange(lo, hi + 1).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    first = np.datetime64(from_day(start), "M").astype(np.int64)
    return span[days - lo] - first


def fiscal_year(days: np.ndarray, first_month: int, first_day: int = 1) -> np.ndarray:
    """The fiscal year of each day number, named by the calendar year it ends in (with a
    year starting July 1, 2026-07-01 falls in FY2027 and 2027-06-30 too)."""
    days = np.asarray(days, dtype=np.int64)
    stamps = days.astype("datetime64[D]")
    year = stamps.astype("datetime64[Y]").astype(np.int64) + 1970
    month = stamps.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (stamps - stamps.astype("datetime64[M]")).astype(np.int64) + 1
    starts_after = (month > first_month) | ((month == first_month) & (day >= first_day))
    late = starts_after if (first_month, first_day) != (1, 1) else np.zeros(days.shape, bool)
    return year + late.astype(np.int64)


def fiscal_year_start(year: int, first_month: int, first_day: int = 1) -> dt.date:
    """The first day of fiscal year ``year`` (named by the year it ends in)."""
    if (first_month, first_day) == (1, 1):
        return dt.date(year, 1, 1)
    return dt.date(year - 1, first_month, first_day)
