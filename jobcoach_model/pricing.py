"""Rate schemes: what a simulated caseload costs under each way of paying for coaching.

- ``hourly``: the service lines adjudicated under a rulebook (Kansas flat rate, Iowa
  negotiated rate capped at $45.16 and the Medicaid rate, or any what-if overrides);
- ``unit_rate``: Iowa's supported-employment rate per 15-minute unit with its 320-unit cap
  per authorization, under Iowa's eligibility rules;
- ``outcome``: Iowa's D-code milestone payments (D20 assessment report, D21 stabilization,
  D22 45 days employed, D23 90 days employed), per case.

Every scheme returns per-line (or per-milestone) money with its replication, payment month
and status, so totals, cash flow and reasons are computed the same way for all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .adjudication import DENIED, PAID, Judgement, judge, judge_cases, stage_rule
from .dates import NEVER, month_index
from .lines import Lines
from .money import hours_units, line_cents
from .rulebook import Rulebook, get_rulebook
from .scenario import Scheme
from .simulate import SIMULATED_SOURCES, SimulatedCaseload


@dataclass
class Money:
    """Money items of one scheme over a chunk of replications."""

    rep: np.ndarray  # replication (0-based, global)
    status: np.ndarray  # PAID, HELD, DENIED
    amount: np.ndarray  # USD: paid or held amount; for denied, the amount claimed
    month: np.ndarray  # payment month index (months since the start month)
    reason: np.ndarray  # object: ';'-joined rule ids (denied/held) or milestone code
    case: np.ndarray  # the case (row in the chunk's cases) each item belongs to
    item: np.ndarray | None = None  # what each item pays for: a milestone code (outcomes)


@dataclass
class LineTerms:
    """A per-line scheme's judgement in the terms its money is computed from.

    ``amount = round(hours * rate / divisor, 2)`` for every line that is not denied, with
    ``hours`` in the scheme's own counting (15-minute units for the unit rate) and
    ``rate`` per hour; ``rate_steps`` says which rules set the rate, in order. The bridge
    reads these to say which rule moved which dollar.
    """

    judgement: Judgement
    hours: np.ndarray  # payable hours (for denied lines, the hours claimed)
    rate: np.ndarray  # USD per hour
    rate_steps: tuple[tuple[str, np.ndarray], ...]
    amount: np.ndarray  # USD: paid or held amount; for denied lines, the amount claimed
    hours_rule: str  # the rule that caps hours
    group_rule: str  # the rule that prorates group sessions


def _reasons(j: Judgement) -> np.ndarray:
    """The rules that denied or held each line ("" for paid lines)."""
    codes = j.verdicts.reason_codes()
    out = np.full(len(codes), "", dtype=object)
    sel = np.flatnonzero(j.status != PAID)
    if len(sel):
        inverse, uniq = pd.factorize(codes[sel])
        names = np.array(j.verdicts.names(uniq.tolist()), dtype=object)
        out[sel] = names[inverse]
    return out


def _hourly_month(book: Rulebook, caseload: SimulatedCaseload, lines) -> np.ndarray:
    """Payment month of each line: Kansas on periodic (monthly) billing, the month after
    service (assumption on the billing cycle); Iowa, by default, not before stabilization."""
    day = lines.line("date")
    billed = month_index(day, caseload.start) + 1
    if book.code == "IA" and book.choice("hourly_payment_timing") == "on_stabilization":
        stab = lines.case("stabilized_on")
        known = stab < NEVER
        at = month_index(np.where(known, stab, day), caseload.start)
        billed = np.where(known, np.maximum(billed, at), billed)
    return billed


def hourly_terms(book: Rulebook, lines: Lines) -> LineTerms:
    """An hourly scheme's terms: every line adjudicated under ``book``."""
    j = judge(lines, book)
    return LineTerms(
        judgement=j,
        hours=np.where(j.status == DENIED, j.claimed_hours, j.hours),
        rate=j.rate,
        rate_steps=j.rate_steps,
        amount=np.where(j.status == DENIED, j.claimed, j.amount),
        hours_rule=stage_rule(book.code, "hours"),
        group_rule=stage_rule(book.code, "group"),
    )


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
        rate_steps=(("IA-SE-UNIT-RATE", rate),),
        amount=line_cents(hours_units(hours), rate, j.divisor, j.rounding) / 100,
        hours_rule="IA-SE-UNIT-RATE",
        group_rule=stage_rule("IA", "group"),
    )


def _line_money(
    caseload: SimulatedCaseload, terms: LineTerms, month: np.ndarray, lines: Lines
) -> Money:
    return Money(
        rep=caseload.line_reps(),
        status=terms.judgement.status,
        amount=terms.amount,
        month=month,
        reason=_reasons(terms.judgement),
        case=lines.case_idx,
    )


def price_hourly(caseload: SimulatedCaseload, book: Rulebook, lines=None) -> Money:
    """An hourly scheme: every service line adjudicated under ``book``."""
    lines = lines or caseload.lines()
    terms = hourly_terms(book, lines)
    return _line_money(caseload, terms, _hourly_month(book, caseload, lines), lines)


def price_unit_rate(caseload: SimulatedCaseload, book: Rulebook, lines=None) -> Money:
    """Iowa's supported-employment unit rate, paid the month after service."""
    lines = lines or caseload.lines()
    terms = unit_rate_terms(book, lines, caseload.start_date)
    month = month_index(lines.line("date"), caseload.start) + 1
    return _line_money(caseload, terms, month, lines)


def line_terms(caseload: SimulatedCaseload, scheme: Scheme, lines: Lines) -> LineTerms:
    """The terms of a per-line scheme (hourly or unit rate) on the given lines."""
    book = get_rulebook(scheme.rules, scheme.overrides)
    if scheme.kind == "hourly":
        return hourly_terms(book, lines)
    if scheme.kind == "unit_rate":
        return unit_rate_terms(book, lines, caseload.start_date)
    raise ValueError(f"{scheme.name}: an {scheme.kind} scheme is not priced per line")


def outcome_lines(caseload: SimulatedCaseload) -> Lines:
    """One line per case, dated at the hire, to judge outcome eligibility on."""
    hire = caseload.outcomes["employment_start"]
    return Lines(
        caseload.cases,
        caseload.coaches,
        {"date": hire, "_n": len(hire)},
        np.arange(len(hire)),
        caseload.outcomes["coach_idx"],
        SIMULATED_SOURCES,
    )


def outcome_eligible(caseload: SimulatedCaseload, book: Rulebook) -> tuple[np.ndarray, np.ndarray]:
    """Which cases Iowa may pay outcomes for, and the rule id that says no otherwise.

    The same rule units that judge service lines (those marked ``outcome``:
    IA-WHEN-PROVIDED, IA-CREDENTIAL with its grace year, IA-VENDOR-W9,
    IA-VENDOR-INSURANCE, IA-CCO's exemptions) judge each case at its hire.
    """
    return judge_cases(outcome_lines(caseload), book)


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


def price_outcome(caseload: SimulatedCaseload, book: Rulebook, assessment_days: int) -> Money:
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
    return Money(*(np.concatenate([p[i] for p in parts]) for i in range(7)))


def price(caseload: SimulatedCaseload, scheme: Scheme, assessment_days: int, lines=None) -> Money:
    """Money items of one scheme on one chunk of simulated replications."""
    book = get_rulebook(scheme.rules, scheme.overrides)
    if scheme.kind == "hourly":
        return price_hourly(caseload, book, lines)
    if scheme.kind == "unit_rate":
        return price_unit_rate(caseload, book, lines)
    return price_outcome(caseload, book, assessment_days)
