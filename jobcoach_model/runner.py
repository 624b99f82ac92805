"""Run a scenario: simulate replications in chunks, price every scheme, measure outcomes,
and summarize over replications (mean and 5-95% interval).

Chunks bound memory; each replication's numbers come from its own seed, so the summary
does not depend on the chunk size. Only aggregates leave this module's tables, apart from
replication 0's records, which ``jobcoach simulate`` writes for inspection.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from .dates import NEVER
from .io import write_csv
from .pricing import DENIED, HELD, PAID, milestone_days, price
from .rulebook import load_rulebook
from .scenario import Scenario
from .simulate import Caseload, month_index, simulate_chunk

SIZE_BUCKETS = ((1, 4), (5, 9), (10, 14), (15, 19), (20, 29), (30, 49), (50, 10**9))


def benchmark_settings(scenario: Scenario) -> dict[str, float]:
    """The Kansas benchmark in force: the rulebook's cited values unless the scenario
    sets its own."""
    book = load_rulebook("KS")
    when = scenario.caseload.start_date
    b = scenario.benchmark
    return {
        "share": b.share if b.share is not None else book.value("benchmark_share", when),
        "window_days": b.window_days
        if b.window_days is not None
        else book.value("benchmark_window_days", when),
        "review_months": book.value("benchmark_review_months", when),
    }


@dataclass
class Accumulator:
    """Per-replication figures gathered chunk by chunk."""

    replications: int
    months: int
    money: dict = field(default_factory=dict)  # (scheme, metric) -> array[R]
    cash: dict = field(default_factory=dict)  # scheme -> array[R, months]
    reasons: dict = field(default_factory=lambda: defaultdict(float))
    #: consumers behind each reason and each month's payments, summed over replications
    reason_people: dict = field(default_factory=lambda: defaultdict(float))
    month_people: dict = field(default_factory=dict)  # scheme -> array[months]
    caseload: dict = field(default_factory=dict)  # metric -> array[R]
    size_count: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    size_pass: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))

    def array(self, table: dict, key: object) -> np.ndarray:
        """The per-replication array stored under ``key`` (zeros when new)."""
        if key not in table:
            table[key] = np.zeros(self.replications)
        return table[key]


def _add_money(acc: Accumulator, name: str, money, reps: slice, retained: np.ndarray, n: int):
    R = reps.stop - reps.start
    local = money.rep - reps.start
    for status, metric in ((PAID, "total_paid"), (HELD, "held_amount"), (DENIED, "denied_amount")):
        sel = money.status == status
        acc.array(acc.money, (name, metric))[reps] = np.bincount(
            local[sel], weights=money.amount[sel], minlength=R
        )
    paid = acc.money[(name, "total_paid")][reps]
    acc.array(acc.money, (name, "paid_per_consumer"))[reps] = paid / n
    acc.array(acc.money, (name, "paid_per_retained_90d"))[reps] = np.where(
        retained > 0, paid / np.maximum(retained, 1), np.nan
    )
    sel = (money.status == PAID) & (money.month >= 0) & (money.month < acc.months)
    flat = np.bincount(
        local[sel] * acc.months + money.month[sel],
        weights=money.amount[sel],
        minlength=R * acc.months,
    )
    if name not in acc.cash:
        acc.cash[name] = np.zeros((acc.replications, acc.months))
        acc.month_people[name] = np.zeros(acc.months)
    acc.cash[name][reps] = flat.reshape(R, acc.months)
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


def _add_caseload(acc: Accumulator, cl: Caseload, scenario: Scenario, reps: slice) -> np.ndarray:
    R = reps.stop - reps.start
    o = cl.outcomes
    local = cl.reps - reps.start
    n = scenario.caseload.consumers

    def share(mask: np.ndarray) -> np.ndarray:
        return np.bincount(local, weights=mask.astype(np.float64), minlength=R) / n

    retained = np.bincount(local, weights=o["retained_90d"].astype(np.float64), minlength=R)
    bench = benchmark_settings(scenario)
    within = o["objectives_days"] <= bench["window_days"]
    stab = o["stabilized"] & (cl.cases["stabilized_on"] < NEVER)
    weeks = np.where(stab, o["weeks_to_stabilization"], 0.0)
    book = load_rulebook("IA")
    days = milestone_days(cl, book, scenario.outcomes.assessment_report_days)
    metrics = {
        "retained_90d_share": share(o["retained_90d"]),
        "objectives_within_90d_share": share(within),
        "stabilized_share": share(stab),
        "weeks_to_stabilization": np.bincount(local, weights=weeks, minlength=R)
        / np.maximum(np.bincount(local, weights=stab.astype(np.float64), minlength=R), 1),
        "job_lost_in_horizon_share": share(o["job_lost_in_horizon"]),
    }
    for code, day in days.items():
        metrics[f"{code.lower()}_reached_share"] = share(day < NEVER)

    # Kansas benchmark: per provider and review quarter of the start of services
    quarter = month_index(o["employment_start"], cl.start) // int(bench["review_months"])
    n_q = int(quarter.max()) + 1 if len(quarter) else 1
    providers = scenario.caseload.coaches.providers
    key = (local * providers + o["provider"]) * n_q + quarter
    size = R * providers * n_q
    served = np.bincount(key, minlength=size)
    met = np.bincount(key, weights=within.astype(np.float64), minlength=size)
    active = served > 0
    passed = met >= bench["share"] * served - 1e-9
    rep_of = np.arange(size) // (providers * n_q)
    metrics["ks_provider_quarters_passing_share"] = np.bincount(
        rep_of[active], weights=passed[active].astype(np.float64), minlength=R
    ) / np.maximum(np.bincount(rep_of[active], minlength=R), 1)
    top = int(served.max()) + 1
    if top > len(acc.size_count):
        acc.size_count = np.pad(acc.size_count, (0, top - len(acc.size_count)))
        acc.size_pass = np.pad(acc.size_pass, (0, top - len(acc.size_pass)))
    acc.size_count[:top] += np.bincount(served[active], minlength=top)
    acc.size_pass[:top] += np.bincount(served[active & passed], minlength=top)
    for name, values in metrics.items():
        acc.array(acc.caseload, name)[reps] = values
    return retained


@dataclass
class Results:
    """A scenario's outputs: every table a brief, notebook or the CLI shows."""

    scenario: Scenario
    summary: pd.DataFrame
    cashflow: pd.DataFrame
    reasons: pd.DataFrame
    kansas_benchmark: pd.DataFrame
    per_replication: pd.DataFrame
    sample: Caseload | None = None

    def metric(self, scheme: str, metric: str) -> float:
        """The mean of one summary metric."""
        row = self.summary[(self.summary["scheme"] == scheme) & (self.summary["metric"] == metric)]
        return float(row["mean"].iloc[0])


