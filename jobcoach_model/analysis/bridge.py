"""Why two schemes' totals differ: a bridge from one total to the other in steps named by
the rule (or parameter, or interpretation) that causes each, adding up to the cent.

Both schemes are priced on the same simulated lines. For two per-line schemes (hourly or
unit rate) each line moves from the first scheme's terms to the second's one factor at a
time, in a fixed, documented order, and each move is valued in whole cents:

1. **rate**: the first scheme's rate is unwound through the rules that set it (e.g.
   Iowa's cap, then its Medicaid ceiling), the base rate is swapped (``KS-RATE`` ->
   ``IA-RATE``), and the second scheme's rate rules are applied in order;
2. **refusal**: lines one scheme denies or holds and the other pays. A line refused by
   several rules at once is attributed **equally** to each of them (the Shapley value of
   a veto game: any one of the rules alone stops payment, so none is more the cause than
   another); the cents that do not divide evenly go to the rules first in catalog order;
3. **hours**: payable hours (authorized-hours caps, 15-minute units), named by the rule
   of the scheme that cuts more;
4. **group**: group-session proration, named likewise;
5. **rounding**: what rounding each line to the cent leaves over (usually nothing).

Because every step is the difference of two whole-cent states of the same line, the
steps add up exactly to the difference of the totals in every replication. Outcome
(D-code) schemes are paid per milestone, not per line: a bridge to or from one removes
the hourly money as one step and adds each milestone's money, less each eligibility
rule's refusals, as steps of their own.

With the scenario's providers' responses on (``caseloads/responses.py``), each scheme has
its own caseload. Two schemes of the same kind of pay share theirs, and the bridge runs
on it. Between an outcome scheme and an hourly one, the rule steps run on the first
scheme's caseload, and one last step, ``response``, is what the second scheme pays on its
own caseload less what it pays on the first's: the money the responses move.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from jobcoach_model.base.errors import BridgeError
from jobcoach_model.base.money import hours_units, line_cents
from jobcoach_model.caseloads.pricing import LineTerms, line_terms, price
from jobcoach_model.caseloads.runner import Kept, caseload_chunks
from jobcoach_model.caseloads.scenario import Scenario, Scheme
from jobcoach_model.caseloads.simulate import SimulatedCaseload
from jobcoach_model.engine.adjudication import PAID
from jobcoach_model.law.jurisdictions import get as get_jurisdiction
from jobcoach_model.law.rulebook import get_rulebook

#: step kinds in the order the bridge applies them
STEP_ORDER = (
    "rate",
    "refusal",
    "hours",
    "group",
    "rounding",
    "basis",
    "milestone",
    "response",
)
ROUNDING = "(rounding)"
#: the response step's name in place of a rule id, and what it says
RESPONSES = "(providers' responses)"
RESPONSES_STATEMENT = (
    "What the second scheme pays on its own caseload, with providers responding to how it "
    "pays (fewer hard cases accepted, more jobs kept, coaching fading at its own pace), "
    "less what it pays on the first scheme's caseload"
)


def _cents(amount: np.ndarray) -> np.ndarray:
    return np.rint(np.asarray(amount, dtype=np.float64) * 100).astype(np.int64)


def _value(hours: np.ndarray, rate: np.ndarray, divisor: np.ndarray, rounding: str) -> np.ndarray:
    """Cents of a line at these terms, rounded as the engine rounds."""
    return line_cents(hours_units(hours), rate, divisor, rounding)


@dataclass
class Steps:
    """Cents per replication for each (kind, rule id) step, gathered chunk by chunk."""

    replications: int
    cents: dict = field(default_factory=dict)

    def add(self, kind: str, rule_id: str, rep: np.ndarray, cents: np.ndarray) -> None:
        """Add each item's cents to its replication under one step."""
        cents = np.asarray(cents, dtype=np.int64)
        sel = cents != 0
        if not sel.any():
            return
        key = (kind, rule_id)
        if key not in self.cents:
            self.cents[key] = np.zeros(self.replications, dtype=np.int64)
        # float weights are exact for sums of cents below 2**53 (90 trillion dollars)
        self.cents[key] += np.rint(
            np.bincount(rep[sel], weights=cents[sel], minlength=self.replications)
        ).astype(np.int64)

    def add_by_rules(
        self, kind: str, names: dict[int, list[str]], code: np.ndarray, rep, cents
    ) -> None:
        """Split each item's cents equally over the rules of its rule code (remainder
        cents to the first rules in catalog order)."""
        cents = np.asarray(cents, dtype=np.int64)
        for value, rules in names.items():
            sel = (code == value) & (cents != 0)
            if not sel.any():
                continue
            k = len(rules)
            sign, size = np.sign(cents[sel]), np.abs(cents[sel])
            share, left = size // k, size % k
            for i, rule_id in enumerate(rules):
                self.add(kind, rule_id, rep[sel], sign * (share + (i < left)))


