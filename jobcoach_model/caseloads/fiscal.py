"""The fiscal note: each scheme's money by state fiscal year, per replication.

A year is its state's (``fiscal_year`` in the rulebook's ``index.yaml``) and is named by
the calendar year it ends in (FY2027 = July 2026 to June 2027 where it starts July 1).
Money is counted two ways (``basis``): by the day its service was given (``service``:
what a year's services cost) and by the month it is paid (``cash``: what a year's budget
pays, payments after the horizon included, so each basis adds up to the horizon's total
to the cent). Held money is split by service year into **pending** (its condition can
still come: a late report, a job not yet stabilized) and **never released** (it cannot:
the job ended before stabilization). A reform (``reform_of``) is reported against its
baseline year by year, replication by replication.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from jobcoach_model.base.dates import fiscal_year, from_day, to_day
from jobcoach_model.engine.adjudication import HELD, PAID
from jobcoach_model.law.rulebook import load_rulebook

BASES = ("cash", "service")
METRICS = ("total_paid", "pending", "never_released")
#: payments can fall this many days after the horizon (late reports, the monthly bill)
SPILL_DAYS = 800


@dataclass
class FiscalSums:
    """Cents per replication and fiscal year, gathered chunk by chunk."""

    replications: int
    start: int  # the horizon's first day (month 0 of the payment months)
    end: int  # the first day after the horizon
    #: scheme -> (first month, first day) of its state's fiscal year
    calendars: dict[str, tuple[int, int]]
    cents: dict = field(default_factory=dict)  # (scheme, basis, metric) -> [R, years]

    def years(self, scheme: str) -> np.ndarray:
        """The fiscal years a scheme's money can fall in (services, then payments)."""
        month, day = self.calendars[scheme]
        lo, hi = fiscal_year(np.array([self.start, self.end + SPILL_DAYS]), month, day)
        return np.arange(lo, hi + 1)

    def add(self, scheme: str, money, reps: slice) -> None:
        """Add one chunk's money items of a scheme (``pricing.Payments``)."""
        month, day = self.calendars[scheme]
        years = self.years(scheme)
        R, Y = reps.stop - reps.start, len(years)
        local = money.rep - reps.start
        cents = np.rint(np.asarray(money.amount, dtype=np.float64) * 100).astype(np.int64)
        never = money.never if money.never is not None else np.zeros(len(cents), dtype=bool)
        held = money.status == HELD
        paid_on = _month_days(self.start, money.month)
        served = money.day if money.day is not None else paid_on
        parts = {
            ("cash", "total_paid"): (money.status == PAID, paid_on),
            ("service", "total_paid"): (money.status == PAID, served),
            ("service", "pending"): (held & ~never, served),
            ("service", "never_released"): (held & never, served),
        }
        for (basis, metric), (sel, days) in parts.items():
            key = (scheme, basis, metric)
            if key not in self.cents:
                self.cents[key] = np.zeros((self.replications, Y), dtype=np.int64)
            year = fiscal_year(days[sel], month, day) - years[0]
            flat = local[sel] * Y + np.clip(year, 0, Y - 1)
            sums = np.bincount(flat, weights=cents[sel], minlength=R * Y)
            self.cents[key][reps] += np.rint(sums).astype(np.int64).reshape(R, Y)


def _month_days(start: int, months: np.ndarray) -> np.ndarray:
    """The first day of each payment month (months since the start's month)."""
    first = np.datetime64(from_day(start), "M")
    return (first + np.asarray(months, dtype=np.int64)).astype("datetime64[D]").astype(np.int64)


def fiscal_sums(scenario, start: int, end: int) -> FiscalSums:
    """Empty sums for a scenario's schemes, each on its state's fiscal calendar."""
    calendars = {}
    for scheme in scenario.schemes:
        fy = load_rulebook(scheme.rules).fiscal_year
        calendars[scheme.name] = (fy.month, fy.day)
    return FiscalSums(scenario.simulation.replications, start, end, calendars)


def _row(values: np.ndarray) -> tuple[float, float, float]:
    usd = values / 100
    p05, p95 = np.percentile(usd, [5, 95])
    return round(float(usd.mean()), 2), round(float(p05), 2), round(float(p95), 2)


def fiscal_table(sums: FiscalSums, scenario) -> pd.DataFrame:
    """``scheme, fiscal_year, basis, metric, mean, p05, p95`` (USD over replications):
    every year of the horizon, and later years where money is paid; for each reform,
    ``cost_vs_baseline`` (the reform's total paid less its baseline's, per replication)."""
    rows = []
    in_horizon = {}
    for scheme in (s.name for s in scenario.schemes):
        years = sums.years(scheme)
        month, day = sums.calendars[scheme]
        last = fiscal_year(np.array([sums.end - 1]), month, day)[0]
        in_horizon[scheme] = years <= last
        for basis in BASES:
            for metric in METRICS:
                table = sums.cents.get((scheme, basis, metric))
                if table is None:
                    continue
                shown = in_horizon[scheme] | (table != 0).any(axis=0)
                for i in np.flatnonzero(shown):
                    rows.append((scheme, f"FY{years[i]}", basis, metric, *_row(table[:, i])))
    for reform, base in scenario.reforms():
        if sums.calendars[reform] != sums.calendars[base]:
            continue  # different states' years do not line up
        years = sums.years(reform)
        for basis in BASES:
            a = sums.cents.get((reform, basis, "total_paid"))
            b = sums.cents.get((base, basis, "total_paid"))
            diff = a - b
            shown = in_horizon[reform] | (diff != 0).any(axis=0)
            for i in np.flatnonzero(shown):
                rows.append((reform, f"FY{years[i]}", basis, "cost_vs_baseline", *_row(diff[:, i])))
    return pd.DataFrame(
        rows, columns=["scheme", "fiscal_year", "basis", "metric", "mean", "p05", "p95"]
    )


def window_label(scenario) -> str:
    """The budget window in words, e.g. ``FY2027 to FY2030`` (or the horizon's dates)."""
    if scenario.window is not None:
        return f"FY{scenario.window.first_year} to FY{scenario.window.last_year}"
    cl = scenario.caseload
    end = cl.end_date or from_day(to_day(cl.start_date) + 7 * cl.weeks)
    return f"{cl.start_date.isoformat()} to {end.isoformat()}"
