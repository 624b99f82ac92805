"""The reference engine: the rule units' line-by-line twins, one line at a time.

It is written to be read next to the source documents, not to be fast: each line is a
dict of plain values, each rule's ``line`` twin judges it, the hours cap walks each
case's lines in date order, and amounts are rounded with ``decimal``. It is the oracle in
the differential tests and the baseline in the benchmark.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

from jobcoach_model.base.money import HOUR_UNITS, hour_units
from jobcoach_model.engine.adjudication import RESULT_COLUMNS, result_frame
from jobcoach_model.law.rulebook import Rulebook, get_rulebook
from jobcoach_model.records.lines import Lines, prepare
from jobcoach_model.rules import LineContext, units

_ROUNDING = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN}


def _row(table: dict, i: int) -> dict:
    return {k: _plain(v[i]) for k, v in table.items() if not k.startswith("_")}


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds."""
    return value.item() if isinstance(value, np.generic) else value


def _contexts(lines: Lines, book: Rulebook, rows=None, explain: bool = False) -> list[LineContext]:
    source = lines.sources["services"]
    contexts = []
    for i in range(lines.n) if rows is None else rows:
        ctx = LineContext(
            int(i),
            _row(lines.services, i),
            _row(lines.cases, int(lines.case_idx[i])),
            _row(lines.coaches, int(lines.coach_idx[i])),
            book,
            source,
        )
        if explain:
            ctx.consulted, ctx.outcomes = [], []
        contexts.append(ctx)
    return contexts


def _state(ctx: LineContext) -> tuple[int, int, int, int]:
    return len(ctx.denied), len(ctx.held), len(ctx.noted), len(ctx.rates)


def _outcome(ctx: LineContext, before: tuple[int, int, int, int]) -> str:
    """What one rule did to a line: denied, held, rate, noted or passed."""
    denied, held, noted, rates = (now > was for now, was in zip(_state(ctx), before, strict=True))
    if denied:
        return "denied"
    if held:
        return "held"
    if rates:
        return "rate"
    return "noted" if noted else "passed"


def _apply(rule, contexts: list[LineContext], argument) -> None:
    """Run a rule's twin, recording what it did to each line when explaining."""
    for ctx in contexts:
        ctx.rule_id = rule.id
    explaining = bool(contexts) and contexts[0].outcomes is not None
    before = [_state(ctx) for ctx in contexts] if explaining else ()
    rule.line(argument)
    for ctx, was in zip(contexts, before, strict=False):
        ctx.outcomes.append((rule.id, _outcome(ctx, was)))


def _judge_each(contexts: list[LineContext], code: str, outcome_only: bool = False) -> None:
    for ctx in contexts:
        for rule in units(code, "judge"):
            if outcome_only and not rule.outcome:
                continue
            _apply(rule, [ctx], ctx)


def amount(units_: int, rate: float, divisor: int, rounding: str) -> float:
    """One line's amount: hours (in HOUR_UNITS) x rate (to the ten-thousandth of a
    dollar) / divisor, rounded to the cent."""
    rate_e4 = Decimal(round(rate * 10_000))
    value = Decimal(units_) / HOUR_UNITS * rate_e4 / 10_000 / divisor
    return float(value.quantize(Decimal("0.01"), rounding=_ROUNDING[rounding]))


def judge_lines(
    lines: Lines, book: Rulebook, rows=None, explain: bool = False
) -> list[LineContext]:
    """Every rule's line twin on the lines (``rows``: positions, all by default; give all
    the lines of a consumer, since an hours cap walks a case's or a consumer's lines
    together). With ``explain`` each
    context keeps what every rule read and did (``consulted``, ``outcomes``)."""
    code = book.code
    contexts = _contexts(lines, book, rows, explain)
    _judge_each(contexts, code)

    # a cap is used up in date order (then service_id), case by case (or consumer by
    # consumer, for a cap per consumer)
    def when(ctx: LineContext) -> tuple:
        return ctx.line["date"], ctx.line["service_id"]

    ordered = sorted(contexts, key=when)
    for cap in units(code, "hours"):  # none: every hour claimed on a paid line is paid
        group = lines.group_idx(cap.per)
        by_group: dict[int, list[LineContext]] = {}
        for ctx in ordered:
            by_group.setdefault(int(group[ctx.row]), []).append(ctx)
        for group_lines in by_group.values():
            _apply(cap, group_lines, group_lines)
    if not units(code, "hours"):
        for ctx in contexts:
            ctx.units = 0 if ctx.denied else hour_units(ctx.line["hours"])

    for rule in units(code, "group"):
        for ctx in contexts:
            _apply(rule, [ctx], ctx)
    return contexts


def line_result(ctx: LineContext, order: list[str]) -> dict:
    """One line's result row, as the engine writes it."""
    fired = set(ctx.denied) if ctx.denied else set(ctx.held) | set(ctx.noted)
    paid_units = 0 if ctx.denied else ctx.units
    return {
        "service_id": ctx.line["service_id"],
        "status": "denied" if ctx.denied else ("held" if ctx.held else "paid"),
        "payable_hours": paid_units / HOUR_UNITS,
        "rate": ctx.rate,
        "amount": amount(paid_units, ctx.rate, ctx.divisor, ctx.book.choice("rounding")),
        "payee": ctx.payee,
        "rule_ids": ";".join(r for r in order if r in fired),
    }


def settle_reference(lines: Lines, book: Rulebook) -> pd.DataFrame:
    """Apply one rulebook line by line; the same result as ``adjudication.settle``."""
    order = [r.id for r in book.rules]
    rows = [line_result(ctx, order) for ctx in judge_lines(lines, book)]
    return result_frame({name: [row[name] for row in rows] for name in RESULT_COLUMNS})


def judge_cases_reference(lines: Lines, book: Rulebook) -> tuple[np.ndarray, np.ndarray]:
    """Outcome eligibility line by line: the ``outcome`` units' twins on one line per
    case; the same result as ``adjudication.judge_cases``."""
    contexts = _contexts(lines, book)
    _judge_each(contexts, book.code, outcome_only=True)
    order = [r.id for r in book.rules]
    first = [min(ctx.denied, key=order.index) if ctx.denied else "" for ctx in contexts]
    return np.array([not ctx.denied for ctx in contexts]), np.array(first, dtype=object)


def adjudicate_reference(
    cases: pd.DataFrame,
    coaches: pd.DataFrame,
    services: pd.DataFrame,
    rules: str | Rulebook | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Adjudicate with the reference engine (slow; for tests and the benchmark)."""
    book = get_rulebook(rules, overrides)
    return settle_reference(prepare(cases, coaches, services, book), book)