def _rule_names(terms: LineTerms, codes: np.ndarray) -> dict[int, list[str]]:
    v = terms.judgement.verdicts
    return {int(c): [r for r in v.order if int(c) & int(v.bit[r])] for c in np.unique(codes)}


def _lines_to_lines(steps: Steps, rep: np.ndarray, a: LineTerms, b: LineTerms) -> None:
    """Move every line from scheme a's terms to scheme b's (see the module docstring)."""
    ja, jb = a.judgement, b.judgement
    rounding = ja.rounding  # b's own rounding, if it differs, is the last step
    paid_a, paid_b = ja.status == PAID, jb.status == PAID
    start = np.where(paid_a, _cents(a.amount), 0)
    end = np.where(paid_b, _cents(b.amount), 0)

    # 1. rate, valued at a's status, hours and divisor
    def at_rate(rate: np.ndarray) -> np.ndarray:
        return np.where(paid_a, _value(a.hours, rate, ja.divisor, rounding), 0)

    state = start
    ladder = [(rule_id, rate) for rule_id, rate in a.rate_steps]
    for i in range(len(ladder) - 1, 0, -1):  # unwind a's rate rules, last first
        nxt = at_rate(ladder[i - 1][1])
        steps.add("rate", ladder[i][0], rep, nxt - state)
        state = nxt
    for rule_id, rate in b.rate_steps:  # b's base rate, then its rate rules in order
        nxt = at_rate(rate)
        steps.add("rate", rule_id, rep, nxt - state)
        state = nxt

    # 2. refusals, valued at b's rate and a's hours and divisor
    full = _value(a.hours, b.rate, ja.divisor, rounding)
    lost = paid_a & ~paid_b  # b refuses what a pays: b's rules take it away
    won = ~paid_a & paid_b  # a refused what b pays: a's rules no longer apply
    code_b = jb.verdicts.reason_codes()
    code_a = ja.verdicts.reason_codes()
    steps.add_by_rules(
        "refusal", _rule_names(b, code_b[lost]), code_b[lost], rep[lost], -state[lost]
    )
    steps.add_by_rules("refusal", _rule_names(a, code_a[won]), code_a[won], rep[won], full[won])
    state = np.where(paid_b, np.where(paid_a, state, full), 0)

    # 3. hours, valued at b's status and rate, a's divisor
    nxt = np.where(paid_b, _value(b.hours, b.rate, ja.divisor, rounding), 0)
    cut = b.hours < a.hours
    steps.add("hours", b.hours_rule or a.hours_rule, rep[cut], (nxt - state)[cut])
    steps.add("hours", a.hours_rule or b.hours_rule, rep[~cut], (nxt - state)[~cut])
    state = nxt

    # 4. group proration
    nxt = np.where(paid_b, _value(b.hours, b.rate, jb.divisor, rounding), 0)
    more = jb.divisor > ja.divisor
    steps.add("group", b.group_rule or a.group_rule, rep[more], (nxt - state)[more])
    steps.add("group", a.group_rule or b.group_rule, rep[~more], (nxt - state)[~more])

    # 5. what rounding leaves over, so that the steps end exactly at b's money
    steps.add("rounding", ROUNDING, rep, end - nxt)


