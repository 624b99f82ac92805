"""Money in whole cents: how a line's hours and rate become an amount, and how amounts
are written for people.

A line's amount is its payable hours (counted in millionths of an hour) times its rate
(taken to the ten-thousandth of a dollar) over its group divisor, rounded once, per line,
to the cent: half up by default, or half to even (interpretation ``rounding`` of each
rulebook; the sources say nothing on rounding). The arithmetic is in integers, so a
total is exact in cents and the same on every machine. A consequence worth knowing: a
one-hour group session of three at $40 is paid as three lines of $13.33, $39.99 in all.
"""

from __future__ import annotations

import numpy as np

#: Hours are counted in millionths of an hour, so that sums are exact integers and both
#: engines cap authorized hours identically.
HOUR_UNITS = 1_000_000
ROUNDING = ("half_up", "half_even")
RATE_UNITS = 10_000  # a rate is counted in ten-thousandths of a dollar per hour
#: value of one unit of hours x rate, in cents: 1e-6 h x 1e-4 USD/h = 1e-10 USD = 1e-8 cents
_PER_CENT = HOUR_UNITS * RATE_UNITS // 100


def rate_units(rate) -> np.ndarray:
    """A rate (USD/hour) in ten-thousandths of a dollar."""
    return np.rint(np.asarray(rate, dtype=np.float64) * RATE_UNITS).astype(np.int64)


def line_cents(units, rate, divisor=1, rounding: str = "half_up") -> np.ndarray:
    """Cents of lines: ``units`` hours (in HOUR_UNITS) at ``rate`` USD/hour over
    ``divisor``, rounded per line (``half_up`` or ``half_even``)."""
    units = np.asarray(units, dtype=np.int64)
    if units.size and int(np.abs(units).max()) > 10**12:
        raise ValueError("hours beyond a million per line cannot be priced exactly")
    num = units * rate_units(rate)
    den = _PER_CENT * np.asarray(divisor, dtype=np.int64)
    quotient, remainder = np.divmod(num, den)
    twice = 2 * remainder
    if rounding == "half_up":
        up = twice >= den
    elif rounding == "half_even":
        up = (twice > den) | ((twice == den) & (quotient % 2 == 1))
    else:
        raise ValueError(f"rounding: expected one of {', '.join(ROUNDING)}, got {rounding!r}")
    return quotient + up


def hours_units(hours) -> np.ndarray:
    """Hours as whole millionths of an hour (half to even, as ``hour_units`` rounds)."""
    return np.rint(np.asarray(hours, dtype=np.float64) * HOUR_UNITS).astype(np.int64)


def hour_units(hours: float) -> int:
    """One number of hours as whole millionths of an hour: ``hours_units`` for the
    line-by-line engine, rounded the same way (half to even)."""
    return int(round(float(hours) * HOUR_UNITS))


def usd(value: float, cents: bool = False) -> str:
    """Dollars for people, sign first, with thousands separators: whole dollars, or to
    the cent with ``cents`` ("" for a missing value). The one money formatter."""
    if value is None or value != value:  # None or NaN
        return ""
    digits = 2 if cents else 0
    negative = round(value, digits) < 0
    return f"-${-value:,.{digits}f}" if negative else f"${value:,.{digits}f}"