def _interval(values: np.ndarray) -> tuple[float, float, float]:
    values = values[~np.isnan(values)]
    if not len(values):
        return (math.nan, math.nan, math.nan)
    p05, p95 = np.percentile(values, [5, 95])
    return float(values.mean()), float(p05), float(p95)


def _binomial_pass(n: int, p: float, share: float) -> float:
    """P(at least share*n of n pass) when each passes with probability p."""
    need = math.ceil(share * n - 1e-9)
    if p <= 0 or p >= 1:
        return float(p >= 1 or need <= 0)
    ks = np.arange(need, n + 1)
    log_terms = (
        math.lgamma(n + 1)
        - np.array([math.lgamma(k + 1) + math.lgamma(n - k + 1) for k in ks])
        + ks * math.log(p)
        + (n - ks) * math.log1p(-p)
    )
    return float(np.exp(log_terms).sum())


def run(
    scenario: Scenario,
    progress: bool = False,
    keep_sample: bool = True,
    chunk: int | None = None,
    simulated: list[Caseload] | None = None,
) -> Results:
    """Simulate and price a scenario over all its replications.

    With ``simulated`` (chunks from ``simulate_all``) the caseload is re-priced without
    being simulated again: what the explorer does when only a rate changes.
    """
    R = scenario.simulation.replications
    step = chunk or scenario.simulation.chunk
    months = math.ceil(scenario.caseload.weeks * 7 / 28) + 3
    acc = Accumulator(R, months)
    sample = None
    bar = tqdm(total=R, desc=scenario.name, unit="rep", disable=not progress, leave=False)
    chunks = simulated or (
        simulate_chunk(scenario, first, min(step, R - first)) for first in range(0, R, step)
    )
    for cl in chunks:
        reps = slice(cl.first_rep, cl.first_rep + cl.n_reps)
        retained = _add_caseload(acc, cl, scenario, reps)
        lines = cl.lines()
        for scheme in scenario.schemes:
            money = price(cl, scheme, scenario.outcomes.assessment_report_days, lines)
            _add_money(acc, scheme.name, money, reps, retained, scenario.caseload.consumers)
        if cl.first_rep == 0 and keep_sample:
            sample = cl.replication(0)
        bar.update(cl.n_reps)
    bar.close()
    return _results(scenario, acc, sample)


def simulate_all(scenario: Scenario) -> list[Caseload]:
    """Every replication simulated and kept in memory (for re-pricing many times)."""
    R, step = scenario.simulation.replications, scenario.simulation.chunk
    return [simulate_chunk(scenario, first, min(step, R - first)) for first in range(0, R, step)]


