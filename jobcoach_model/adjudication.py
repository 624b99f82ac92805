"""The vectorized adjudication engine: every service line paid, held or denied at once.

Each rule is a numpy expression over all lines, recorded under its rule id; the hours cap,
proration and rate are then applied in one pass. The result says, per line, what is paid,
to whom, and which rules decided it. ``reference.py`` holds the same rules written line by
line; the two are compared in the differential tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .dates import NEVER, add_years_vector
from .lines import HOUR_UNITS, Lines, param_vector, prepare
from .rulebook import Rulebook, get_rulebook

RESULT_COLUMNS = ("service_id", "status", "payable_hours", "rate", "amount", "payee", "rule_ids")
STATUSES = ("paid", "held", "denied")
PAYEES = ("provider", "consumer")

#: Per jurisdiction: the rules every engine applies in common.
COMMON_RULES = {
    "KS": {
        "window": "KS-PREAUTH-WINDOW",
        "hours": "KS-PREAUTH-HOURS",
        "group": "KS-GROUP-PRORATE",
        "rate": "KS-RATE",
    },
    "IA": {
        "window": "IA-AUTH-WINDOW",
        "hours": "IA-AUTH-HOURS",
        "group": "IA-GROUP",
        "rate": "IA-RATE",
    },
}


class Verdicts:
    """Which rule fired on which lines, split into denials and everything else."""

    def __init__(self, book: Rulebook, n: int) -> None:
        self.bit = {rule.id: np.uint64(1) << np.uint64(i) for i, rule in enumerate(book.rules)}
        self.order = [rule.id for rule in book.rules]
        self.n = n
        self.denied = np.zeros(n, dtype=bool)
        self.held = np.zeros(n, dtype=bool)
        self.deny_code = np.zeros(n, dtype=np.uint64)
        self.other_code = np.zeros(n, dtype=np.uint64)
        self.hold_code = np.zeros(n, dtype=np.uint64)

    def deny(self, rule_id: str, mask: np.ndarray) -> None:
        """Lines this rule denies."""
        mask = np.broadcast_to(np.asarray(mask, dtype=bool), (self.n,))
        self.denied |= mask
        np.bitwise_or(self.deny_code, self.bit[rule_id], out=self.deny_code, where=mask)

    def hold(self, rule_id: str, mask: np.ndarray) -> None:
        """Lines this rule holds until a condition is met."""
        mask = np.broadcast_to(np.asarray(mask, dtype=bool), (self.n,))
        self.held |= mask
        np.bitwise_or(self.other_code, self.bit[rule_id], out=self.other_code, where=mask)
        np.bitwise_or(self.hold_code, self.bit[rule_id], out=self.hold_code, where=mask)

    def note(self, rule_id: str, mask: Any) -> None:
        """Lines this rule priced, capped, prorated or redirected (not a denial or hold)."""
        mask = np.broadcast_to(np.asarray(mask, dtype=bool), (self.n,))
        np.bitwise_or(self.other_code, self.bit[rule_id], out=self.other_code, where=mask)

    def names(self, codes) -> list[str]:
        """The ';'-joined rule ids of rule codes (bit sets), in catalog order."""
        return [";".join(r for r in self.order if int(c) & int(self.bit[r])) for c in codes]

    def codes(self) -> np.ndarray:
        """Each line's rule code: its denials if denied, else what priced or held it."""
        return np.where(self.denied, self.deny_code, self.other_code)

    def reason_codes(self) -> np.ndarray:
        """Why a line is not paid: its denials if denied, its holds if held, else 0."""
        return np.where(self.denied, self.deny_code, self.hold_code)

    def rule_ids(self) -> pd.Categorical:
        """The ';'-joined ids of each line, in catalog order."""
        if self.n == 0:
            return pd.Categorical([])
        inverse, uniq = pd.factorize(self.codes())
        names = self.names(uniq.tolist())
        # categories in text order, as pd.Categorical(values) gives them
        rank = np.argsort(np.array(names, dtype=object), kind="stable")
        codes = np.empty(len(names), dtype=np.int64)
        codes[rank] = np.arange(len(names))
        return pd.Categorical.from_codes(
            codes[inverse.reshape(-1)], categories=[names[i] for i in rank]
        )


