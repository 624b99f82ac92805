"""Value for money: what each scheme pays per job kept 90 days and per stabilized job,
the incremental cost of one more kept job against a reference scheme, net benefit at a
value of a kept job, the cost-effectiveness acceptability curve, and the expected value
of perfect information at the chosen value.

Why: with the same caseload under every scheme (providers' responses off), the jobs kept
are the same and "cheapest" is the whole answer. With responses on (``caseloads/
responses.py``) each scheme has its own caseload, outcomes differ, and the question a VR
director asks becomes what one more kept job costs, and how likely each scheme is the
best buy for what a kept job is worth to the agency (health economics' incremental
cost-effectiveness and acceptability curves, as in BCEA and dampack).

Two spreads: over the simulated caseloads of the scenario as given (``value_for_money``:
replications, common random numbers across schemes), what the same inputs could give;
and over the joint draws of every assumption, reading and response (``from_draws``: How
sure's draws, each one caseload per kind of pay), what the evidence leaves open. The
acceptability curve and the value of perfect information are the draws' when there are
draws with the responses on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from jobcoach_model.analysis.uncertainty import Draws, reading_groups
from jobcoach_model.analysis.voi import value_of_information
from jobcoach_model.caseloads.responses import responded
from jobcoach_model.caseloads.results import Results
from jobcoach_model.caseloads.scenario import Scenario, Value

#: outcomes differ between schemes when any scheme's mean kept jobs differ by this many
SAME_JOBS = 0.5


@dataclass(frozen=True)
class ValueForMoney:
    """Per scheme and replication: USD paid, jobs kept 90 days, jobs stabilized, high-need
    consumers accepted (expected); and the value of a kept job used."""

    scenario: Scenario
    reference: str
    paid: dict[str, np.ndarray]
    kept: dict[str, np.ndarray]
    stabilized: dict[str, np.ndarray]
    hard_cases: dict[str, float]
    value: Value
    #: what the replications are: "simulated caseloads" or "joint draws"
    over: str = "simulated caseloads"
    #: over joint draws: what knowing each input, reading and response exactly would be
    #: worth to the best buy at the value of a kept job (``voi.value_of_information`` on
    #: net benefit: ``input, evppi, se``, a last row EVPI)
    evppi: pd.DataFrame | None = None

    @property
    def schemes(self) -> list[str]:
        """The schemes in the scenario's order."""
        return list(self.paid)

    @property
    def outcomes_differ(self) -> bool:
        """Whether any scheme keeps a different number of jobs on average (the
        responses are on and move them); if not, the cheapest scheme is the best buy at
        every value of a kept job."""
        means = [float(k.mean()) for k in self.kept.values()]
        return max(means) - min(means) >= SAME_JOBS

    def net_benefit(self, value: float) -> np.ndarray:
        """Net benefit (USD) of each scheme in each replication: value x kept - paid;
        schemes x replications."""
        return np.array([value * self.kept[s] - self.paid[s] for s in self.schemes])

    def table(self) -> pd.DataFrame:
        """Per scheme: means of paid, kept and stabilized jobs, cost per kept and per
        stabilized job, and against the reference the extra cost, extra kept jobs and
        incremental cost per additional kept job (ratio of means) with its 90% interval
        over replications (empty where the kept jobs do not differ), and net benefit at
        the value of a kept job."""
        ref_paid, ref_kept = self.paid[self.reference], self.kept[self.reference]
        rows = []
        for s in self.schemes:
            paid, kept, stab = self.paid[s], self.kept[s], self.stabilized[s]
            d_cost, d_kept = paid - ref_paid, kept - ref_kept
            icer, lo, hi = np.nan, np.nan, np.nan
            if s != self.reference and abs(d_kept.mean()) >= SAME_JOBS:
                icer = float(d_cost.mean() / d_kept.mean())
                lo, hi = icer_interval(d_cost, d_kept)
            nb = self.value.per_kept_job * kept - paid
            rows.append(
                {
                    "scheme": s,
                    "hard_cases": round(self.hard_cases[s], 1),
                    "total_paid": round(float(paid.mean()), 2),
                    "kept_90d": round(float(kept.mean()), 2),
                    "stabilized": round(float(stab.mean()), 2),
                    "cost_per_kept_job": round(float(paid.mean() / kept.mean()), 2)
                    if kept.mean() > 0
                    else np.nan,
                    "cost_per_stabilized_job": round(float(paid.mean() / stab.mean()), 2)
                    if stab.mean() > 0
                    else np.nan,
                    "extra_cost": round(float(d_cost.mean()), 2),
                    "extra_kept": round(float(d_kept.mean()), 2),
                    "icer": round(icer, 2),
                    "icer_p05": round(lo, 2),
                    "icer_p95": round(hi, 2),
                    "net_benefit": round(float(nb.mean()), 2),
                }
            )
        return pd.DataFrame(rows)


def icer_interval(d_cost: np.ndarray, d_kept: np.ndarray, draws: int = 2000) -> tuple[float, float]:
    """A 90% interval of the incremental cost per additional kept job: the ratio of mean
    differences over replications resampled with replacement (a percentile bootstrap
    on a fixed seed, so the same inputs give the same interval). NaN bounds where a
    resample's extra kept jobs are zero or change sign (the ratio is then unbounded)."""
    rng = np.random.default_rng(0)
    n = len(d_cost)
    at = rng.integers(0, n, size=(draws, n))
    cost, kept = d_cost[at].mean(axis=1), d_kept[at].mean(axis=1)
    if np.any(kept == 0) or np.any(np.sign(kept) != np.sign(d_kept.mean())):
        return float("nan"), float("nan")
    lo, hi = np.percentile(cost / kept, [5, 95])
    return float(lo), float(hi)