def lines_bridge(a: LineTerms, b: LineTerms, group: np.ndarray, groups: int) -> Steps:
    """The bridge between two per-line schemes' terms on the same lines (an agency's own
    records), summed per group (e.g. each line's provider): the steps of every group add
    up to that group's change, and the groups' to the whole change, to the cent."""
    steps = Steps(groups)
    _lines_to_lines(steps, np.asarray(group, dtype=np.int64), a, b)
    return steps


def rule_statement(rule_id: str, books) -> str:
    """The statement of a rule id in the first of ``books`` that has it ("" if none)."""
    if rule_id == ROUNDING:
        return "rounding each line to the cent"
    for book in books:
        try:
            return book.rule(rule_id).statement
        except KeyError:
            continue
    return ""


def _parts(
    steps: Steps, caseload: SimulatedCaseload, scenario: Scenario, scheme: Scheme, lines, sign
):
    """Add (sign +1) or remove (-1) a scheme's whole money as steps: hourly money as one
    step, outcome money as each milestone's amount less each eligibility rule's refusals."""
    money = price(caseload, scheme, scenario.outcomes.assessment_report_days, lines)
    local = money.rep
    if get_jurisdiction(scheme.rules).per_line(scheme.kind):
        paid = money.status == PAID
        rule_id = get_jurisdiction(scheme.rules).basis_rule(scheme.kind, get_rulebook(scheme.rules))
        steps.add("basis", rule_id, local[paid], sign * _cents(money.amount[paid]))
        return
    cents = _cents(money.amount)
    for code in np.unique(money.item):
        sel = money.item == code
        steps.add("milestone", str(code), local[sel], sign * cents[sel])
    refused = money.status != PAID
    for rule_id in np.unique(money.reason[refused]):
        sel = refused & (money.reason == rule_id)
        steps.add("refusal", str(rule_id), local[sel], -sign * cents[sel])


def _per_line(scheme: Scheme) -> bool:
    return get_jurisdiction(scheme.rules).per_line(scheme.kind)


def _scheme(scenario: Scenario, name: str) -> Scheme:
    for scheme in scenario.schemes:
        if scheme.name == name:
            return scheme
    known = ", ".join(s.name for s in scenario.schemes)
    raise BridgeError(f"scheme {name!r} is not in scenario {scenario.name!r}; known: {known}")


def _statement(key: tuple[str, str], schemes: tuple[Scheme, Scheme]) -> str:
    kind, rule_id = key
    if kind == "milestone":
        names = sorted({get_rulebook(s.rules).name for s in schemes if not _per_line(s)})
        return (
            f"{' or '.join(names)} outcome payment {rule_id} for each case reaching the milestone"
        )
    return rule_statement(rule_id, [get_rulebook(s.rules) for s in schemes]) + _dated(
        rule_id, schemes
    )


def _dated(rule_id: str, schemes: tuple[Scheme, Scheme]) -> str:
    """The dated values a scheme's overrides give a parameter of the rule (a reform), so a
    step says which value its lines used: e.g. `` [hourly_rate: 40 until 2027-06-30,
    45.16 from 2027-07-01 in Kansas at 45.16]``."""
    out = []
    for scheme in schemes:
        book = get_rulebook(scheme.rules, scheme.overrides)
        try:
            rule = book.rule(rule_id)
        except KeyError:
            continue
        for name in rule.parameters:
            history = book.parameters[name].cited_history()
            if not any(ref.source == "scenario" for _, _, ref in history):
                continue
            parts = []
            for i, (day, value, _) in enumerate(history):
                until = history[i + 1][0] if i + 1 < len(history) else None
                span = f"from {day.isoformat()}"
                if until is not None:
                    span += f" to {(until - dt.timedelta(days=1)).isoformat()}"
                parts.append(f"{value:g} {span}" if value is not None else f"none {span}")
            out.append(f" [{name} in {scheme.name}: {', '.join(parts)}]")
    return "".join(out)