def application_order(lines: Lines) -> np.ndarray:
    """Line positions in the order hours are applied to a case's cap: by case, then date,
    then service_id.

    Sorting a million ids as text is slow, so ids are compared only where a case has
    several lines on one day. The order is kept with the lines: every scheme priced on
    them reuses it.
    """
    if "order" not in lines._cache:
        lines._cache["order"] = _application_order(lines)
    return lines._cache["order"]


def _application_order(lines: Lines) -> np.ndarray:
    case, day = lines.case_idx, lines.line("date")
    if lines.n == 0:
        return np.zeros(0, dtype=np.int64)
    span = int(day.max() - day.min()) + 1
    # unstable is fine: equal keys (same case and day) are re-ordered by id just below
    order = np.argsort(case.astype(np.int64) * span + (day - day.min()))
    sc, sd = case[order], day[order]
    tie = (sc[1:] == sc[:-1]) & (sd[1:] == sd[:-1])
    if tie.any():
        member = np.zeros(len(order), dtype=bool)
        member[1:] |= tie
        member[:-1] |= tie
        pos = np.flatnonzero(member)
        sub = order[pos]
        ids = lines.line("service_id")[sub]
        rank = np.empty(len(sub), dtype=np.int64)
        rank[np.argsort(ids, kind="stable")] = np.arange(len(sub))
        order[pos] = sub[np.lexsort((rank, day[sub], case[sub]))]
    return order


def payable_units(lines: Lines, eligible: np.ndarray) -> np.ndarray:
    """Hours payable per line under each case's authorized-hours cap, in hour units.

    Eligible lines draw on the cap in application order; a line crossing it gets what is
    left, later lines nothing.
    """
    units = np.where(eligible, lines.hour_units(), 0)
    order = application_order(lines)
    su = units[order]
    sc = lines.case_idx[order]
    cum = np.cumsum(su)
    start = np.r_[True, sc[1:] != sc[:-1]]
    # hours used by earlier lines of the same case: running total minus the case's offset
    offset = np.maximum.accumulate(np.where(start, cum - su, 0))
    before = cum - su - offset
    cap = lines.case_units()[sc]
    paid_sorted = np.clip(cap - before, 0, su)
    out = np.empty_like(paid_sorted)
    out[order] = paid_sorted
    return out


def _kansas(lines: Lines, book: Rulebook, v: Verdicts):
    """Kansas rules as vector expressions; returns (rate ladder, prorate_group, payee)."""
    day = lines.line("date")
    rate = param_vector(book, "hourly_rate", lines)
    codes = param_vector(book, "service_codes", lines)
    code = lines.line("service_code")
    allowed = code == ""
    for listed in codes:  # two codes: plain comparisons beat hashing a million strings
        allowed |= code == listed
    v.deny("KS-SERVICE-CODE", ~allowed)
    v.deny("KS-PLAN", lines.case("plan_approved_on") > day)

    placement = lines.case("with_placement")
    approved = lines.case("offsite_approved")
    off_site = lines.line("setting") == "off_site"
    absent = ~lines.line("consumer_present")
    if book.choice("offsite_approval_scope") == "offsite_and_absent":
        breach = placement & (off_site | absent) & ~approved
    else:
        breach = placement & ((off_site & ~approved) | absent)
    v.deny("KS-ONSITE", breach)

    excluded = set(param_vector(book, "excluded_concurrent_services", lines))
    concurrent = lines.cases["concurrent_services"]
    inv, uniq = pd.factorize(concurrent)
    clash = np.array([bool(excluded & {t.strip() for t in u.split(";")}) for u in uniq])
    v.deny("KS-NOT-WITH-ASSESSMENT", clash[inv][lines.case_idx])

    notice = lines.case("withdrawal_notice_on")
    grace = param_vector(book, "withdrawal_notice_days", lines)
    if book.choice("notice_period") == "pay_through_notice":
        last_day = np.where(notice < NEVER, notice + grace, NEVER)
    else:
        last_day = notice
    v.deny("KS-WITHDRAWAL", day > last_day)
    v.hold("KS-REPORTS", ~lines.case("reports_current"))
    prorate = param_vector(book, "group_billing", lines) == "prorate"
    rate = np.broadcast_to(np.asarray(rate, dtype=np.float64), (lines.n,))
    return (("KS-RATE", rate),), prorate, 0


