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

from jobcoach_model.base.dates import month_index, to_day
from jobcoach_model.base.io import write_csv
from jobcoach_model.caseloads.fiscal import FiscalSums, fiscal_sums, fiscal_table
from jobcoach_model.caseloads.metrics import BENCHMARK, case_values, derive, within_window
from jobcoach_model.caseloads.pricing import price
from jobcoach_model.caseloads.scenario import Scenario
from jobcoach_model.caseloads.simulate import SimulatedCaseload, blocks, horizon_end, simulate_plan
from jobcoach_model.engine.adjudication import DENIED, HELD, PAID, STATUSES
from jobcoach_model.law.jurisdictions import codes
from jobcoach_model.law.jurisdictions import get as get_jurisdiction
from jobcoach_model.law.rulebook import load_rulebook

SIZE_BUCKETS = ((1, 4), (5, 9), (10, 14), (15, 19), (20, 29), (30, 49), (50, 10**9))
#: decimal places of the summary's mean and interval (and of a sweep point's totals)
SUMMARY_DECIMALS = 4


def benchmark_label(scenario: Scenario) -> str:
    """The benchmark in force, in words: e.g. ``80% within 90 days``."""
    b = benchmark_settings(scenario)
    return f"{b['share']:.0%} within {b['window_days']:g} days"


def benchmark_owner() -> str | None:
    """The first jurisdiction that sets an accountability benchmark (None if none does)."""
    for code in codes():
        book = load_rulebook(code)
        if get_jurisdiction(code).benchmark(book, book.effective) is not None:
            return code
    return None


def benchmark_settings(scenario: Scenario) -> dict[str, float]:
    """The accountability benchmark in force: the cited values of the jurisdiction that
    sets one, unless the scenario sets its own. With none, every field comes from the
    scenario (a window and share it must give) and review is quarterly (assumption)."""
    owner = benchmark_owner()
    when = scenario.caseload.start_date
    cited = {"share": None, "window_days": None, "review_months": 3}
    if owner is not None:
        cited = get_jurisdiction(owner).benchmark(load_rulebook(owner), when)
    b = scenario.benchmark
    return {
        "share": b.share if b.share is not None else cited["share"],
        "window_days": b.window_days if b.window_days is not None else cited["window_days"],
        "review_months": cited["review_months"],
    }


def benchmark_jurisdiction() -> str:
    """The name of the jurisdiction whose benchmark the tables show ("" if none)."""
    owner = benchmark_owner()
    return load_rulebook(owner).name if owner else ""


@dataclass
class Accumulator:
    """Per-replication sums gathered chunk by chunk.

    Everything here is additive, so a replication may arrive in several chunks (blocks of
    its consumers); ratios and the benchmark are computed once, in ``_results``.
    """

    replications: int
    months: int
    consumers: int
    quarters: int
    providers: int
    share: float  # the benchmark's share
    money: dict = field(default_factory=dict)  # (scheme, metric) -> array[R]
    cash: dict = field(default_factory=dict)  # scheme -> array[R, months]
    reasons: dict = field(default_factory=lambda: defaultdict(float))
    #: consumers behind each reason and each month's payments, summed over replications
    reason_people: dict = field(default_factory=lambda: defaultdict(float))
    month_people: dict = field(default_factory=dict)  # scheme -> array[months]
    counts: dict = field(default_factory=dict)  # caseload count -> array[R]
    fiscal: FiscalSums | None = None  # money by fiscal year (the fiscal note)
    served: np.ndarray | None = None  # [R, providers, quarters] persons served
    met: np.ndarray | None = None  # [R, providers, quarters] objectives met in the window

    def array(self, table: dict, key: object) -> np.ndarray:
        """The per-replication array stored under ``key`` (zeros when new)."""
        if key not in table:
            table[key] = np.zeros(self.replications)
        return table[key]


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


def _add_caseload(acc: Accumulator, cl: SimulatedCaseload, scenario: Scenario, reps: slice) -> None:
    R = reps.stop - reps.start
    o = cl.outcomes
    local = cl.reps - reps.start

    def count(values: np.ndarray) -> np.ndarray:
        return np.bincount(local, weights=np.asarray(values, dtype=np.float64), minlength=R)

    bench = benchmark_settings(scenario)
    within = within_window(cl, bench)
    values = case_values(cl, bench, scenario.outcomes.assessment_report_days)
    counts = {name: count(flags) for name, flags in values.items()}
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


