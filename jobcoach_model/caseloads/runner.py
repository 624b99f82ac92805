"""Run a scenario: simulate replications in chunks, price every scheme, measure outcomes,
and hand the sums to ``results.summarize`` (mean and 5-95% interval over replications).

Chunks bound memory; each replication's numbers come from its own seed, so the summary
does not depend on the chunk size. Only aggregates leave this module's tables, apart from
replication 0's records, which ``jobcoach simulate`` writes for inspection.

With the scenario's ``responses:`` on, each scheme is priced on its own caseload
(``responses.response_groups``: the outcome schemes' and the others', each simulated from
the same seed), and each scheme's money per job kept 90 days divides by the jobs kept on
its own caseload; the caseload's own measures (and the benchmark) are the first scheme's
caseload's. With them off there is one caseload, and every number is what it always was.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from jobcoach_model.base.dates import month_index, to_day
from jobcoach_model.caseloads.fiscal import fiscal_sums
from jobcoach_model.caseloads.metrics import (
    benchmark_settings,
    case_values,
    within_window,
)
from jobcoach_model.caseloads.pricing import price
from jobcoach_model.caseloads.responses import paid_on_outcomes, response_groups
from jobcoach_model.caseloads.results import OWN_COUNTS, Accumulator, Results, summarize
from jobcoach_model.caseloads.scenario import Scenario
from jobcoach_model.caseloads.simulate import SimulatedCaseload, blocks, horizon_end, simulate_plan
from jobcoach_model.engine.adjudication import DENIED, HELD, PAID


def _by_rep(money, reps: slice, status: int) -> np.ndarray:
    """The amount of one status in each replication of ``reps``."""
    sel = money.status == status
    return np.bincount(
        money.rep[sel] - reps.start, weights=money.amount[sel], minlength=reps.stop - reps.start
    )


def _add_money(acc: Accumulator, name: str, money, reps: slice) -> None:
    R = reps.stop - reps.start
    local = money.rep - reps.start
    for status, metric in ((PAID, "total_paid"), (HELD, "held_amount"), (DENIED, "denied_amount")):
        acc.array(acc.money, (name, metric))[reps] += _by_rep(money, reps, status)
    held = money.status == HELD
    never = held & money.never if money.never is not None else np.zeros_like(held)
    for sel, metric in ((held & ~never, "pending_amount"), (never, "never_released_amount")):
        acc.array(acc.money, (name, metric))[reps] += np.bincount(
            local[sel], weights=money.amount[sel], minlength=R
        )
    acc.fiscal.add(name, money, reps)
    sel = (money.status == PAID) & (money.month >= 0) & (money.month < acc.months)
    flat = np.bincount(
        local[sel] * acc.months + money.month[sel],
        weights=money.amount[sel],
        minlength=R * acc.months,
    )
    if name not in acc.cash:
        acc.cash[name] = np.zeros((acc.replications, acc.months))
        acc.month_people[name] = np.zeros(acc.months)
    acc.cash[name][reps] += flat.reshape(R, acc.months)
    paid_cases = np.unique(money.case[sel] * acc.months + money.month[sel])
    acc.month_people[name] += np.bincount(paid_cases % acc.months, minlength=acc.months)
    off = money.status != PAID
    if off.any():
        frame = pd.DataFrame(
            {
                "status": money.status[off],
                "reason": money.reason[off],
                "amount": money.amount[off],
                "case": money.case[off],
            }
        )
        grouped = frame.groupby(["status", "reason"])
        for (status, reason), amount in grouped["amount"].sum().items():
            acc.reasons[(name, int(status), reason)] += float(amount)
        for (status, reason), people in grouped["case"].nunique().items():
            acc.reason_people[(name, int(status), reason)] += float(people)


def _quarter(days: np.ndarray, start: int, review_months: int) -> np.ndarray:
    return month_index(days, start) // int(review_months)


def _rep_sums(cl: SimulatedCaseload, values: np.ndarray) -> np.ndarray:
    """A per-consumer value (a flag or a count) summed over each replication of a chunk."""
    return np.bincount(
        cl.reps - cl.first_rep,
        weights=np.asarray(values, dtype=np.float64),
        minlength=cl.n_reps,
    )


def _add_caseload(acc: Accumulator, cl: SimulatedCaseload, scenario: Scenario, reps: slice) -> None:
    R = reps.stop - reps.start
    o = cl.outcomes
    local = cl.reps - reps.start
    bench = benchmark_settings(scenario)
    within = within_window(cl, bench)
    values = case_values(cl, bench, scenario.outcomes.assessment_report_days)
    counts = {name: _rep_sums(cl, flags) for name, flags in values.items()}
    for name, values in counts.items():
        acc.array(acc.counts, name)[reps] += values

    # the benchmark: persons served and objectives met per provider and review quarter
    quarter = _quarter(o["employment_start"], cl.start, bench["review_months"])
    P, Q = acc.providers, acc.quarters
    key = (local * P + o["provider"]) * Q + quarter
    acc.served[reps] += np.bincount(key, minlength=R * P * Q).reshape(R, P, Q)
    acc.met[reps] += (
        np.bincount(key, weights=within, minlength=R * P * Q).reshape(R, P, Q).astype(np.int64)
    )


def _accumulator(scenario: Scenario) -> Accumulator:
    months = math.ceil(scenario.caseload.weeks * 7 / 28) + 3
    start = to_day(scenario.caseload.start_date)
    last_hire = start + 7 * scenario.caseload.start_window_weeks
    bench = benchmark_settings(scenario)
    quarters = int(_quarter(np.array([last_hire]), start, bench["review_months"])[0]) + 1
    R, P = scenario.simulation.replications, scenario.caseload.coaches.providers
    return Accumulator(
        R,
        months,
        scenario.caseload.consumers,
        quarters,
        P,
        float(bench["share"]),
        fiscal=fiscal_sums(scenario, start, horizon_end(scenario)),
        served=np.zeros((R, P, quarters), dtype=np.int64),
        met=np.zeros((R, P, quarters), dtype=np.int64),
    )


def _add_own(
    acc: Accumulator, cl: SimulatedCaseload, group: Scenario, schemes, reps: slice
) -> None:
    """Jobs kept 90 days and jobs stabilized on a group of schemes' own caseload, per
    scheme (``results.OWN_COUNTS``)."""
    values = case_values(cl, benchmark_settings(group), group.outcomes.assessment_report_days)
    for name in OWN_COUNTS:
        counts = _rep_sums(cl, values[name])
        for scheme in schemes:
            acc.array(acc.own, (scheme.name, name))[reps] += counts


#: simulated caseloads kept to be priced again: one caseload's chunks (a scenario without
#: responses), or each caseload's by ``caseload_key``, filled as a scheme first needs one
Kept = list[SimulatedCaseload] | dict[object, list[SimulatedCaseload]]


def caseload_chunks(scenario: Scenario, group: Scenario, schemes, simulated: Kept | None):
    """The chunks a group of schemes is priced on (``responses.response_groups``): those
    ``simulated`` keeps (a dict gains the group's caseload the first time it is asked
    for), or simulated one at a time. A list is one caseload: only for a scenario without
    responses, whose schemes all share it."""
    if simulated is None:
        return simulate_plan(group)
    if isinstance(simulated, list):
        if scenario.responses is not None:
            raise ValueError("one caseload's chunks given; these responses need one per kind")
        return simulated
    key = caseload_key(scenario, schemes)
    if key not in simulated:
        simulated[key] = list(simulate_plan(group))
    return simulated[key]


def run(
    scenario: Scenario,
    progress: bool = False,
    keep_sample: bool = True,
    simulated: Kept | None = None,
) -> Results:
    """Simulate and price a scenario over all its replications, chunk by chunk (see
    ``simulate.chunk_plan``: peak memory does not grow with the caseload); with its
    responses on, each group of schemes on its own caseload (module docstring).

    With ``simulated`` (``Kept``: a dict, ``{}`` at first, or the chunks of
    ``simulate_all``) the caseloads are re-priced without being simulated again: what
    the explorer does when only a rate changes. Whether a run fits in memory and time is
    the caller's to check first (``budget.check``, or ``budget.run_file``): the budget
    runs small pilots through this very function.
    """
    groups = response_groups(scenario)
    R = scenario.simulation.replications
    acc = _accumulator(scenario)
    sample = None
    bar = tqdm(
        total=R * len(groups), desc=scenario.name, unit="rep", disable=not progress, leave=False
    )
    last_block = blocks(scenario) - 1
    for g, (group, schemes) in enumerate(groups):
        for cl in caseload_chunks(scenario, group, schemes, simulated):
            reps = slice(cl.first_rep, cl.first_rep + cl.n_reps)
            if g == 0:
                _add_caseload(acc, cl, group, reps)
            if scenario.responses is not None:
                _add_own(acc, cl, group, schemes, reps)
            lines = cl.lines()
            for scheme in schemes:
                money = price(cl, scheme, group.outcomes.assessment_report_days, lines)
                _add_money(acc, scheme.name, money, reps)
            if g == 0 and cl.first_rep == 0 and cl.block == 0 and keep_sample:
                sample = cl.replication(0)
            if cl.block == last_block:
                bar.update(cl.n_reps)
    bar.close()
    # the money's rows in the scenario's order of schemes, whatever the groups' order
    order = {s.name: i for i, s in enumerate(scenario.schemes)}
    acc.money = dict(sorted(acc.money.items(), key=lambda kv: order[kv[0][0]]))
    return summarize(scenario, acc, sample)


def scheme_key(scheme) -> str:
    """What a scheme's price depends on besides the caseload (its rules, kind and
    overrides): two schemes with the same key pay the same lines the same amounts."""
    import json

    data = scheme.model_dump(mode="json", include={"rules", "kind", "overrides"})
    return json.dumps(data, sort_keys=True)


def paid_totals(
    scenario: Scenario,
    simulated: dict[object, list[tuple[SimulatedCaseload, object]]] | None = None,
    known: dict[str, np.ndarray] | None = None,
) -> dict[tuple[str, str], np.ndarray]:
    """Each scheme's total paid and paid per job kept 90 days, per replication: the two
    numbers a draw of ``jobcoach uncertainty`` or a Sobol point keeps, without the tables
    ``run`` builds (cash flow, reasons, fiscal years, the benchmark). The same sums in the
    same order as ``run``, so the values equal its ``per_replication`` columns exactly.
    With the scenario's responses on, each scheme is priced on its own caseload, as in
    ``run``, and each scheme's jobs kept 90 days (``retained_90d``) are given as well: a
    draw's value for money needs them, and they differ between schemes only then.

    ``simulated``: the scenario's caseloads already simulated, with their lines, by
    ``caseload_key``, priced again without simulating them again (a caseload not there
    yet is simulated and added: pass ``{}`` to keep them for the next call); ``known``:
    each scheme's paid totals already priced on those caseloads, by ``scheme_key``,
    taken instead of pricing it again (and given what this call prices). Both are the
    sensitivity's work done once: points that change only a scheme share one simulated
    caseload."""
    R = scenario.simulation.replications
    keys = {s.name: scheme_key(s) for s in scenario.schemes}
    paid: dict[str, np.ndarray] = {}
    retained: dict[str, np.ndarray] = {}
    for group, schemes in response_groups(scenario):
        key = caseload_key(scenario, schemes)
        if simulated is not None and key not in simulated:
            simulated[key] = [(cl, cl.lines()) for cl in simulate_plan(group)]
        chunks = (
            simulated[key] if simulated is not None else ((cl, None) for cl in simulate_plan(group))
        )
        todo = [s for s in schemes if known is None or keys[s.name] not in known]
        kept = np.zeros(R)
        for s in todo:
            paid[s.name] = np.zeros(R)
        for cl, lines in chunks:
            reps = slice(cl.first_rep, cl.first_rep + cl.n_reps)
            kept[reps] += _rep_sums(cl, cl.outcomes["retained_90d"])
            if not todo:
                continue
            lines = cl.lines() if lines is None else lines
            for scheme in todo:
                money = price(cl, scheme, group.outcomes.assessment_report_days, lines)
                paid[scheme.name][reps] += _by_rep(money, reps, PAID)
        for scheme in schemes:
            retained[scheme.name] = kept
            if known is not None and scheme in todo:
                known[keys[scheme.name]] = paid[scheme.name]
    out = {}
    for scheme in scenario.schemes:
        values = paid[scheme.name] if scheme.name in paid else known[keys[scheme.name]]
        kept = retained[scheme.name]
        out[(scheme.name, "total_paid")] = values
        out[(scheme.name, "paid_per_retained_90d")] = np.where(
            kept > 0, values / np.maximum(kept, 1), np.nan
        )
        if scenario.responses is not None:
            out[(scheme.name, "retained_90d")] = kept
    return out


def caseload_key(scenario: Scenario, schemes) -> object:
    """Which of a scenario's caseloads a group of schemes is priced on: the one caseload
    with the responses off (None), else whether they are the schemes paid on outcomes
    (each kind of pay its own caseload: ``responses.response_groups``)."""
    if scenario.responses is None:
        return None
    return paid_on_outcomes(schemes[0])


def simulate_all(scenario: Scenario) -> list[SimulatedCaseload]:
    """Every replication simulated and kept in memory (for re-pricing many times)."""
    return list(simulate_plan(scenario))