def _iowa(lines: Lines, book: Rulebook, v: Verdicts):
    """Iowa rules as vector expressions; returns (rate ladder, prorate_group, payee)."""
    day = lines.line("date")
    cco = lines.coach("cco_approved")
    independent = lines.coach("independent")

    negotiated = lines.coach("hourly_rate")
    cap = np.asarray(param_vector(book, "max_hourly_rate", lines), dtype=np.float64)
    medicaid = np.asarray(param_vector(book, "medicaid_hourly_rate", lines), dtype=np.float64)
    over_cap = independent & (negotiated > cap)
    over_medicaid = negotiated > medicaid
    capped = np.minimum(negotiated, np.where(independent, cap, np.inf))
    ladder = (
        ("IA-RATE", negotiated),
        ("IA-RATE-CAP", capped),
        ("IA-RATE-MEDICAID", np.minimum(capped, medicaid)),
    )
    if book.choice("rate_above_cap") == "deny":
        v.deny("IA-RATE-CAP", over_cap)
        v.deny("IA-RATE-MEDICAID", over_medicaid)
    else:
        v.note("IA-RATE-CAP", over_cap)
        v.note("IA-RATE-MEDICAID", over_medicaid)

    plan = lines.case("plan_approved_on")
    mode = book.choice("plan_approval")
    if mode == "before_service":
        v.deny("IA-PLAN", plan > day)
    elif mode == "before_payment":
        v.hold("IA-PLAN", plan >= NEVER)

    off_site = lines.line("setting") == "off_site"
    v.deny("IA-OFFSITE", off_site & ~lines.case("offsite_approved"))
    v.deny(
        "IA-WHEN-PROVIDED",
        ~lines.case("needs_customized_training") | lines.case("employer_can_train"),
    )

    # credentials, with the training grace year, judged per coach then spread to lines
    qualifying = list(param_vector(book, "qualifying_credentials", lines))
    credentialed = pd.Series(lines.coaches["credential"]).isin(qualifying).to_numpy()
    years = param_vector(book, "credential_grace_years", lines)
    if np.ndim(years) == 0:
        deadline = add_years_vector(lines.coaches["training_started_on"], int(years))
        deadline = deadline[lines.coach_idx]
    else:  # the grace period changed over time: compute per line
        start = lines.coach("training_started_on")
        deadline = np.full(lines.n, NEVER, dtype=np.int64)
        for y in np.unique(years):
            sel = years == y
            deadline[sel] = add_years_vector(start[sel], int(y))
    started = lines.coach("training_started_on") < NEVER
    in_grace = ~credentialed[lines.coach_idx] & started & (day <= deadline)
    lacking = ~cco & ~credentialed[lines.coach_idx] & ~in_grace
    v.deny("IA-CREDENTIAL", lacking)
    v.note("IA-CREDENTIAL-GRACE", ~cco & in_grace)

    needs_w9 = independent if book.choice("w9_scope") == "independent_only" else True
    v.deny("IA-VENDOR-W9", ~cco & needs_w9 & ~lines.coach("w9_on_file"))
    v.deny("IA-VENDOR-INSURANCE", ~cco & independent & ~lines.coach("liability_insurance"))
    v.note("IA-CCO", cco)

    v.hold("IA-REPORT", ~lines.case("reports_current"))
    if book.choice("hourly_payment_timing") == "on_stabilization":
        v.hold("IA-STABILIZATION", lines.case("stabilized_on") >= NEVER)
    prorate = book.choice("group_billing") == "prorate"
    payee = cco.astype(np.int64)  # index into PAYEES
    return ladder, prorate, payee


ENGINES = {"KS": _kansas, "IA": _iowa}


@dataclass
class Judgement:
    """Per-line verdicts as arrays: what pricing and the result table are built from."""

    verdicts: Verdicts
    status: np.ndarray  # 0 paid, 1 held, 2 denied (index into STATUSES)
    hours: np.ndarray  # payable hours
    rate: np.ndarray
    divisor: np.ndarray  # group size where prorated, else 1
    amount: np.ndarray  # USD, 2 decimals
    payee: np.ndarray  # index into PAYEES
    claimed_hours: np.ndarray  # the hours each line asked for
    #: how the rate was reached: (rule id, rate after that rule), the last is ``rate``
    rate_steps: tuple[tuple[str, np.ndarray], ...] = ()

    @property
    def claimed(self) -> np.ndarray:
        """What each line asked for: its hours at its rate, prorated (denied money)."""
        return self.claimed_hours * self.rate / self.divisor


