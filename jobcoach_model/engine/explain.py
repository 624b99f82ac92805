"""Why a line was paid, held or denied, down to the clause: an explanation generated from
the same rule units the engines run.

For one service line (or every line of a case or a provider) the line-by-line twins are
run with a trail: each rule, in the order it ran, says what it did (denied, held, set
the rate, noted, passed) and which parameter values (with the date each is in force
from) and interpretation options it read, beside its quoted clause. The decision shown
is the vectorized engine's own row, and a test holds the trail's decision equal to it.
``statement_html`` turns the lines of a provider or case into a page a provider can be
sent: totals paid, held and denied by rule, each rule's clause and, where the state's
sources give one, the appeal route.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from jobcoach_model.base.errors import InputError
from jobcoach_model.base.money import hour_units, usd
from jobcoach_model.engine.adjudication import settle
from jobcoach_model.engine.reference import amount, judge_lines, line_result
from jobcoach_model.law.jurisdictions import get as get_jurisdiction
from jobcoach_model.law.rulebook import Rulebook, get_rulebook
from jobcoach_model.records.lines import Lines, prepare
from jobcoach_model.rules import LineContext

VERBS = {
    "denied": "denied the line",
    "held": "held the line",
    "rate": "set the rate",
    "passed": "passed",
}
#: what a rule that neither denies nor holds did, by its effect in rules.yaml
NOTED = {
    "rate": "priced the line",
    "cap": "capped the line",
    "prorate": "prorated the line over the group",
    "payee": "named the payee",
    "allow": "allowed the line",
}


@dataclass
class Step:
    """One rule consulted for one line."""

    rule_id: str
    effect: str
    outcome: str  # denied | held | rate | noted | passed
    detail: str  # e.g. the rate it set
    reads: list[tuple[str, Any, str]]  # (name, value, in force since | default | override)
    statement: str
    source: str
    quote: str


@dataclass
class LineExplanation:
    """The decision on one line and every rule consulted, in order."""

    service_id: str
    case_id: str
    coach_id: str
    provider_id: str
    date: str
    hours: float
    claimed: float  # USD the line asked for: its hours at its rate, prorated
    decision: dict  # the engine's result row
    steps: list[Step]


def _steps(ctx: LineContext, book: Rulebook) -> list[Step]:
    rates = dict(ctx.rates)
    before = {rid: (ctx.rates[i - 1][1] if i else None) for i, (rid, _) in enumerate(ctx.rates)}
    steps = []
    for rule_id, outcome in ctx.outcomes:
        if outcome == "rate" and before.get(rule_id) == rates.get(rule_id):
            outcome = "passed"  # the rate stays what the rule before it set
        rule = book.rule(rule_id)
        detail = ""
        if outcome == "rate" and rule_id in rates:
            detail = f"${rates[rule_id]:,.2f}/h"
        elif outcome == "noted" and rule.effect == "prorate":
            detail = f"of {ctx.divisor}"
        elif outcome == "noted" and rule.effect == "payee":
            detail = ctx.payee
        reads = [(n, v, since) for r, n, v, since in ctx.consulted if r == rule_id]
        steps.append(
            Step(
                rule_id,
                rule.effect,
                outcome,
                detail,
                reads,
                rule.statement,
                rule.reference.source,
                rule.reference.quote,
            )
        )
    return steps


def _selected(lines: Lines, line: str | None, case: str | None, provider: str | None):
    """Positions of the lines asked for, or an InputError naming what was not found."""
    source = lines.sources["services"]
    if line is not None:
        found = np.flatnonzero(lines.line("service_id") == line)
        if not len(found):
            raise InputError(
                source, "a service_id present in the file", column="service_id", got=line
            )
        return found
    if case is not None:
        found = np.flatnonzero(lines.cases["case_id"][lines.case_idx] == case)
        if not len(found):
            raise InputError(source, "a case_id with service lines", column="case_id", got=case)
        return found
    found = np.flatnonzero(lines.coach("provider_id") == provider)
    if not len(found):
        raise InputError(
            lines.sources["coaches"],
            "a provider_id with service lines",
            column="provider_id",
            got=provider,
        )
    return found


def explain_lines(
    cases: pd.DataFrame,
    coaches: pd.DataFrame,
    services: pd.DataFrame,
    rules: str | Rulebook | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    line: str | None = None,
    case: str | None = None,
    provider: str | None = None,
    sources: Mapping[str, str] | None = None,
) -> list[LineExplanation]:
    """Explain one line (``line``), or every line of a case or a provider, in input order."""
    if sum(x is not None for x in (line, case, provider)) != 1:
        raise ValueError("give exactly one of line, case or provider")
    book = get_rulebook(rules, overrides)
    lines = prepare(cases, coaches, services, book, sources)
    wanted = _selected(lines, line, case, provider)
    # an hours cap walks a case's (or a consumer's) lines together: judge every line of
    # the consumers involved
    involved = np.isin(lines.consumer_idx, np.unique(lines.consumer_idx[wanted]))
    rows = np.flatnonzero(involved)
    contexts = {ctx.row: ctx for ctx in judge_lines(lines, book, rows, explain=True)}
    engine = settle(lines, book)
    order = [r.id for r in book.rules]
    out = []
    for i in wanted:
        ctx = contexts[int(i)]
        decision = engine.iloc[int(i)].to_dict()
        decision["status"] = str(decision["status"])
        decision["payee"] = str(decision["payee"])
        decision["rule_ids"] = str(decision["rule_ids"])
        twin = line_result(ctx, order)
        if twin != decision:  # the two engines are held equal by the differential tests
            raise AssertionError(f"explanation disagrees with the engine on {twin['service_id']}")
        out.append(
            LineExplanation(
                service_id=str(ctx.line["service_id"]),
                case_id=str(ctx.case["case_id"]),
                coach_id=str(ctx.coach["coach_id"]),
                provider_id=str(ctx.coach["provider_id"]),
                date=ctx.when.isoformat(),
                hours=float(ctx.line["hours"]),
                claimed=amount(
                    hour_units(ctx.line["hours"]),
                    ctx.rate,
                    ctx.divisor,
                    book.choice("rounding"),
                ),
                decision=decision,
                steps=_steps(ctx, book),
            )
        )
    return out


def _value(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return str(value)


def _reads(step: Step) -> str:
    parts = []
    for name, value, since in step.reads:
        when = {"default": "the default reading", "override": "set with --set"}.get(
            since, f"in force from {since}"
        )
        parts.append(f"`{name}` = {_value(value)} ({when})")
    return "; ".join(parts)


def markdown(explanations: list[LineExplanation], book: Rulebook) -> str:
    """The explanations as Markdown: the decision, then each rule in order."""
    out = []
    for e in explanations:
        d = e.decision
        out.append(f"# Line {e.service_id} under {book.name} rules: {d['status']}")
        out.append("")
        out.append(
            f"Case {e.case_id}, coach {e.coach_id}, {e.date}, {e.hours:g} h claimed. "
            f"Amount **{usd(d['amount'], cents=True)}** ({d['payable_hours']:g} h payable at "
            f"${d['rate']:,.2f}/h), payee {d['payee']}. Rules on the result: "
            f"{d['rule_ids'] or 'none'}."
        )
        out.append("")
        out.append("Rules consulted, in the order the engine applies them:")
        out.append("")
        for n, s in enumerate(e.steps, 1):
            verb = (
                NOTED.get(s.effect, "noted the line") if s.outcome == "noted" else VERBS[s.outcome]
            )
            verb += f" ({s.detail})" if s.outcome == "noted" and s.detail else ""
            verb += f" to {s.detail}" if s.outcome == "rate" and s.detail else ""
            out.append(f"{n}. **{s.rule_id}** {verb}. {s.statement}")
            if s.reads:
                out.append(f"   Read: {_reads(s)}.")
            out.append(f'   Source: {s.source}: "{s.quote}"')
        out.append("")
    return "\n".join(out)


def _appeal(book: Rulebook, when) -> str:
    route = get_jurisdiction(book.code).appeal_route(book, when)
    if route is None:
        return ""
    chain, rule_id = route
    rule = book.rule(rule_id)
    steps = " then ".join(html.escape(x) for x in chain)
    return (
        "<h2>If you disagree</h2>"
        f"<p>You may appeal to the {steps} ({html.escape(rule.reference.source)}: "
        f"&ldquo;{html.escape(rule.reference.quote)}&rdquo;).</p>"
    )


def statement_html(explanations: list[LineExplanation], book: Rulebook, title: str) -> str:
    """A statement for one provider or case: totals paid, held and denied by rule, each
    rule's clause, every line with the rule that decided it, and the appeal route."""
    rows = []
    for e in explanations:
        d = e.decision
        deciding = [s.rule_id for s in e.steps if s.outcome in ("denied", "held")]
        money = e.claimed if d["status"] == "denied" else d["amount"]
        rows.append(
            (e.service_id, e.date, e.case_id, e.hours, d["status"], money, ";".join(deciding))
        )
    cited = sorted({s.rule_id for e in explanations for s in e.steps if s.outcome != "passed"})
    return statement_page(rows, cited, book, title)