@dataclass
class Results:
    """A scenario's outputs: every table a brief, notebook or the CLI shows."""

    scenario: Scenario
    summary: pd.DataFrame
    cashflow: pd.DataFrame
    reasons: pd.DataFrame
    benchmark: pd.DataFrame
    per_replication: pd.DataFrame
    sample: SimulatedCaseload | None = None
    #: money by state fiscal year (``fiscal.fiscal_table``) and its per-replication cents
    fiscal_years: pd.DataFrame | None = None
    fiscal: FiscalSums | None = None

    def metric(self, scheme: str, metric: str) -> float:
        """The mean of one summary metric."""
        row = self.summary[(self.summary["scheme"] == scheme) & (self.summary["metric"] == metric)]
        return float(row["mean"].iloc[0])


def mean_interval(values: np.ndarray) -> tuple[float, float, float]:
    """The mean of replications' values and their 5th and 95th percentiles (NaN ignored;
    all NaN for none)."""
    values = values[~np.isnan(values)]
    if not len(values):
        return (math.nan, math.nan, math.nan)
    p05, p95 = np.percentile(values, [5, 95])
    return float(values.mean()), float(p05), float(p95)


def binomial_pass(n: int, p: float, share: float) -> float:
    """P(at least share*n of n pass) when each passes with probability p."""
    need = math.ceil(share * n - 1e-9)
    if p <= 0 or p >= 1:
        return float(p >= 1 or need <= 0)
    passes = np.arange(need, n + 1)
    log_terms = (
        math.lgamma(n + 1)
        - np.array([math.lgamma(k + 1) + math.lgamma(n - k + 1) for k in passes])
        + passes * math.log(p)
        + (n - passes) * math.log1p(-p)
    )
    return float(np.exp(log_terms).sum())


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


def run(
    scenario: Scenario,
    progress: bool = False,
    keep_sample: bool = True,
    simulated: list[SimulatedCaseload] | None = None,
) -> Results:
    """Simulate and price a scenario over all its replications, chunk by chunk (see
    ``simulate.chunk_plan``: peak memory does not grow with the caseload).

    With ``simulated`` (chunks from ``simulate_all``) the caseload is re-priced without
    being simulated again: what the explorer does when only a rate changes. Whether a run
    fits in memory and time is the caller's to check first (``budget.check``, or
    ``budget.run_file``): the budget runs small pilots through this very function.
    """
    R = scenario.simulation.replications
    acc = _accumulator(scenario)
    sample = None
    bar = tqdm(total=R, desc=scenario.name, unit="rep", disable=not progress, leave=False)
    chunks = simulated or simulate_plan(scenario)
    last_block = blocks(scenario) - 1
    for cl in chunks:
        reps = slice(cl.first_rep, cl.first_rep + cl.n_reps)
        _add_caseload(acc, cl, scenario, reps)
        lines = cl.lines()
        for scheme in scenario.schemes:
            money = price(cl, scheme, scenario.outcomes.assessment_report_days, lines)
            _add_money(acc, scheme.name, money, reps)
        if cl.first_rep == 0 and cl.block == 0 and keep_sample:
            sample = cl.replication(0)
        if cl.block == last_block:
            bar.update(cl.n_reps)
    bar.close()
    return _results(scenario, acc, sample)


def paid_totals(scenario: Scenario) -> dict[tuple[str, str], np.ndarray]:
    """Each scheme's total paid and paid per job kept 90 days, per replication: the two
    numbers a draw of ``jobcoach uncertainty`` or a Sobol point keeps, without the tables
    ``run`` builds (cash flow, reasons, fiscal years, the benchmark). The same sums in the
    same order as ``run``, so the values equal its ``per_replication`` columns exactly.
    """
    R = scenario.simulation.replications
    paid = {s.name: np.zeros(R) for s in scenario.schemes}
    retained = np.zeros(R)
    for cl in simulate_plan(scenario):
        reps = slice(cl.first_rep, cl.first_rep + cl.n_reps)
        retained[reps] += np.bincount(
            cl.reps - reps.start,
            weights=np.asarray(cl.outcomes["retained_90d"], dtype=np.float64),
            minlength=cl.n_reps,
        )
        lines = cl.lines()
        for scheme in scenario.schemes:
            money = price(cl, scheme, scenario.outcomes.assessment_report_days, lines)
            paid[scheme.name][reps] += _by_rep(money, reps, PAID)
    out = {}
    for name, values in paid.items():
        out[(name, "total_paid")] = values
        out[(name, "paid_per_retained_90d")] = np.where(
            retained > 0, values / np.maximum(retained, 1), np.nan
        )
    return out


