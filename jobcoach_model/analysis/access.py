"""Providers' margins under each scheme, and the access at risk when a scheme pays
providers below their cost: per provider and replication, the money a scheme pays it
(hourly and outcome payments alike; paid or pending, ``earned``), the cost of the
coaching hours it gave (its cost of a billable hour, ``caseloads.costs.provider_costs``,
times its coach hours), and the margin between them.

Why: a scheme that pays less than a provider's cost of delivering the service saves
money on paper and risks the providers who serve the caseload ("sufficient to enlist
enough providers", Social Security Act 1902(a)(30)(A), ``published_figures.md``). The
consumers a below-cost provider serves are the access at risk. No study measured
provider exits after a VR rate change (the same file), so this is a share at risk, not
a forecast of exits.

With the scenario's responses on, providers respond to being paid below cost as well: a
provider keeps taking consumers in proportion to (its money / its cost) ** participation
(``Responses.participation``, an analogy from physicians' Medicaid participation), and
the consumers it no longer takes are those losing their provider. Interpretation: this
is counted, not fed back; the alternative (those consumers' coaching and jobs removed
from each scheme's caseload, and the margins computed again) needs a where-they-go rule
no source gives. The bounds are the access at risk (every provider paid below cost
leaving) and none.

Coach hours are the hours of coaching given, billed or not, paid or denied: a group
session's hour is one hour of the coach's time however many workers share it (each
worker's line carries the session, so each line counts ``hours / group_size``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from jobcoach_model.caseloads.costs import provider_costs
from jobcoach_model.caseloads.pricing import price
from jobcoach_model.caseloads.responses import response_groups
from jobcoach_model.caseloads.results import mean_interval
from jobcoach_model.caseloads.runner import Kept, caseload_chunks
from jobcoach_model.caseloads.scenario import Scenario
from jobcoach_model.engine.adjudication import HELD, PAID

#: the columns of ``Access.table``, one row per scheme
COLUMNS = (
    "scheme",
    "paid_per_coach_hour",
    "below_cost_share",
    "below_cost_p05",
    "below_cost_p95",
    "consumers_at_risk_share",
    "consumers_at_risk_p05",
    "consumers_at_risk_p95",
    "median_margin",
    "break_even_rise",
    "break_even_per_coach_hour",
    "losing_provider_share",
    "losing_provider_p05",
    "losing_provider_p95",
)


@dataclass(frozen=True)
class Access:
    """Providers' money, cost and margin under each scheme, replications x providers
    (each scheme's own caseload when the scenario's responses are on, else one caseload
    under every scheme), and the summary table (``COLUMNS``)."""

    scenario: Scenario
    cost_per_hour: np.ndarray  # USD per billable hour, replications x providers
    hours: dict[str, np.ndarray]  # scheme -> coach hours given, replications x providers
    consumers: dict[str, np.ndarray]  # scheme -> consumers served, replications x providers
    revenue: dict[str, np.ndarray]  # scheme -> USD earned, replications x providers
    table: pd.DataFrame

    def cost(self, scheme: str) -> np.ndarray:
        """Each provider's cost of the coaching it gave under a scheme (USD),
        replications x providers."""
        return self.cost_per_hour * self.hours[scheme]

    def providers(self) -> pd.DataFrame:
        """Per provider (by its number) and scheme, averaged over the replications in
        which it served anyone: consumers, coach hours, money earned, cost and margin."""
        rows = []
        for scheme, paid in self.revenue.items():
            consumers, hours = self.consumers[scheme], self.hours[scheme]
            served = consumers > 0
            n = np.maximum(served.sum(axis=0), 1)
            cost = np.where(served, self.cost(scheme), 0.0)
            paid = np.where(served, paid, 0.0)
            for p in range(hours.shape[1]):
                rows.append(
                    {
                        "scheme": scheme,
                        "provider": p + 1,
                        "consumers": round(float(consumers[:, p].sum() / n[p]), 2),
                        "coach_hours": round(float(hours[:, p].sum() / n[p]), 2),
                        "paid": round(float(paid[:, p].sum() / n[p]), 2),
                        "cost": round(float(cost[:, p].sum() / n[p]), 2),
                        "margin": round(float((paid[:, p] - cost[:, p]).sum() / n[p]), 2),
                    }
                )
        return pd.DataFrame(rows)


def earned(money) -> np.ndarray:
    """Which money items a provider earns: paid, or held pending a condition that will
    still come (a report, a stable job). Interpretation: a provider prices its service on
    what it will be paid, so pending money counts and money never released does not; the
    alternative (paid within the horizon only) lowers every scheme's margin, most where
    payment waits on job stabilization."""
    pending = money.status == HELD
    if money.never is not None:
        pending &= ~money.never
    return (money.status == PAID) | pending


def break_even_rise(paid: np.ndarray, cost: np.ndarray, served: np.ndarray, share: float) -> float:
    """The rise in every payment (a share: 0.1 is 10% more) at which ``share`` of the
    providers serving anyone break even, pooled over replications; 0 when they already
    do, ``inf`` when too many are paid nothing to reach it."""
    need = np.where(paid > 0, cost / np.where(paid > 0, paid, 1.0), np.inf)[served]
    if not len(need):
        return float("nan")
    factor = float(np.quantile(need, share, method="inverted_cdf"))
    return max(factor - 1.0, 0.0) if np.isfinite(factor) else float("inf")


def losing_provider(
    paid: np.ndarray, cost: np.ndarray, consumers: np.ndarray, participation: float
) -> np.ndarray:
    """Per replication, the share of consumers whose provider no longer takes them: each
    provider paid below cost keeps ``(paid / cost) ** participation`` of its consumers
    (all of them at or above cost; none when it is paid nothing and participation > 0)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(cost > 0, np.clip(paid / np.where(cost > 0, cost, 1.0), 0.0, 1.0), 1.0)
        kept = np.where(ratio > 0, ratio**participation, 0.0 if participation > 0 else 1.0)
    lost = (consumers * (1.0 - kept)).sum(axis=1)
    return lost / np.maximum(consumers.sum(axis=1), 1)


