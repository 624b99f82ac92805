"""Tables and charts that say why schemes differ (the bridge) and how sure the totals are
(interpretations, tornado, Sobol), for the brief, the notebooks and the CLI.

Like ``figures``, everything here is an aggregate over replications.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from jobcoach_model.analysis.sensitivity import MATERIAL, Sensitivity
from jobcoach_model.presentation import glossary
from jobcoach_model.presentation.figures import axes, usd

UP, DOWN, TOTAL = "#55A868", "#C44E52", "#4C72B0"


def _interval(mean: float, p05: float, p95: float) -> str:
    return f"{usd(mean)} ({usd(p05)} to {usd(p95)})"


def bridge_steps(table: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """The bridge's steps for display: the ``top`` largest (by mean) in bridge order, the
    rest summed into one "other steps" row, between the two totals."""
    totals = table[table["rule_id"] == ""]
    steps = table[table["rule_id"] != ""]
    keep = steps["mean"].abs().sort_values(ascending=False, kind="stable").index[:top]
    shown = steps.loc[sorted(keep)]
    rest = steps.drop(index=keep)
    parts = [totals.iloc[[0]], shown]
    if len(rest):
        rules = list(dict.fromkeys(rest["rule_id"]))  # a rule may take several steps
        other = {
            "step": "other",
            "rule_id": f"{len(rest)} other steps",
            "statement": ", ".join(rules),
            "mean": round(float(rest["mean"].sum()), 2),
            "p05": np.nan,
            "p95": np.nan,
        }
        parts.append(pd.DataFrame([other]))
    parts.append(totals.iloc[[-1]])
    return pd.concat(parts, ignore_index=True)


def bridge_table(table: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """The bridge as a readable table: step, rule, what the rule says, mean change with
    its 90% interval over replications."""
    rows = []
    for r in bridge_steps(table, top).itertuples():
        is_total = r.rule_id == ""
        rows.append(
            {
                "Step": r.step.replace("total: ", "Total, ") if is_total else r.step,
                "Rule": glossary.rule_label(r.rule_id),
                "What the rule says": (
                    glossary.rule_label(r.statement.replace(", ", ";"))
                    if r.step == "other"
                    else r.statement
                ),
                "Change (90% interval)": (
                    _interval(r.mean, r.p05, r.p95) if not pd.isna(r.p05) else usd(r.mean)
                )
                if not is_total
                else _interval(r.mean, r.p05, r.p95),
            }
        )
    return pd.DataFrame(rows)


def plot_bridge(table: pd.DataFrame, ax: Axes | None = None, top: int = 10) -> Axes:
    """A waterfall from one scheme's total to another's, one bar per rule step."""
    ax = axes(ax, (9, 5))
    shown = bridge_steps(table, top)
    y = np.arange(len(shown))
    running = 0.0
    for i, r in enumerate(shown.itertuples()):
        if r.rule_id == "":
            ax.barh(i, r.mean / 1e3, color=TOTAL)
            running = r.mean
            label = r.step.removeprefix("total: ")
        else:
            ax.barh(i, r.mean / 1e3, left=running / 1e3, color=UP if r.mean >= 0 else DOWN)
            running += r.mean
            label = glossary.rule_label(r.rule_id)
        ax.text(
            max(running, running - r.mean if r.rule_id else running) / 1e3,
            i,
            f" {'+' if r.mean > 0 and r.rule_id else ''}{usd(r.mean)}",
            va="center",
            fontsize=7,
        )
        shown.loc[i, "label"] = label
    ax.set_yticks(y, shown["label"], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("Thousand USD (mean over replications)")
    first, last = shown["step"].iloc[0], shown["step"].iloc[-1]
    ax.set_title(
        f"Why {last.removeprefix('total: ')} differs from {first.removeprefix('total: ')}",
        fontsize=10,
    )
    ax.margins(x=0.15)
    return ax


def interpretation_table(sens: Sensitivity, threshold: float = MATERIAL) -> pd.DataFrame:
    """Each interpretation's other options: the total they give each scheme and the change
    against the default reading, flagged where it is ``threshold`` or more."""
    t = sens.interpretations[~sens.interpretations["default"]]
    rows = []
    for r in t.itertuples():
        share = r.delta / r.default_mean if r.default_mean else 0.0
        if r.delta == 0:
            continue
        rows.append(
            {
                "Question the sources leave open": glossary.label(f"{r.rules}.{r.interpretation}"),
                "Other reading": glossary.option_label(r.rules, r.interpretation, r.option),
                "Scheme": r.scheme,
                "Total under it (90% interval)": _interval(r.mean, r.p05, r.p95),
                "Change vs default": f"{'+' if r.delta > 0 else ''}{usd(r.delta)} ({share:+.1%})",
                f"Moves >= {threshold:.0%}": "yes" if abs(share) >= threshold else "",
            }
        )
    return pd.DataFrame(rows)


def overturn_sentences(sens: Sensitivity, threshold: float = MATERIAL) -> list[str]:
    """One sentence per material reading: which interpretation (by id), how far it moves a
    total, and which finding it could overturn."""
    out = []
    base_top = sens.base["mean"].idxmax()
    for r in sens.overturns(threshold).itertuples():
        text = (
            f"Reading {glossary.option(r.rules, r.interpretation, r.option)} moves a total "
            f"by up to {r.largest_move:.0%}"
        )
        if r.flips:
            text += f"; it reverses the order {r.flips}"
            if r.most_expensive != base_top:
                text += f", and {r.most_expensive} becomes the most expensive scheme"
        else:
            text += "; the order of the schemes stays the same"
        out.append(text + ".")
    return out


def plot_interpretations(sens: Sensitivity, ax: Axes | None = None) -> Axes:
    """Change in each scheme's total under each other reading, as a share of the default."""
    t = sens.interpretations[
        ~sens.interpretations["default"] & (sens.interpretations["delta"] != 0)
    ]
    ax = axes(ax, (9, max(3.0, 0.28 * len(t) + 1)))
    labels = [
        f"{glossary.option(r.rules, r.interpretation, r.option)} | {r.scheme}"
        for r in t.itertuples()
    ]
    share = np.where(t["default_mean"] != 0, t["delta"] / t["default_mean"], 0) * 100
    y = np.arange(len(t))
    ax.barh(y, share, color=np.where(share >= 0, UP, DOWN))
    ax.axvline(MATERIAL * 100, color="grey", ls="--", lw=0.8)
    ax.axvline(-MATERIAL * 100, color="grey", ls="--", lw=0.8)
    ax.set_yticks(y, labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel(f"Change in total paid vs the default reading (%); dashed: +/-{MATERIAL:.0%}")
    ax.set_title(
        "Readings of the sources: how much each other reading moves each total", fontsize=10
    )
    return ax


def plot_tornado(
    sens: Sensitivity, schemes: list[str] | None = None, top: int = 10, axes=None
) -> list[Axes]:
    """One tornado per scheme: each input swung over its range, one at a time, largest
    swing first; bars run from the total at the low end to the total at the high end."""
    t = sens.tornado
    schemes = schemes or [s.name for s in sens.scenario.schemes][:2]
    if axes is None:
        _, axes = plt.subplots(1, len(schemes), figsize=(6 * len(schemes), 0.35 * top + 1.5))
    axes = list(np.atleast_1d(axes))
    for ax, scheme in zip(axes, schemes, strict=True):
        d = t[t["scheme"] == scheme].copy()
        d = d.reindex(d["swing"].abs().sort_values(ascending=False, kind="stable").index)[:top]
        base = d["total_base"].iloc[0] if len(d) else 0.0
        y = np.arange(len(d))
        ax.barh(y, (d["total_low"] - base) / 1e3, left=base / 1e3, color="#4C72B0", label="low")
        ax.barh(y, (d["total_high"] - base) / 1e3, left=base / 1e3, color="#DD8452", label="high")
        ax.axvline(base / 1e3, color="black", lw=0.8)
        labels = [f"{glossary.input_label(r.input)} ({_range(r)})" for r in d.itertuples()]
        ax.set_yticks(y, labels, fontsize=7)
        ax.invert_yaxis()
        ax.set_xlabel("Total paid (thousand USD)")
        ax.set_title(f"{scheme}: one input at a time", fontsize=10)
        ax.legend(fontsize=7, loc="lower right")
    return axes


def _range(r) -> str:
    """An input's range; a per-need input's as factors on every level."""
    if r.per_need_factor:
        return f"x{r.low:g} to x{r.high:g} on each level of need"
    return f"{r.low:g} to {r.high:g}"


def _now(r) -> str:
    return "x1, the scenario's levels" if r.per_need_factor else f"{r.value:g}"


def tornado_table(sens: Sensitivity, top: int = 10) -> pd.DataFrame:
    """The inputs that move the totals most: range, swing per scheme, and the source of
    the range."""
    t = sens.tornado
    order = list(dict.fromkeys(t["input"]))[:top]
    wide = t.pivot(index="input", columns="scheme", values="swing").loc[order]
    info = t.drop_duplicates("input").set_index("input").loc[order]
    out = pd.DataFrame(
        {
            "Input": [glossary.input_label(i) for i in order],
            "Range": [f"{_range(r)} (now {_now(r)})" for r in info.itertuples()],
        }
    )
    for scheme in wide.columns:
        out[f"Swing: {scheme}"] = [usd(v) for v in wide[scheme]]
    out["Range from"] = info["source"].to_numpy()
    return out


def gains_table(b, threshold: int = 10) -> pd.DataFrame:
    """Who gains and who loses when ``b.target`` replaces ``b.source``: by provider size
    band, the providers gaining or losing more than 5% and the median provider's change,
    means over replications with 90% intervals; a band serving fewer consumers than the
    threshold (mean per replication) is suppressed."""
    from jobcoach_model.analysis.gains import gains_by_band
    from jobcoach_model.presentation.figures import SUPPRESSED

    table = gains_by_band(b.provider_from, b.provider_to, b.provider_consumers)

    def count(r, name: str) -> str:
        return f"{r[name]:.1f} ({r[f'{name}_p05']:.0f} to {r[f'{name}_p95']:.0f})"

    rows = []
    for _, r in table.iterrows():
        small = threshold and r["consumers"] < threshold
        hidden = SUPPRESSED.format(n=threshold)
        rows.append(
            {
                "Providers by size": r["band"],
                "Providers (average per simulated caseload)": f"{r['providers']:.1f}",
                "Gaining over 5% (average, 90% interval)": hidden
                if small
                else count(r, "gain_over_5pct"),
                "Losing over 5% (average, 90% interval)": hidden
                if small
                else count(r, "lose_over_5pct"),
                "Median change": hidden
                if small
                else _interval(r["median_change"], r["median_change_p05"], r["median_change_p95"]),
                "Total change": hidden
                if small
                else _interval(r["total_change"], r["total_change_p05"], r["total_change_p95"]),
            }
        )
    return pd.DataFrame(rows)


def unpaid_hours_table(b, threshold: int = 10) -> pd.DataFrame:
    """Consumers whose coaching hours are paid under one scheme and unpaid under the
    other (per-line pairs), means over replications with 90% intervals."""
    from jobcoach_model.presentation.figures import SUPPRESSED

    if b.unpaid_hours is None:
        return pd.DataFrame(columns=["Paid under", "Unpaid under", "Consumers", "Hours"])
    rows = []
    for key, one, other in (("a_only", b.source, b.target), ("b_only", b.target, b.source)):
        consumers, hours = b.unpaid_hours[key]
        c05, c95 = np.percentile(consumers, [5, 95])
        h05, h95 = np.percentile(hours, [5, 95])
        small = threshold and consumers.mean() < threshold
        rows.append(
            {
                "Paid under": one,
                "Unpaid under": other,
                "Consumers": SUPPRESSED.format(n=threshold)
                if small
                else f"{consumers.mean():,.1f} ({c05:,.0f} to {c95:,.0f})",
                "Hours": SUPPRESSED.format(n=threshold)
                if small
                else f"{hours.mean():,.0f} ({h05:,.0f} to {h95:,.0f})",
            }
        )
    return pd.DataFrame(rows)