def simulate_all(scenario: Scenario) -> list[SimulatedCaseload]:
    """Every replication simulated and kept in memory (for re-pricing many times)."""
    return list(simulate_plan(scenario))


def _derived(acc: Accumulator) -> tuple[dict, dict]:
    """Per-replication metrics from the sums: money per scheme (in the order the tables
    show them) and caseload shares, means and the benchmark's pass share."""
    n = acc.consumers
    c = acc.counts
    retained = c["retained_90d"]
    money = {}
    for (scheme, metric), values in acc.money.items():
        money[(scheme, metric)] = values
        if metric == "denied_amount":
            paid = acc.money[(scheme, "total_paid")]
            money[(scheme, "paid_per_consumer")] = paid / n
            money[(scheme, "paid_per_retained_90d")] = np.where(
                retained > 0, paid / np.maximum(retained, 1), np.nan
            )
    caseload = derive(c, n)
    active = acc.served > 0
    passed = acc.met >= acc.share * acc.served - 1e-9
    passing = (active & passed).sum(axis=(1, 2))
    caseload[BENCHMARK.summary_name] = passing / np.maximum(active.sum(axis=(1, 2)), 1)
    return money, caseload


def _results(scenario: Scenario, acc: Accumulator, sample) -> Results:
    R = acc.replications
    rows, per_rep = [], {}
    money, caseload = _derived(acc)
    for (scheme, metric), values in money.items():
        rows.append((scheme, metric, *mean_interval(values)))
        per_rep[f"{scheme} | {metric}"] = values
    for metric, values in caseload.items():
        rows.append(("caseload", metric, *mean_interval(values)))
        per_rep[f"caseload | {metric}"] = values
    summary = pd.DataFrame(rows, columns=["scheme", "metric", "mean", "p05", "p95"])
    summary[["mean", "p05", "p95"]] = summary[["mean", "p05", "p95"]].round(SUMMARY_DECIMALS)

    start = np.datetime64(scenario.caseload.start_date, "M")
    cash_rows = []
    for scheme, table in acc.cash.items():
        for m in range(acc.months):
            mean, p05, p95 = mean_interval(table[:, m])
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
            STATUSES[status],
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
    p = float(np.nanmean(caseload["objectives_within_90d_share"]))
    active = acc.served > 0
    passed = active & (acc.met >= acc.share * acc.served - 1e-9)
    top = int(acc.served.max()) + 1 if acc.served.size else 1
    size_count = np.bincount(acc.served[active], minlength=top)
    size_pass = np.bincount(acc.served[passed], minlength=top)
    size_rows = []
    for lo, hi in SIZE_BUCKETS:
        sizes = np.arange(lo, min(hi, len(size_count) - 1) + 1)
        count = int(size_count[sizes].sum()) if len(sizes) else 0
        if not count:
            continue
        passed = int(size_pass[sizes].sum())
        weights = size_count[sizes] / count
        binomial = sum(
            w * binomial_pass(int(n), p, bench["share"])
            for n, w in zip(sizes, weights, strict=True)
        )
        label = f"{lo}+" if hi >= 10**9 else f"{lo}-{hi}"
        people = float((size_count[sizes] * sizes).sum()) / R
        size_rows.append(
            (label, count, round(passed / count, 4), round(binomial, 4), round(people, 1))
        )
    by_size = pd.DataFrame(
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
        benchmark=by_size,
        per_replication=pd.DataFrame(per_rep),
        sample=sample,
        fiscal_years=fiscal_table(acc.fiscal, scenario),
        fiscal=acc.fiscal,
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
            "benchmark": results.benchmark,
            "fiscal_years": results.fiscal_years,
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
