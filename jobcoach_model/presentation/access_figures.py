"""Providers' costs and access in the brief: what a billable hour costs a provider (the
build-up, step by step, each with its source), and under each scheme the share of
providers paid below that cost, the consumers they serve, the typical margin and the
rise in payments that would bring enough providers to break even.

Words come from the glossary (``measure:`` entries named as ``access.csv``'s columns)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from jobcoach_model.analysis.access import Access
from jobcoach_model.base.money import usd
from jobcoach_model.caseloads.costs import build_up
from jobcoach_model.caseloads.scenario import Costs, cost_notes
from jobcoach_model.presentation import glossary
from jobcoach_model.presentation.figures import axes

#: the build-up's steps and the inputs whose sources they rest on
STEP_SOURCES = (
    ("wage",),
    ("workforce_factor",),
    ("benefits_and_taxes", "leave_and_training"),
    ("supervision",),
    ("billable_share",),
    ("miles_per_billable_hour", "mileage_rate"),
    ("overhead",),
)


def _share(mean: float, lo: float, hi: float) -> str:
    return f"{mean:.0%} ({lo:.0%} to {hi:.0%})"


def build_up_table(costs: Costs) -> pd.DataFrame:
    """The typical provider's cost of a billable hour, step by step, each step's value
    and the source of what it adds."""
    notes = cost_notes()
    rows = []
    for (label, value), names in zip(build_up(costs).steps, STEP_SOURCES, strict=True):
        parts = [
            f"{glossary.label(f'costs.{n}')} {getattr(costs, n):g}: {notes[f'costs.{n}']}"
            for n in names
        ]
        rows.append(
            {
                "Step": label,
                "USD per billable hour": usd(value, cents=True),
                "Rests on": "; ".join(parts),
            }
        )
    return pd.DataFrame(rows)


def access_table(access: Access) -> pd.DataFrame:
    """Per scheme, in plain words: paid per hour of coaching given, providers paid below
    cost and the consumers they serve (each with its 90% interval over replications), the
    typical margin, and the rise in payments for enough providers to break even."""
    share = access.scenario.costs.break_even_share
    rows = []
    for r in access.table.itertuples():
        rise = "never" if r.break_even_rise == float("inf") else f"{r.break_even_rise:+.0%}"
        rows.append(
            {
                "Scheme": r.scheme,
                glossary.label("measure:paid_per_coach_hour"): usd(
                    r.paid_per_coach_hour, cents=True
                ),
                glossary.label("measure:below_cost_share"): _share(
                    r.below_cost_share, r.below_cost_p05, r.below_cost_p95
                ),
                glossary.label("measure:consumers_at_risk_share"): _share(
                    r.consumers_at_risk_share, r.consumers_at_risk_p05, r.consumers_at_risk_p95
                ),
                glossary.label("measure:median_margin"): usd(r.median_margin),
                f"Rise in payments for {share:.0%} of providers to break even": rise,
                f"Paid per hour for {share:.0%} to break even": usd(
                    r.break_even_per_coach_hour, cents=True
                )
                if r.break_even_rise != float("inf")
                else "",
            }
        )
        if access.scenario.responses is not None:  # providers respond: who loses one
            rows[-1][glossary.label("measure:losing_provider_share")] = _share(
                r.losing_provider_share, r.losing_provider_p05, r.losing_provider_p95
            )
    return pd.DataFrame(rows)


def access_sentence(access: Access) -> str:
    """One sentence for the brief's opening: the cost of a billable hour, and the schemes
    paying most and fewest providers below it, with the consumers at risk."""
    t = access.table.sort_values("below_cost_share", kind="stable")
    best, worst = t.iloc[0], t.iloc[-1]
    cost = build_up(access.scenario.costs).cost
    text = (
        f"At a typical provider's cost of {usd(cost, cents=True)} a billable hour "
        f"(an assumption built from other payers' published rate factors), "
        f"{worst.scheme} pays {worst.below_cost_share:.0%} of providers below cost "
        f"(90% interval {worst.below_cost_p05:.0%} to {worst.below_cost_p95:.0%}), who serve "
        f"{worst.consumers_at_risk_share:.0%} of consumers"
    )
    if access.scenario.responses is not None:
        text += (
            f"; with providers taking fewer consumers the further they are paid below cost, "
            f"{worst.losing_provider_share:.0%} of consumers would lose their provider (an "
            "estimate by analogy with doctors' Medicaid participation)"
        )
    if best.scheme != worst.scheme:
        text += (
            f"; {best.scheme} pays the fewest below cost, {best.below_cost_share:.0%} "
            f"(serving {best.consumers_at_risk_share:.0%} of consumers"
            + (
                f", {best.losing_provider_share:.0%} losing their provider)"
                if access.scenario.responses is not None
                else ")"
            )
        )
    return text + "."


def access_intro(access: Access) -> str:
    """The section's first paragraph: what is counted, and what it is not (a forecast of
    exits)."""
    share = access.scenario.costs.break_even_share
    return (
        "<p>Each provider's money under a scheme (paid, or pending until its condition comes) "
        "against the cost of the coaching hours it gave, paid or not, at its own cost of a "
        "billable hour (drawn around the build-up below). A provider paid below cost is at "
        "risk of leaving or of turning consumers away; the consumers it serves are the access "
        "at risk. No study has measured providers leaving after a VR rate change, so these "
        f"are shares at risk, not a forecast. The next columns say how much every payment "
        f"would have to rise for {share:.0%} of providers to cover their cost."
        + (
            " With providers' responses on, the last column is an estimate of who would lose "
            "their provider: a provider paid below cost keeps taking consumers in proportion "
            "to its money over its cost raised to the participation assumption (from doctors' "
            "Medicaid participation, another sector). It is counted, not fed back into the "
            "totals."
            if access.scenario.responses is not None
            else ""
        )
        + "</p>"
    )


def below_cost_curve(access: Access, rises: np.ndarray) -> pd.DataFrame:
    """For each scheme and each rise in every payment (0.1: 10% more), the share of
    providers serving anyone who would still be paid below cost, pooled over
    replications: the curve the break-even rise is read from."""
    rows = []
    for scheme, paid in access.revenue.items():
        served = access.consumers[scheme] > 0
        cost = access.cost(scheme)[served]
        p = paid[served]
        for rise in rises:
            rows.append(
                {
                    "scheme": scheme,
                    "rise": float(rise),
                    "below_cost_share": float(np.mean(p * (1 + rise) < cost)),
                }
            )
    return pd.DataFrame(rows)


def plot_below_cost(access: Access, ax: Axes | None = None) -> Axes:
    """The share of providers paid below cost as every payment rises, one line a scheme,
    with the break-even share marked."""
    ax = axes(ax, (8, 4.5))
    curve = below_cost_curve(access, np.linspace(0, 1.5, 61))
    for scheme, part in curve.groupby("scheme", sort=False):
        ax.plot(part["rise"] * 100, part["below_cost_share"] * 100, label=scheme)
    target = 1 - access.scenario.costs.break_even_share
    ax.axhline(target * 100, color="grey", linestyle=":", linewidth=1)
    ax.text(150, target * 100, f" {target:.0%} below cost", va="bottom", ha="right", fontsize=8)
    ax.set_xlabel("Rise in every payment (%)")
    ax.set_ylabel("Providers paid below cost (%)")
    ax.set_ylim(0, 102)
    ax.set_title("How many providers each scheme pays below cost, as payments rise")
    ax.legend(fontsize=8)
    return ax


def plot_margins(access: Access, ax: Axes | None = None) -> Axes:
    """Each provider's margin over the horizon (average over the replications it served
    in), one box a scheme; below the zero line a provider is paid below cost."""
    ax = axes(ax, (8, 4.5))
    per = access.providers()
    names = list(access.revenue)
    ax.boxplot([per.loc[per["scheme"] == n, "margin"] / 1e3 for n in names], vert=False)
    ax.set_yticks(range(1, len(names) + 1), names, fontsize=8)
    ax.axvline(0, color="grey", linewidth=1)
    ax.set_xlabel(
        "Margin per provider over the horizon (thousand USD; average over simulated caseloads)"
    )
    ax.set_title("Providers' margins under each scheme")
    return ax
