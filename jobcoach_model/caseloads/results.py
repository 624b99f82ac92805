"""What a run gives: the sums a run fills replication by replication (``Accumulator``),
the results built from them (summaries over replications with their 90% intervals, the
benchmark's pass probabilities, money by month and fiscal year), and the files
``jobcoach simulate`` writes of them.
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

from jobcoach_model.base.io import write_csv
from jobcoach_model.caseloads.fiscal import FiscalSums, fiscal_table
from jobcoach_model.caseloads.metrics import BENCHMARK, benchmark_settings, derive
from jobcoach_model.caseloads.scenario import Scenario
from jobcoach_model.caseloads.simulate import SimulatedCaseload
from jobcoach_model.engine.adjudication import STATUSES

#: decimal places of the summary's mean and interval (and of a sweep point's totals)
SUMMARY_DECIMALS = 4


#: the outcomes counted per scheme when each scheme has its own caseload (responses on)
OWN_COUNTS = ("retained_90d", "stabilized")

SIZE_BUCKETS = ((1, 4), (5, 9), (10, 14), (15, 19), (20, 29), (30, 49), (50, 10**9))


@dataclass
class Accumulator:
    """Per-replication sums gathered chunk by chunk.

    Everything here is additive, so a replication may arrive in several chunks (blocks of
    its consumers); ratios and the benchmark are computed once, in ``summarize``.
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
    #: (scheme, "retained_90d" or "stabilized") -> array[R]: jobs kept 90 days and jobs
    #: stabilized on the scheme's own caseload (only with the responses on: OWN_COUNTS)
    own: dict = field(default_factory=dict)
    fiscal: FiscalSums | None = None  # money by fiscal year (the fiscal note)
    served: np.ndarray | None = None  # [R, providers, quarters] persons served
    met: np.ndarray | None = None  # [R, providers, quarters] objectives met in the window

    def array(self, table: dict, key: object) -> np.ndarray:
        """The per-replication array stored under ``key`` (zeros when new)."""
        if key not in table:
            table[key] = np.zeros(self.replications)
        return table[key]


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


def _derived(acc: Accumulator) -> tuple[dict, dict]:
    """Per-replication metrics from the sums: money per scheme (in the order the tables
    show them) and caseload shares, means and the benchmark's pass share."""
    n = acc.consumers
    c = acc.counts
    money = {}
    for (scheme, metric), values in acc.money.items():
        money[(scheme, metric)] = values
        if metric == "denied_amount":
            paid = acc.money[(scheme, "total_paid")]
            # the scheme's own caseload's kept jobs when the responses give it one
            retained = acc.own.get((scheme, "retained_90d"), c["retained_90d"])
            money[(scheme, "paid_per_consumer")] = paid / n
            money[(scheme, "paid_per_retained_90d")] = np.where(
                retained > 0, paid / np.maximum(retained, 1), np.nan
            )
            for name in OWN_COUNTS:
                if (scheme, name) in acc.own:
                    money[(scheme, name)] = acc.own[(scheme, name)]
    caseload = derive(c, n)
    active = acc.served > 0
    passed = acc.met >= acc.share * acc.served - 1e-9
    passing = (active & passed).sum(axis=(1, 2))
    caseload[BENCHMARK.summary_name] = passing / np.maximum(active.sum(axis=(1, 2)), 1)
    return money, caseload


def summarize(scenario: Scenario, acc: Accumulator, sample) -> Results:
    """The results of a run from its sums: each measure's mean over replications with its
    90% interval, per scheme and for the caseload, the benchmark, money by month and
    fiscal year, and replication 0's records when the run kept them (``sample``)."""
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