def statement_page(
    rows: list[tuple[str, str, str, float, str, float, str]],
    cited: list[str],
    book: Rulebook,
    title: str,
) -> str:
    """The statement's page from its lines: (service id, date, case id, hours, status,
    amount, the rules that denied or held it) and the ids of the rules applied. Used for
    one line's explanation and for a whole export's statements alike."""
    esc = html.escape
    by_rule: dict[tuple[str, str], list] = {}
    body = []
    for service_id, date, case_id, hours, status, money, deciding in rows:
        total = by_rule.setdefault((status, deciding), [0, 0])
        total[0] += int(round(money * 100))
        total[1] += 1
        body.append(
            f"<tr><td>{esc(service_id)}</td><td>{esc(date)}</td><td>{esc(case_id)}</td>"
            f"<td>{hours:g}</td><td>{esc(status)}</td>"
            f"<td>{usd(money, cents=True)}</td><td>{esc(deciding)}</td></tr>"
        )
    totals = "".join(
        f"<tr><td>{esc(status)}</td><td>{esc(rule or '-')}</td><td>{count}</td>"
        f"<td>{usd(cents / 100, cents=True)}</td></tr>"
        for (status, rule), (cents, count) in sorted(by_rule.items())
    )
    clauses = "".join(
        f"<li><b>{esc(r.id)}</b>: {esc(r.statement)} <i>{esc(r.reference.source)}: "
        f"&ldquo;{esc(r.reference.quote)}&rdquo;</i></li>"
        for r in (book.rule(rule_id) for rule_id in cited)
    )
    when = rows[0][1] if rows else None
    appeal = _appeal(book, pd.Timestamp(when).date()) if when else ""
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{esc(title)}</title><style>body{{font-family:sans-serif;max-width:60em;"
        "margin:2em auto}td,th{text-align:left;padding:2px 8px;vertical-align:top}</style>"
        f"</head><body><h1>{esc(title)}</h1>"
        f"<p>Adjudicated under the {esc(book.name)} rules ({esc(book.document)}).</p>"
        "<p><strong>For this provider only, not for publication:</strong> it names single "
        "lines and consumers' cases; the records brief shows aggregates only.</p>"
        "<h2>Totals by status and rule</h2><table><thead><tr><th>Status</th><th>Rule</th>"
        f"<th>Lines</th><th>Amount (USD)</th></tr></thead><tbody>{totals}</tbody></table>"
        "<p>Amounts: paid lines, what is paid; held lines, what will be paid once the rule "
        "that holds them is satisfied; denied lines, what was claimed and is not paid.</p>"
        "<h2>Lines</h2><table><thead><tr><th>Line</th><th>Date</th><th>Case</th><th>Hours</th>"
        "<th>Status</th><th>Amount</th><th>Decided by</th></tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
        f"<h2>The rules applied</h2><ul>{clauses}</ul>{appeal}</body></html>"
    )