def judge(lines: Lines, book: Rulebook) -> Judgement:
    """Apply one rulebook to prepared lines, as arrays in input order."""
    v = Verdicts(book, lines.n)
    common = COMMON_RULES[book.code]
    day = lines.line("date")
    v.deny(
        common["window"],
        (day < lines.case("authorized_from")) | (day > lines.case("authorized_to")),
    )
    ladder, prorate, payee = ENGINES[book.code](lines, book, v)
    rate = ladder[-1][1]

    units = payable_units(lines, ~v.denied)
    exhausted = ~v.denied & (units == 0)
    v.deny(common["hours"], exhausted)
    v.note(common["hours"], units < lines.hour_units())

    group = lines.line("group_size")
    prorated = np.asarray(prorate, dtype=bool) & (group > 1)
    v.note(common["group"], prorated)
    v.note(common["rate"], True)

    divisor = np.where(prorated, group, 1)
    units = np.where(v.denied, 0, units)
    hours = units / HOUR_UNITS
    rate = np.broadcast_to(np.asarray(rate, dtype=np.float64), (lines.n,))
    return Judgement(
        verdicts=v,
        status=np.where(v.denied, 2, np.where(v.held, 1, 0)),
        hours=hours,
        rate=rate,
        divisor=divisor,
        amount=np.round(hours * rate / divisor, 2),
        payee=np.broadcast_to(np.asarray(payee, dtype=np.int64), (lines.n,)),
        claimed_hours=lines.line("hours"),
        rate_steps=tuple(
            (rule_id, np.broadcast_to(np.asarray(r, dtype=np.float64), (lines.n,)))
            for rule_id, r in ladder
        ),
    )


def settle(lines: Lines, book: Rulebook) -> pd.DataFrame:
    """Apply one rulebook to prepared lines; one result row per line, in input order."""
    j = judge(lines, book)
    return pd.DataFrame(
        {
            "service_id": lines.ids(),
            "status": pd.Categorical.from_codes(j.status, categories=STATUSES),
            "payable_hours": j.hours,
            "rate": j.rate.copy(),
            "amount": j.amount,
            "payee": pd.Categorical.from_codes(j.payee, categories=PAYEES),
            "rule_ids": j.verdicts.rule_ids(),
        },
        copy=False,  # the arrays are ours: no consolidation copy
    )


def result_frame(columns: Mapping[str, Any]) -> pd.DataFrame:
    """A result table built from plain columns, with the engine's dtypes (used by the
    reference engine, so both engines return identical frames)."""
    return pd.DataFrame(
        {
            "service_id": pd.Series(columns["service_id"], dtype="str"),
            "status": pd.Categorical(columns["status"], categories=STATUSES),
            "payable_hours": np.asarray(columns["payable_hours"], dtype=np.float64),
            "rate": np.asarray(columns["rate"], dtype=np.float64),
            "amount": np.asarray(columns["amount"], dtype=np.float64),
            "payee": pd.Categorical(columns["payee"], categories=PAYEES),
            "rule_ids": pd.Categorical(columns["rule_ids"]),
        }
    )


def adjudicate(
    cases: pd.DataFrame,
    coaches: pd.DataFrame,
    services: pd.DataFrame,
    rules: str | Rulebook = "KS",
    overrides: Mapping[str, Any] | None = None,
    *,
    sources: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Adjudicate service lines under one rulebook (``"KS"`` or ``"IA"``).

    Returns one row per service line, in input order: status (paid, held, denied),
    payable_hours, rate, amount (USD; for a held line what will be paid once released),
    payee (provider, or consumer under Iowa's CCO exception) and the ids of the rules that
    decided, capped, prorated or held it. Bad input raises ``InputError``.
    """
    book = get_rulebook(rules, overrides)
    return settle(prepare(cases, coaches, services, book, sources), book)
