"""The vectorized adjudication engine: every service line paid, held or denied at once.

It loops over the rule registry (``rules/``): each rule unit's vectorized form records
its verdicts under its id, the hours cap and group proration run once every line has
been judged, and each line's amount is its payable hours times its rate, rounded once to
the cent (``money.line_cents``). The result says, per line, what is paid, to whom, and
which rules decided it. ``reference.py`` runs the units' line-by-line twins; the two are
compared in the differential tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from jobcoach_model.base.money import HOUR_UNITS, hours_units, line_cents
from jobcoach_model.law.rulebook import Rulebook, get_rulebook
from jobcoach_model.records.lines import Lines, prepare
from jobcoach_model.rules import VectorContext, Verdicts, units

RESULT_COLUMNS = ("service_id", "status", "payable_hours", "rate", "amount", "payee", "rule_ids")
#: a line's status: its code in the engine's arrays and its name in every table
PAID, HELD, DENIED = 0, 1, 2
STATUSES = ("paid", "held", "denied")  # by code
PAYEES = ("provider", "consumer")


def stage_rule(code: str, stage: str) -> str:
    """The id of a rulebook's one rule of a stage (``hours`` cap or ``group`` proration),
    or "" where the rulebook is silent on it."""
    found = units(code, stage)
    if len(found) > 1:
        raise ValueError(f"{code} has {len(found)} rules of stage {stage}; one at most")
    return found[0].id if found else ""


def run_units(ctx: VectorContext, stage: str, outcome_only: bool = False) -> None:
    """Run a rulebook's units of one stage, in catalog order, on the context."""
    for rule in units(ctx.book.code, stage):
        if outcome_only and not rule.outcome:
            continue
        ctx.rule_id = rule.id
        rule.vector(ctx)


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
    rounding: str = "half_up"

    @property
    def claimed(self) -> np.ndarray:
        """What each line asked for (USD): its hours at its rate, prorated, rounded as
        amounts are (the money a denial refuses)."""
        units = hours_units(self.claimed_hours)
        return line_cents(units, self.rate, self.divisor, self.rounding) / 100


def judge(lines: Lines, book: Rulebook) -> Judgement:
    """Apply one rulebook to prepared lines, as arrays in input order."""
    ctx = VectorContext(lines, book)
    for stage in ("judge", "hours", "group"):
        run_units(ctx, stage)
    v = ctx.verdicts
    # a rulebook silent on capping hours pays every hour claimed on a line it pays
    hours_units = ctx.units if ctx.units is not None else np.where(v.denied, 0, lines.hour_units())
    divisor = np.broadcast_to(np.asarray(ctx.divisor, dtype=np.int64), (lines.n,))
    rate = ctx.rate
    cents = line_cents(hours_units, rate, divisor, book.choice("rounding"))
    return Judgement(
        verdicts=v,
        status=np.where(v.denied, DENIED, np.where(v.held, HELD, PAID)),
        hours=hours_units / HOUR_UNITS,
        rate=rate,
        divisor=divisor,
        amount=cents / 100,
        payee=np.broadcast_to(np.asarray(ctx.payee, dtype=np.int64), (lines.n,)),
        claimed_hours=lines.line("hours"),
        rate_steps=tuple(ctx.ladder),
        rounding=book.choice("rounding"),
    )


def judge_cases(lines: Lines, book: Rulebook) -> tuple[np.ndarray, np.ndarray]:
    """Outcome eligibility: the units marked ``outcome`` applied to one line per case
    (dated at the hire), the same functions that judge service lines.

    Returns (eligible, the first refusing rule in catalog order, "" where eligible).
    """
    ctx = VectorContext(lines, book)
    run_units(ctx, "judge", outcome_only=True)
    return ~ctx.verdicts.denied, ctx.verdicts.first_denial()


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
    rules: str | Rulebook | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    sources: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Adjudicate service lines under one rulebook (a registered jurisdiction's code; by
    default the first registered).

    Returns one row per service line, in input order: status (paid, held, denied),
    payable_hours, rate, amount (USD; for a held line what will be paid once released),
    payee (provider, or consumer where a rule makes the consumer the employer) and the
    ids of the rules that decided, capped, prorated or held it. Bad input raises ``InputError``.
    """
    book = get_rulebook(rules, overrides)
    return settle(prepare(cases, coaches, services, book, sources), book)