def acceptability(vfm: ValueForMoney, values: np.ndarray) -> pd.DataFrame:
    """The cost-effectiveness acceptability curve: for each value of a kept job, the
    share of replications in which each scheme has the highest net benefit (ties to the
    first scheme in order). Columns: value, scheme, probability."""
    rows = []
    for v in values:
        best = np.argmax(vfm.net_benefit(float(v)), axis=0)
        for k, s in enumerate(vfm.schemes):
            rows.append({"value": float(v), "scheme": s, "probability": float(np.mean(best == k))})
    return pd.DataFrame(rows)


def evpi(vfm: ValueForMoney, value: float) -> float:
    """The expected value of perfect information at a value of a kept job (USD): the
    mean over replications of the best scheme's net benefit, less the best mean net
    benefit (what knowing which caseload comes would be worth)."""
    nb = vfm.net_benefit(value)
    return float(nb.max(axis=0).mean() - nb.mean(axis=1).max())


def switch_values(vfm: ValueForMoney, low: float, high: float) -> list[tuple[float, str, str]]:
    """Where the scheme with the highest expected net benefit changes as the value of a
    kept job rises from ``low`` to ``high``: (value, from scheme, to scheme) at each
    change, exactly (the upper envelope of the lines value x mean kept - mean paid; ties
    go to the scheme first in order). Empty: the same scheme throughout."""
    names = vfm.schemes
    paid = np.array([vfm.paid[s].mean() for s in names])
    kept = np.array([vfm.kept[s].mean() for s in names])
    best = int(np.argmax(low * kept - paid))
    out, at = [], low
    while True:
        more = kept > kept[best] + 1e-9
        if not more.any():
            return out
        cross = np.where(more, (paid - paid[best]) / np.where(more, kept - kept[best], 1.0), np.inf)
        cross = np.where(cross > at, cross, np.inf)
        nxt = float(cross.min())
        if not np.isfinite(nxt) or nxt > high:
            return out
        # at the crossing, the scheme keeping most jobs among those crossing there
        tied = np.flatnonzero(np.isclose(cross, nxt))
        new = int(tied[np.argmax(kept[tied])])
        out.append((round(nxt, 2), names[best], names[new]))
        best, at = new, nxt


def _own(per, scheme: str, count: str, consumers: int) -> np.ndarray:
    """A count per replication on the scheme's own caseload (with the responses on), else
    on the one caseload every scheme is priced on."""
    own = f"{scheme} | {count}"
    if own in per:
        return per[own].to_numpy(dtype=np.float64)
    return per[f"caseload | {count}_share"].to_numpy() * consumers


def hard_cases(scenario: Scenario) -> dict[str, float]:
    """High-need consumers each scheme accepts (expected): the high-need share of the
    caseload it is priced on (with the responses on, its own) times the consumers."""
    consumers = scenario.caseload.consumers
    return {
        s.name: responded(scenario, s).caseload.need_mix.get("high", 0.0) * consumers
        for s in scenario.schemes
    }


def value_for_money(
    scenario: Scenario, reference: str | None = None, results: Results | None = None
) -> ValueForMoney:
    """Each scheme priced on its own caseload (the responses applied, common random
    numbers) or, with the responses off, all on one: the scenario's ``results`` when
    given (``runner.run`` prices each scheme on its own caseload already), else run here;
    ``reference`` the scheme the others are compared with (default: the scenario's
    first)."""
    if results is None:
        from jobcoach_model.caseloads.runner import run

        results = run(scenario, keep_sample=False)
    per = results.per_replication
    consumers = scenario.caseload.consumers
    paid, kept, stabilized = {}, {}, {}
    for s in scenario.schemes:
        paid[s.name] = per[f"{s.name} | total_paid"].to_numpy(dtype=np.float64)
        kept[s.name] = _own(per, s.name, "retained_90d", consumers)
        stabilized[s.name] = _own(per, s.name, "stabilized", consumers)
    return ValueForMoney(  # every dict in the scenario's order of schemes
        scenario,
        reference or scenario.schemes[0].name,
        paid,
        kept,
        stabilized,
        hard_cases(scenario),
        scenario.value or Value(),
    )


def from_draws(
    draws: Draws, scenario: Scenario, reference: str | None = None
) -> ValueForMoney | None:
    """Value for money over the joint draws of How sure (each draw's scheme totals and
    jobs kept, on its own caseloads), for the acceptability curve and the value of perfect
    information; None when the draws do not carry each scheme's kept jobs (the responses
    off: the same jobs under every scheme, and "cheapest" is the whole answer). With it,
    what knowing each input exactly would be worth to that choice (``evppi``)."""
    kept = draws.kept()
    if kept is None:
        return None
    costs = draws.costs()
    hard = hard_cases(scenario)
    nan = {s: np.full(len(costs), np.nan) for s in draws.schemes}
    value = scenario.value or Value()
    worth = value_of_information(
        draws.table,
        draws.inputs,
        draws.readings,
        costs,
        kept=kept,
        value_per_job=value.per_kept_job,
        groups=reading_groups(draws, []),
    )
    return ValueForMoney(
        scenario,
        reference or draws.schemes[0],
        {s: costs[s].to_numpy(dtype=np.float64) for s in draws.schemes},
        {s: kept[s].to_numpy(dtype=np.float64) for s in draws.schemes},
        nan,  # the draws keep no stabilized jobs
        hard,
        value,
        over="joint draws",
        evppi=worth,
    )