def _results(scenario: Scenario, acc: Accumulator, sample) -> Results:
    R = acc.replications
    rows, per_rep = [], {}
    for (scheme, metric), values in acc.money.items():
        rows.append((scheme, metric, *_interval(values)))
        per_rep[f"{scheme} | {metric}"] = values
    for metric, values in acc.caseload.items():
        rows.append(("caseload", metric, *_interval(values)))
        per_rep[f"caseload | {metric}"] = values
    summary = pd.DataFrame(rows, columns=["scheme", "metric", "mean", "p05", "p95"])
    summary[["mean", "p05", "p95"]] = summary[["mean", "p05", "p95"]].round(4)

    start = np.datetime64(scenario.caseload.start_date, "M")
    cash_rows = []
    for scheme, table in acc.cash.items():
        for m in range(acc.months):
            mean, p05, p95 = _interval(table[:, m])
            people = acc.month_people[scheme][m] / R
            cash_rows.append((scheme, str(start + m), mean, p05, p95, people))
    cashflow = pd.DataFrame(
        cash_rows, columns=["scheme", "month", "mean", "p05", "p95", "consumers"]
    )
    cashflow[["mean", "p05", "p95"]] = cashflow[["mean", "p05", "p95"]].round(2)
    cashflow["consumers"] = cashflow["consumers"].round(1)

    reason_rows = [
        (
            scheme,
            ("paid", "held", "denied")[status],
            reason,
            total / R,
            acc.reason_people[(scheme, status, reason)] / R,
        )
        for (scheme, status, reason), total in acc.reasons.items()
    ]
    reasons = pd.DataFrame(
        reason_rows, columns=["scheme", "status", "rule_ids", "mean_amount", "consumers"]
    )
    reasons["mean_amount"] = reasons["mean_amount"].round(2)
    reasons["consumers"] = reasons["consumers"].round(1)
    reasons = reasons.sort_values(
        ["scheme", "status", "mean_amount", "rule_ids"], ascending=[True, True, False, True]
    ).reset_index(drop=True)

    bench = benchmark_settings(scenario)
    p = float(np.nanmean(acc.caseload["objectives_within_90d_share"]))
    size_rows = []
    for lo, hi in SIZE_BUCKETS:
        sizes = np.arange(lo, min(hi, len(acc.size_count) - 1) + 1)
        count = int(acc.size_count[sizes].sum()) if len(sizes) else 0
        if not count:
            continue
        passed = int(acc.size_pass[sizes].sum())
        weights = acc.size_count[sizes] / count
        binomial = sum(
            w * _binomial_pass(int(n), p, bench["share"])
            for n, w in zip(sizes, weights, strict=True)
        )
        label = f"{lo}+" if hi >= 10**9 else f"{lo}-{hi}"
        people = float((acc.size_count[sizes] * sizes).sum()) / R
        size_rows.append(
            (label, count, round(passed / count, 4), round(binomial, 4), round(people, 1))
        )
    kansas = pd.DataFrame(
        size_rows,
        columns=[
            "persons_served",
            "provider_quarters",
            "pass_probability",
            "binomial_pass_probability",
            "consumers",
        ],
    )
    return Results(
        scenario=scenario,
        summary=summary,
        cashflow=cashflow,
        reasons=reasons,
        kansas_benchmark=kansas,
        per_replication=pd.DataFrame(per_rep),
        sample=sample,
    )


def write_outputs(results: Results, out: str | Path) -> list[Path]:
    """Write replication 0's records and the summaries into ``out``, each file whole.

    Files are written into a temporary folder first and moved into place only when all
    are complete, so a failure leaves the previous outputs untouched.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tables = dict(results.sample.tables()) if results.sample is not None else {}
    tables.update(
        {
            "summary": results.summary,
            "cashflow": results.cashflow,
            "reasons": results.reasons,
            "kansas_benchmark": results.kansas_benchmark,
        }
    )
    written = []
    with tempfile.TemporaryDirectory(dir=out, prefix=".partial-") as tmp:
        for name, frame in tables.items():
            write_csv(frame, Path(tmp) / f"{name}.csv")
        for name in tables:
            target = out / f"{name}.csv"
            shutil.move(str(Path(tmp) / f"{name}.csv"), target)
            written.append(target)
    return written


def run_file(
    scenario: str | Path,
    replications: int | None = None,
    seed: int | None = None,
    sets: dict[str, str] | None = None,
) -> Results:
    """Load a scenario file (with notebook-style overrides) and run it."""
    from .scenario import load_scenario, run_changes

    return run(load_scenario(scenario, run_changes(replications, seed, sets)))