def _paid_cents(scenario: Scenario, scheme: Scheme, chunks) -> tuple[np.ndarray, np.ndarray]:
    """A scheme's whole cents paid per replication and per replication and provider
    (replications x providers) on the scenario's caseload (``chunks``), summed as
    ``bridge`` sums."""
    R, P = scenario.simulation.replications, scenario.caseload.coaches.providers
    total, by_provider = np.zeros(R, dtype=np.int64), np.zeros(R * P)
    for cl in chunks:
        money = price(cl, scheme, scenario.outcomes.assessment_report_days, cl.lines())
        paid = money.status == PAID
        cents = _cents(money.amount[paid])
        total += np.rint(np.bincount(money.rep[paid], weights=cents, minlength=R)).astype(np.int64)
        provider = np.asarray(cl.outcomes["provider"], dtype=np.int64)
        where = money.rep[paid] * P + provider[money.case[paid]]
        by_provider += np.bincount(where, weights=cents, minlength=R * P)
    return total, np.rint(by_provider).astype(np.int64).reshape(R, P)


def _responded_bridge(scenario: Scenario, a: Scheme, b: Scheme, simulated: Kept | None) -> Bridge:
    """The bridge with the responses on: on ``a``'s own caseload (``b``'s too when both
    are paid alike), then, when ``b``'s caseload is another, the response step; each
    caseload the one ``simulated`` keeps for its kind of pay, when given."""
    from jobcoach_model.caseloads.responses import paid_on_outcomes, responded

    own = responded(scenario, a).model_copy(update={"schemes": (a, b)})
    kept = None if simulated is None else list(caseload_chunks(scenario, own, (a,), simulated))
    inner = bridge(own, a.name, b.name, simulated=kept)
    inner = replace(inner, scenario=scenario)
    if paid_on_outcomes(a) == paid_on_outcomes(b):
        return inner
    theirs = responded(scenario, b)
    to_total, provider_to = _paid_cents(
        theirs, b, caseload_chunks(scenario, theirs, (b,), simulated)
    )
    cents = to_total - inner.to_total
    usd = cents / 100
    p05, p95 = np.percentile(usd, [5, 95])
    step = {
        "step": "response",
        "rule_id": RESPONSES,
        "statement": RESPONSES_STATEMENT,
        "mean": round(float(usd.mean()), 2),
        "p05": round(float(p05), 2),
        "p95": round(float(p95), 2),
    }
    per_rep = inner.per_replication.copy()
    per_rep[f"response: {RESPONSES}"] = cents
    return replace(
        inner,
        to_total=to_total,
        per_replication=per_rep,
        steps=pd.concat([inner.steps, pd.DataFrame([step])], ignore_index=True),
        provider_to=provider_to,
    )


@dataclass
class Bridge:
    """The steps from one scheme's total to another's, per replication and summarized."""

    scenario: Scenario
    source: str
    target: str
    from_total: np.ndarray  # cents per replication
    to_total: np.ndarray
    per_replication: pd.DataFrame  # one column per step, cents, replications as rows
    steps: pd.DataFrame  # step, rule_id, statement, mean, p05, p95 (USD)
    #: each provider's paid cents under each scheme and its consumers (replications x
    #: providers): the providers' changes add up to the total's change in every replication
    provider_from: np.ndarray | None = None
    provider_to: np.ndarray | None = None
    provider_consumers: np.ndarray | None = None
    #: per-line pairs: (consumers, hours) per replication paid under one scheme and unpaid
    #: under the other, first "source only", then "target only"
    unpaid_hours: dict[str, np.ndarray] | None = None

    def table(self) -> pd.DataFrame:
        """The steps between a start row and an end row (the two totals), for a waterfall
        or a CSV."""

        def row(step: str, cents: np.ndarray) -> dict:
            usd = cents / 100
            p05, p95 = np.percentile(usd, [5, 95])
            return {
                "step": step,
                "rule_id": "",
                "statement": "",
                "mean": round(float(usd.mean()), 2),
                "p05": round(float(p05), 2),
                "p95": round(float(p95), 2),
            }

        first = row(f"total: {self.source}", self.from_total)
        last = row(f"total: {self.target}", self.to_total)
        return pd.DataFrame([first, *self.steps.to_dict("records"), last])


