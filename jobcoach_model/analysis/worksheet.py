"""A rate negotiation worksheet for one job coach: the coach's year of costs turned into
the cost-based hourly rate, then the rate to offer after the state's caps, and which cap
binds, every line beside the clause it rests on.

Why: Iowa's manual says hourly rates "should be negotiated, based on the costs incurred
by the job coach, but cannot exceed Medicaid Rates" (seed 002) and its staff guidance
lets IVRS "pay UP TO $45.16 an hour to an independent job coach" (seed 001); a counselor
needs the arithmetic between a coach's costs and those caps, with its sources, on one
page. The caps and the clauses come from the state's own folder (``rate_caps``,
``cost_clauses``); this module names no state.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from jobcoach_model.base.errors import CostsError
from jobcoach_model.base.strict_yaml import read_mapping
from jobcoach_model.caseloads.costs import SELF_EMPLOYMENT_TAX, CoachCosts, coach_lines
from jobcoach_model.law.jurisdictions import get as get_jurisdiction
from jobcoach_model.law.rulebook import Rulebook, load_rulebook

#: the sources of the lines no state clause covers (``published_figures.md``)
GENERAL = {
    "billable_share": "practitioner fee-for-service method, billable share 65% "
    '"reasonable to expect" (published_figures.md, Provider costs)',
    "mileage_rate": "IRS business mileage rate 0.54 USD/mile, 2016 (published_figures.md)",
    "self_employment_tax": f"assumption: {SELF_EMPLOYMENT_TAX:.2%} = 15.3% (26 U.S.C. 1401) of "
    "92.35% of net earnings (IRS Schedule SE); not in the sources",
}


@dataclass(frozen=True)
class Line:
    """One line of the worksheet: what, how much, and what it rests on."""

    key: str
    label: str
    amount: float
    basis: str


@dataclass(frozen=True)
class Cap:
    """A cap on the hourly rate: its rule, value and clause."""

    rule_id: str
    label: str
    value: float
    basis: str


@dataclass(frozen=True)
class Worksheet:
    """One coach's worksheet under one rulebook on one date."""

    coach: CoachCosts
    book: Rulebook
    when: dt.date
    lines: tuple[Line, ...]
    cost_rate: float  # USD per billable hour, to the cent
    caps: tuple[Cap, ...]
    offer: float  # the rate to offer: the cost-based rate, or the lowest cap below it
    binding: tuple[str, ...]  # the rule ids of the caps that bind (empty: none)
    rate_rule: str  # the rule whose clause makes the rate cost-based

    @property
    def yearly_cost(self) -> float:
        """The year's costs, every line added."""
        return round(sum(line.amount for line in self.lines), 2)

    @property
    def binds(self) -> str:
        """In words: which cap binds, or that none does."""
        if not self.binding:
            return "none: the cost-based rate is within every cap"
        labels = {c.rule_id: c.label for c in self.caps}
        return " and ".join(f"{labels[r]} ({r})" for r in self.binding)


def _cited(source: str, quote: str) -> str:
    return f'{source}: "{quote}"'


def _rule_basis(book: Rulebook, rule_id: str) -> tuple[str, str]:
    """A rule's label and clause, with its parameter's note where the value is an
    assumption (Iowa's Medicaid rate, which the seeds do not give)."""
    rule = next(r for r in book.rules if r.id == rule_id)
    basis = _cited(rule.reference.source, rule.reference.quote)
    for name in rule.parameters:
        note = book.parameters[name].note or ""
        if note.lower().startswith("assumption"):
            basis += f"; {note}"
    return rule.label, basis


def rate_worksheet(code: str, coach: CoachCosts, when: dt.date | None = None) -> Worksheet:
    """The worksheet for ``coach`` under the rulebook ``code`` on ``when`` (default:
    today). A state that negotiates no rate is refused with one line."""
    when = when or dt.date.today()
    book = load_rulebook(code)
    state = get_jurisdiction(code)
    caps = state.rate_caps(book, when, coach.independent, coach.medicaid_rate)
    if caps is None:
        raise CostsError(
            f"rate-worksheet --rules {code}: {book.name} pays a set rate and negotiates none; "
            "the worksheet is for a state whose rate is negotiated from the coach's costs"
        )
    clauses = state.cost_clauses()
    lines = []
    for key, label, amount in coach_lines(coach):
        parts = []
        if key in clauses:
            parts.append(_cited(*clauses[key]))
        if key in GENERAL and (key != "self_employment_tax" or coach.paid_on_w9):
            parts.append(GENERAL[key])
        if key == "travel" and coach.miles_per_year:
            parts.append(GENERAL["mileage_rate"])
        lines.append(Line(key, label, amount, "; ".join(parts) or "the coach's own figure"))
    rate_rule = next((r.id for r in book.rules if r.effect == "rate"), "")
    cost_rate = round(sum(line.amount for line in lines) / coach.billable_hours, 2)
    own = state.rate_caps(book, when, coach.independent, None)  # the rulebook's values
    shown = []
    for rule_id, value in caps:
        label, basis = _rule_basis(book, rule_id)
        if (rule_id, value) not in own:  # a value given for this coach replaced the book's
            basis = basis.split("; Assumption")[0] + "; the value given for this coach"
        shown.append(Cap(rule_id, label, round(float(value), 2), basis))
    lowest = min((c.value for c in shown), default=cost_rate)
    offer = min(cost_rate, lowest)
    binding = tuple(c.rule_id for c in shown if c.value == offer and c.value < cost_rate)
    return Worksheet(
        coach, book, when, tuple(lines), cost_rate, tuple(shown), offer, binding, rate_rule
    )


def load_coach(path: str | Path) -> CoachCosts:
    """A coach's costs file (YAML), or one line naming the file and the field at fault."""
    path = Path(path)
    if not path.is_file():
        raise CostsError(f"{path}: expected an existing coach costs file (YAML)")
    data = read_mapping(path, "a coach's costs (a mapping of fields)", CostsError)
    try:
        return CoachCosts.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        msg = "unknown field" if first["type"] == "extra_forbidden" else first["msg"]
        raise CostsError(f"{path}: {where}: {msg.removeprefix('Value error, ')}") from None
