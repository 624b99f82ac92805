"""Rate schemes: what a simulated caseload costs under each way of paying for coaching.

- ``hourly``: the service lines adjudicated under any rulebook (its rate rules, caps and
  readings, or what-if overrides), paid when the jurisdiction's ``payment_month`` says;
- any other kind a jurisdiction offers (``Jurisdiction.kinds``), priced by the
  jurisdiction's own hooks: per line (``line_terms``, paid the month after service) or per
  case (``price_cases``, e.g. outcome milestones).

Every scheme returns per-line (or per-milestone) money with its replication, payment month
and status, so totals, cash flow and reasons are computed the same way for all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from jobcoach_model.base.dates import month_index
from jobcoach_model.caseloads.scenario import Scheme
from jobcoach_model.caseloads.simulate import SIMULATED_SOURCES, SimulatedCaseload
from jobcoach_model.engine.adjudication import (
    DENIED,
    HELD,
    PAID,
    Judgement,
    judge,
    judge_cases,
    stage_rule,
)
from jobcoach_model.law.jurisdictions import get as get_jurisdiction
from jobcoach_model.law.rulebook import Rulebook, get_rulebook
from jobcoach_model.records.lines import Lines


@dataclass
class Payments:
    """The money items of one scheme over a chunk of replications: what is paid, held or
    denied, when and why (``money.py`` holds how an amount is computed)."""

    rep: np.ndarray  # replication (0-based, global)
    status: np.ndarray  # PAID, HELD, DENIED
    amount: np.ndarray  # USD: paid or held amount; for denied, the amount claimed
    month: np.ndarray  # payment month index (months since the start month)
    reason: np.ndarray  # object: ';'-joined rule ids (denied/held) or milestone code
    case: np.ndarray  # the case (row in the chunk's cases) each item belongs to
    item: np.ndarray | None = None  # what each item pays for: a milestone code (outcomes)
    day: np.ndarray | None = None  # the day of the service (or milestone) it pays for
    #: held items whose condition can no longer come (never released; the others held
    #: are pending: paid when their condition comes)
    never: np.ndarray | None = None


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


def billed_month(caseload: SimulatedCaseload, lines: Lines) -> np.ndarray:
    """The month after each line's service (months since the caseload's start): when a
    monthly bill is paid (an assumption on the billing cycle)."""
    return month_index(lines.line("date"), caseload.start) + 1


def _hourly_month(book: Rulebook, caseload: SimulatedCaseload, lines) -> np.ndarray:
    """Payment month of each hourly line, as its jurisdiction times payment."""
    billed = billed_month(caseload, lines)
    return get_jurisdiction(book.code).payment_month(book, caseload, lines, billed)


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


def line_money(
    caseload: SimulatedCaseload, book: Rulebook, terms: LineTerms, month: np.ndarray, lines: Lines
) -> Payments:
    """Per-line money items, with the held ones the jurisdiction will never release."""
    status = terms.judgement.status
    return Payments(
        rep=caseload.line_reps(),
        status=status,
        amount=terms.amount,
        month=month,
        reason=_reasons(terms.judgement),
        case=lines.case_idx,
        day=lines.line("date"),
        never=get_jurisdiction(book.code).never_released(book, caseload, lines, status == HELD),
    )


def reported_month(caseload: SimulatedCaseload, lines: Lines, billed: np.ndarray) -> np.ndarray:
    """The month a line is paid when payment waits for the progress report that covers
    it: the month after the report arrives (a simulated case's report delay), and never
    before ``billed``."""
    delay = caseload.outcomes.get("report_delay_days")
    if delay is None:
        return billed
    arrives = lines.line("date") + np.asarray(delay)[lines.case_idx]
    return np.maximum(billed, month_index(arrives, caseload.start) + 1)


def price_hourly(caseload: SimulatedCaseload, book: Rulebook, lines=None) -> Payments:
    """An hourly scheme: every service line adjudicated under ``book``."""
    lines = lines or caseload.lines()
    terms = hourly_terms(book, lines)
    return line_money(caseload, book, terms, _hourly_month(book, caseload, lines), lines)


def line_terms(caseload: SimulatedCaseload, scheme: Scheme, lines: Lines) -> LineTerms:
    """The terms of a per-line scheme (hourly or a jurisdiction's own kind) on the lines."""
    book = get_rulebook(scheme.rules, scheme.overrides)
    if scheme.kind == "hourly":
        return hourly_terms(book, lines)
    state = get_jurisdiction(book.code)
    if not state.per_line(scheme.kind):
        raise ValueError(f"{scheme.name}: an {scheme.kind} scheme is not priced per line")
    return state.line_terms(scheme.kind, book, lines, caseload.start_date)


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
    """Which cases an outcome scheme may pay, and the rule id that says no otherwise.

    The same rule units that judge service lines (those marked ``outcome``) judge each
    case at its hire.
    """
    return judge_cases(outcome_lines(caseload), book)


def price(
    caseload: SimulatedCaseload, scheme: Scheme, assessment_days: int, lines=None
) -> Payments:
    """The money items of one scheme on one chunk of simulated replications."""
    book = get_rulebook(scheme.rules, scheme.overrides)
    if scheme.kind == "hourly":
        return price_hourly(caseload, book, lines)
    state = get_jurisdiction(book.code)
    if state.per_line(scheme.kind):
        lines = lines or caseload.lines()
        terms = state.line_terms(scheme.kind, book, lines, caseload.start_date)
        return line_money(caseload, book, terms, billed_month(caseload, lines), lines)
    return state.price_cases(scheme.kind, caseload, book, assessment_days)