def bridge(
    scenario: Scenario,
    source: str,
    target: str,
    simulated: Kept | None = None,
) -> Bridge:
    """The bridge from scheme ``source``'s total paid to scheme ``target``'s, on the same
    simulated lines, over all replications of the scenario (with its responses on: on
    the source's own caseload, then the response step; module docstring). ``simulated``:
    the caseloads a run kept (``runner.Kept``), priced here without simulating again."""
    a, b = _scheme(scenario, source), _scheme(scenario, target)
    if scenario.responses is not None:
        return _responded_bridge(scenario, a, b, simulated)
    R = scenario.simulation.replications
    steps = Steps(R)
    totals = {"a": np.zeros(R, dtype=np.int64), "b": np.zeros(R, dtype=np.int64)}
    chunks = caseload_chunks(scenario, scenario, scenario.schemes, simulated)
    days = scenario.outcomes.assessment_report_days
    P = scenario.caseload.coaches.providers
    by_provider = {"a": np.zeros(R * P), "b": np.zeros(R * P)}
    consumers = np.zeros(R * P)
    per_line = _per_line(a) and _per_line(b)
    unpaid = {k: np.zeros((2, R)) for k in ("a_only", "b_only")}
    for cl in chunks:
        lines = cl.lines()
        rep = cl.line_reps()
        provider = np.asarray(cl.outcomes["provider"], dtype=np.int64)
        consumers += np.bincount(cl.reps * P + provider, minlength=R * P)
        for key, scheme in (("a", a), ("b", b)):
            money = price(cl, scheme, days, lines)
            paid = money.status == PAID
            cents = _cents(money.amount[paid])
            totals[key] += np.rint(np.bincount(money.rep[paid], weights=cents, minlength=R)).astype(
                np.int64
            )
            where = money.rep[paid] * P + provider[money.case[paid]]
            by_provider[key] += np.bincount(where, weights=cents, minlength=R * P)
        if per_line:
            ta, tb = line_terms(cl, a, lines), line_terms(cl, b, lines)
            _lines_to_lines(steps, rep, ta, tb)
            pa, pb = ta.judgement.status == PAID, tb.judgement.status == PAID
            for key, only, hours in (
                ("a_only", pa & ~pb, ta.hours),
                ("b_only", pb & ~pa, tb.hours),
            ):
                unpaid[key][1] += np.bincount(rep[only], weights=hours[only], minlength=R)
                cases = np.unique(lines.case_idx[only])  # a chunk's case rows are unique
                unpaid[key][0] += np.bincount(cl.reps[cases], minlength=R)
        else:
            _parts(steps, cl, scenario, a, lines, -1)
            _parts(steps, cl, scenario, b, lines, +1)

    keys = sorted(
        steps.cents,
        key=lambda k: (STEP_ORDER.index(k[0]), -abs(int(steps.cents[k].sum())), k[1]),
    )
    keys = [k for k in keys if steps.cents[k].any()]
    per_rep = pd.DataFrame({f"{k[0]}: {k[1]}": steps.cents[k] for k in keys}, dtype=np.int64)
    rows = []
    for k in keys:
        usd = steps.cents[k] / 100
        p05, p95 = np.percentile(usd, [5, 95])
        rows.append(
            {
                "step": k[0],
                "rule_id": k[1],
                "statement": _statement(k, (a, b)),
                "mean": round(float(usd.mean()), 2),
                "p05": round(float(p05), 2),
                "p95": round(float(p95), 2),
            }
        )
    table = pd.DataFrame(rows, columns=["step", "rule_id", "statement", "mean", "p05", "p95"])
    return Bridge(
        scenario,
        source,
        target,
        totals["a"],
        totals["b"],
        per_rep,
        table,
        np.rint(by_provider["a"]).astype(np.int64).reshape(R, P),
        np.rint(by_provider["b"]).astype(np.int64).reshape(R, P),
        consumers.astype(np.int64).reshape(R, P),
        unpaid if per_line else None,
    )
