"""Iowa's schemes beyond hourly lines: the supported-employment unit rate (15-minute
units, at most 320 per authorization: ``published_figures.md``, IVRS "Employment Service
Rates") and the outcome (D-code) milestone payments (D20 assessment report, D21
stabilization, D22 45 days employed, D23 90 days employed: IVRS "Resource Sharing"
sheet, 2014-11-13). Imported only when such a scheme is priced.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from jobcoach_model.rulebooks.api import (
    DENIED,
    NEVER,
    PAID,
    Lines,
    LineTerms,
    Payments,
    Rulebook,
    SimulatedCaseload,
    hours_units,
    judge,
    line_cents,
    month_index,
    outcome_eligible,
    stage_rule,
)

#: the rule a unit-rate scheme's money rests on
UNIT_RATE_RULE = "IA-SE-UNIT-RATE"
MILESTONES = ("D20", "D21", "D22", "D23")


def unit_rate_terms(book: Rulebook, lines: Lines, when: dt.date) -> LineTerms:
    """Iowa's supported-employment unit rate: 15-minute units at se_unit_rate, at most
    se_units_per_authorization units per case, under Iowa's eligibility rules."""
    unit_rate = book.value("se_unit_rate", when)
    minutes = book.value("se_unit_minutes", when)
    cap_hours = book.value("se_units_per_authorization", when) * minutes / 60
    capped = lines.with_case_column(
        "authorized_hours", np.minimum(lines.cases["authorized_hours"], cap_hours)
    )
    j = judge(capped, book)
    per_hour = 60 / minutes
    denied = j.status == DENIED
    units = np.round(np.where(denied, capped.line("hours"), j.hours) * per_hour)
    rate = np.full(lines.n, unit_rate * per_hour)
    hours = units / per_hour
    return LineTerms(
        judgement=j,
        hours=hours,
        rate=rate,
        rate_steps=((UNIT_RATE_RULE, rate),),
        amount=line_cents(hours_units(hours), rate, j.divisor, j.rounding) / 100,
        hours_rule=UNIT_RATE_RULE,
        group_rule=stage_rule(book.code, "group"),
    )


def milestone_days(
    caseload: SimulatedCaseload, book: Rulebook, assessment_days: int
) -> dict[str, np.ndarray]:
    """Day each D-code milestone is reached (NEVER if not within the horizon)."""
    o = caseload.outcomes
    when = caseload.start_date
    hire, tenure, end = o["employment_start"], o["tenure_days"], caseload.horizon_end
    d22 = book.value("d22_days_employed", when)
    d23 = book.value("d23_days_employed", when)
    days = {
        "D20": hire + assessment_days,
        "D21": caseload.cases["stabilized_on"],
        "D22": np.where(tenure >= d22, hire + d22, NEVER),
        "D23": np.where(tenure >= d23, hire + d23, NEVER),
    }
    return {k: np.where(v < end, v, NEVER) for k, v in days.items()}


def price_outcome(caseload: SimulatedCaseload, book: Rulebook, assessment_days: int) -> Payments:
    """Iowa's D-code outcome payments: one item per case and milestone reached."""
    ok, why = outcome_eligible(caseload, book)
    days = milestone_days(caseload, book, assessment_days)
    parts = []
    for code, day in days.items():
        reached = np.flatnonzero(day < NEVER)
        amount = float(book.value(f"{code.lower()}_amount", caseload.start_date))
        parts.append(
            (
                caseload.reps[reached],
                np.where(ok[reached], PAID, DENIED),
                np.full(len(reached), amount),
                month_index(day[reached], caseload.start),
                np.where(ok[reached], code, why[reached]).astype(object),
                reached,
                np.full(len(reached), code, dtype=object),
            )
        )
    return Payments(*(np.concatenate([p[i] for p in parts]) for i in range(7)))
