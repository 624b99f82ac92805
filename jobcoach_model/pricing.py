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

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .adjudication import Judgement, judge
from .dates import NEVER, add_years_vector
from .rulebook import Rulebook, get_rulebook
from .scenario import Scheme
from .simulate import Caseload, month_index

PAID, HELD, DENIED = 0, 1, 2


@dataclass
class Money:
    """Money items of one scheme over a chunk of replications."""

    rep: np.ndarray  # replication (0-based, global)
    status: np.ndarray  # PAID, HELD, DENIED
    amount: np.ndarray  # USD: paid or held amount; for denied, the amount claimed
    month: np.ndarray  # payment month index (months since the start month)
    reason: np.ndarray  # object: ';'-joined rule ids (denied/held) or milestone code
    case: np.ndarray  # the case (row in the chunk's cases) each item belongs to


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


def _hourly_month(book: Rulebook, caseload: Caseload, lines) -> np.ndarray:
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


def price_hourly(caseload: Caseload, book: Rulebook, lines=None) -> Money:
    """An hourly scheme: every service line adjudicated under ``book``."""
    lines = lines or caseload.lines()
    j = judge(lines, book)
    amount = np.where(j.status == DENIED, np.round(j.claimed, 2), j.amount)
    return Money(
        rep=caseload.line_reps(),
        status=j.status,
        amount=amount,
        month=_hourly_month(book, caseload, lines),
        reason=_reasons(j),
        case=lines.case_idx,
    )


def price_unit_rate(caseload: Caseload, book: Rulebook, lines=None) -> Money:
    """Iowa's supported-employment unit rate: 15-minute units at se_unit_rate, at most
    se_units_per_authorization units per case, under Iowa's eligibility rules."""
    base = lines or caseload.lines()
    when = caseload.start_date
    unit_rate = book.value("se_unit_rate", when)
    minutes = book.value("se_unit_minutes", when)
    cap_hours = book.value("se_units_per_authorization", when) * minutes / 60
    capped = base.with_case_column(
        "authorized_hours", np.minimum(base.cases["authorized_hours"], cap_hours)
    )
    j = judge(capped, book)
    per_hour = 60 / minutes
    units = np.round(j.hours * per_hour)
    claimed_units = np.round(capped.line("hours") * per_hour)
    amount = np.where(
        j.status == DENIED,
        np.round(claimed_units * unit_rate / j.divisor, 2),
        np.round(units * unit_rate / j.divisor, 2),
    )
    return Money(
        rep=caseload.line_reps(),
        status=j.status,
        amount=amount,
        month=month_index(base.line("date"), caseload.start) + 1,
        reason=_reasons(j),
        case=base.case_idx,
    )


def outcome_eligible(caseload: Caseload, book: Rulebook) -> tuple[np.ndarray, np.ndarray]:
    """Which cases Iowa may pay outcomes for, and the rule id that says no otherwise.

    Applies, per case at its start, the same Iowa rules the line engine applies per line:
    IA-WHEN-PROVIDED, IA-CREDENTIAL (with IA-CREDENTIAL-GRACE), IA-VENDOR-W9 and
    IA-VENDOR-INSURANCE, all waived for a CCO coach (IA-CCO).
    """
    cases, coaches = caseload.cases, caseload.coaches
    coach = caseload.outcomes["coach_idx"]
    hire = caseload.outcomes["employment_start"]
    when = caseload.start_date
    cco = coaches["cco_approved"][coach]
    independent = coaches["independent"][coach]
    qualifying = list(book.value("qualifying_credentials", when))
    credentialed = np.isin(coaches["credential"][coach].astype(str), qualifying)
    deadline = add_years_vector(
        coaches["training_started_on"], int(book.value("credential_grace_years", when))
    )[coach]
    in_grace = (coaches["training_started_on"][coach] < NEVER) & (hire <= deadline)
    needs_w9 = independent if book.choice("w9_scope") == "independent_only" else True
    checks = [
        ("IA-WHEN-PROVIDED", ~cases["needs_customized_training"] | cases["employer_can_train"]),
        ("IA-CREDENTIAL", ~cco & ~credentialed & ~in_grace),
        ("IA-VENDOR-W9", ~cco & needs_w9 & ~coaches["w9_on_file"][coach]),
        ("IA-VENDOR-INSURANCE", ~cco & independent & ~coaches["liability_insurance"][coach]),
    ]
    reason = np.full(len(hire), "", dtype=object)
    for rule_id, fails in reversed(checks):  # the first failing rule in catalog order wins
        reason[fails] = rule_id
    return reason == "", reason


def milestone_days(
    caseload: Caseload, book: Rulebook, assessment_days: int
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


def price_outcome(caseload: Caseload, book: Rulebook, assessment_days: int) -> Money:
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
            )
        )
    return Money(*(np.concatenate([p[i] for p in parts]) for i in range(6)))


def price(caseload: Caseload, scheme: Scheme, assessment_days: int, lines=None) -> Money:
    """Money items of one scheme on one chunk of simulated replications."""
    book = get_rulebook(scheme.rules, scheme.overrides)
    if scheme.kind == "hourly":
        return price_hourly(caseload, book, lines)
    if scheme.kind == "unit_rate":
        return price_unit_rate(caseload, book, lines)
    return price_outcome(caseload, book, assessment_days)
