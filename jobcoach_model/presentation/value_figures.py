"""Value for money in the brief: each scheme's cost per job kept 90 days and per
stabilized job, the cost of one more kept job against the reference scheme, net benefit
at the value of a kept job, and the acceptability curve; or, when the schemes keep the
same jobs, the sentence that "cheapest" is the whole answer. Words from the glossary."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from jobcoach_model.analysis.uncertainty import Analysis
from jobcoach_model.analysis.value import ValueForMoney, acceptability, evpi, switch_values
from jobcoach_model.base.money import usd
from jobcoach_model.presentation import glossary, likely_figures
from jobcoach_model.presentation.figures import axes

#: the acceptability curve's points
CURVE_POINTS = 81


def _incremental(r) -> str:
    """The cost of one more kept job in words: a figure with its interval, or which of
    cheaper and more jobs holds when the ratio would mislead."""
    if np.isnan(r.icer):
        return "" if abs(r.extra_kept) < 0.5 else "unbounded"
    if r.extra_cost <= 0 and r.extra_kept > 0:
        return "dominates (cheaper, and more jobs kept)"
    if r.extra_cost >= 0 and r.extra_kept < 0:
        return "dominated (dearer, and fewer jobs kept)"
    interval = (
        f" ({usd(r.icer_p05)} to {usd(r.icer_p95)})"
        if not np.isnan(r.icer_p05)
        else " (interval unbounded)"
    )
    if r.extra_kept < 0:  # cheaper and fewer jobs: what each job fewer saves
        return f"saves {usd(r.icer)} per job fewer kept{interval}"
    return usd(r.icer) + interval


def value_table(vfm: ValueForMoney) -> pd.DataFrame:
    """Per scheme, in plain words (means over the simulated caseloads)."""
    t = vfm.table()
    label = lambda m: glossary.label(f"measure:{m}")  # noqa: E731
    out = pd.DataFrame(
        {
            "Scheme": t["scheme"],
            label("hard_cases"): t["hard_cases"].map(lambda v: f"{v:,.0f}"),
            label("kept_90d"): t["kept_90d"].map(lambda v: f"{v:,.1f}"),
            label("total_paid"): t["total_paid"].map(usd),
            label("cost_per_kept_job"): t["cost_per_kept_job"].map(usd),
            label("cost_per_stabilized_job"): t["cost_per_stabilized_job"].map(usd),
            f"{label('extra_kept')} than {vfm.reference}": t["extra_kept"].map(
                lambda v: f"{v:+,.1f}"
            ),
            f"{label('icer')} (90% interval)": [_incremental(r) for r in t.itertuples()],
            f"{label('net_benefit')} at {usd(vfm.value.per_kept_job)} a kept job": t[
                "net_benefit"
            ].map(usd),
        }
    )
    return out


def worth_table(drawn: ValueForMoney, likely: Analysis, top: int = 8) -> pd.DataFrame:
    """What knowing each input, reading or response exactly would be worth to the best
    buy at the value of a kept job (over the joint draws), in How sure's words."""
    return likely_figures.worth_table(replace(likely, evppi=drawn.evppi), top)


def curve(vfm: ValueForMoney) -> pd.DataFrame:
    """The acceptability curve over the scenario's range of values of a kept job."""
    return acceptability(vfm, np.linspace(vfm.value.low, vfm.value.high, CURVE_POINTS))


def plot_acceptability(vfm: ValueForMoney, ax: Axes | None = None) -> Axes:
    """How likely each scheme is the best buy (highest net benefit) as the value of a kept
    job rises, over ``vfm``'s simulated caseloads or joint draws; the chosen value
    marked."""
    ax = axes(ax, (8, 4.5))
    c = curve(vfm)
    for scheme, part in c.groupby("scheme", sort=False):
        ax.plot(part["value"] / 1e3, part["probability"] * 100, label=scheme)
    ax.axvline(vfm.value.per_kept_job / 1e3, color="grey", linestyle=":", linewidth=1)
    ax.set_xlabel("What a job kept 90 days is worth to the agency (thousand USD)")
    ax.set_ylabel(f"Best buy in this share of {vfm.over} (%)")
    ax.set_ylim(-2, 102)
    ax.set_title("How likely each scheme is the best buy (acceptability curve)")
    ax.legend(fontsize=8)
    return ax


def value_sentence(vfm: ValueForMoney, drawn: ValueForMoney | None = None) -> str:
    """One or two sentences for the brief's opening: cost per job kept under each scheme
    (the scenario as given), and either that the cheapest is the best buy (the same jobs
    kept) or which scheme is best at the chosen value, how likely (over ``drawn``, the
    joint draws of every assumption, when given; else over the simulated caseloads),
    where that changes and what perfect information would be worth."""
    t = vfm.table().set_index("scheme")
    per = "; ".join(f"{s} {usd(t.loc[s, 'cost_per_kept_job'])}" for s in vfm.schemes)
    if not vfm.outcomes_differ:
        return (
            f"Cost per job kept 90 days: {per}. Every scheme keeps the same jobs (one "
            "caseload under each), so the cheapest scheme is the best buy whatever a kept "
            "job is worth."
        )
    v = vfm.value.per_kept_job
    best = str(t["net_benefit"].idxmax())
    spread = drawn if drawn is not None else vfm
    at = acceptability(spread, np.array([v]))
    share = float(at.loc[at["scheme"] == best, "probability"].iloc[0])
    text = (
        "With providers responding to how they are paid (each scheme on its own caseload), "
        f"cost per job kept 90 days: {per}. {best} is the best buy at {usd(v)} a kept job "
        f"(in {share:.0%} of {spread.over})"
    )
    switches = switch_values(vfm, vfm.value.low, vfm.value.high)
    if switches:
        parts = [f"{usd(x)} ({a} to {b})" for x, a, b in switches]
        text += "; the best buy changes at " + ", ".join(parts)
    worth = evpi(spread, v)
    what = (
        "knowing every assumption and reading exactly"
        if drawn is not None
        else "knowing which caseload comes"
    )
    text += f"; {what} would be worth {usd(worth)} at that value."
    return text