def provider_access(scenario: Scenario, simulated: Kept | None = None) -> Access:
    """Every scheme's payments to each provider against its cost, on the scenario's
    simulated caseload (``simulated`` when the run already has it, common to every
    scheme), or with the scenario's responses on, on each scheme's own caseload
    (``caseloads.responses``). The scenario must have a ``costs:`` section."""
    costs = scenario.costs
    if costs is None:
        raise ValueError("provider_access: the scenario has no costs: section")
    R = scenario.simulation.replications
    P = scenario.caseload.coaches.providers
    days = scenario.outcomes.assessment_report_days
    names = [s.name for s in scenario.schemes]
    hours = {n: np.zeros(R * P) for n in names}
    consumers = {n: np.zeros(R * P) for n in names}
    revenue = {n: np.zeros(R * P) for n in names}
    for group, schemes in response_groups(scenario):
        for cl in caseload_chunks(scenario, group, schemes, simulated):
            lines = cl.lines()
            provider = np.asarray(cl.outcomes["provider"], dtype=np.int64)
            served = np.bincount(cl.reps * P + provider, minlength=R * P)
            size = np.maximum(np.asarray(lines.line("group_size"), dtype=np.float64), 1.0)
            given = np.asarray(lines.line("hours"), dtype=np.float64) / size
            where = cl.line_reps() * P + provider[lines.case_idx]
            given = np.bincount(where, weights=given, minlength=R * P)
            for scheme in schemes:
                consumers[scheme.name] += served
                hours[scheme.name] += given
                money = price(cl, scheme, days, lines)
                paid = earned(money)
                at = money.rep[paid] * P + provider[money.case[paid]]
                revenue[scheme.name] += np.bincount(at, weights=money.amount[paid], minlength=R * P)
    shape = (R, P)
    hours = {k: v.reshape(shape) for k, v in hours.items()}
    consumers = {k: v.reshape(shape) for k, v in consumers.items()}
    revenue = {k: v.reshape(shape) for k, v in revenue.items()}
    cost_per_hour = provider_costs(costs, R, P, scenario.simulation.seed)
    rows = []
    for name, paid in revenue.items():
        cost = cost_per_hour * hours[name]
        served = consumers[name] > 0
        below = (paid < cost) & served
        with np.errstate(invalid="ignore", divide="ignore"):
            share = below.sum(axis=1) / np.maximum(served.sum(axis=1), 1)
            at_risk = (consumers[name] * below).sum(axis=1) / np.maximum(
                consumers[name].sum(axis=1), 1
            )
        given = hours[name].sum()
        per_hour = float(paid.sum() / given) if given else float("nan")
        rise = break_even_rise(paid, cost, served, costs.break_even_share)
        b, r = mean_interval(share), mean_interval(at_risk)
        lost = (
            mean_interval(
                losing_provider(paid, cost, consumers[name], scenario.responses.participation)
            )
            if scenario.responses is not None
            else (np.nan, np.nan, np.nan)
        )
        rows.append(
            {
                "scheme": name,
                "paid_per_coach_hour": round(per_hour, 2),
                "below_cost_share": round(b[0], 4),
                "below_cost_p05": round(b[1], 4),
                "below_cost_p95": round(b[2], 4),
                "consumers_at_risk_share": round(r[0], 4),
                "consumers_at_risk_p05": round(r[1], 4),
                "consumers_at_risk_p95": round(r[2], 4),
                "median_margin": round(float(np.median((paid - cost)[served])), 2),
                "break_even_rise": round(rise, 4),
                "break_even_per_coach_hour": round(per_hour * (1 + rise), 2),
                "losing_provider_share": round(lost[0], 4),
                "losing_provider_p05": round(lost[1], 4),
                "losing_provider_p95": round(lost[2], 4),
            }
        )
    return Access(
        scenario, cost_per_hour, hours, consumers, revenue, pd.DataFrame(rows, columns=COLUMNS)
    )
