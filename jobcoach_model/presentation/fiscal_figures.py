"""The fiscal note's tables, chart and sentences, for the cost brief, the fiscal-note
notebook and the explorer: money per state fiscal year by service date and by payment
date, pending and never-released money, and each reform against its baseline, every
figure a mean over replications with its 90% interval."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from jobcoach_model.base.money import usd
from jobcoach_model.caseloads.fiscal import window_label
from jobcoach_model.caseloads.results import Results


def _cell(row: pd.Series | None) -> str:
    if row is None:
        return usd(0)
    if row["p05"] == row["p95"]:
        return usd(row["mean"])
    return f"{usd(row['mean'])} ({usd(row['p05'])} to {usd(row['p95'])})"


def _pick(f: pd.DataFrame, scheme: str, year: str, basis: str, metric: str) -> pd.Series | None:
    sel = f[
        (f["scheme"] == scheme)
        & (f["fiscal_year"] == year)
        & (f["basis"] == basis)
        & (f["metric"] == metric)
    ]
    return sel.iloc[0] if len(sel) else None


def fiscal_note_table(results: Results) -> pd.DataFrame:
    """One row per scheme and fiscal year: what the year's services cost (paid by service
    date), what the year's budget pays (cash), and held money by service year: pending
    and never released. Means with 90% intervals."""
    f = results.fiscal_years
    rows = []
    for scheme in (s.name for s in results.scenario.schemes):
        years = f.loc[f["scheme"] == scheme, "fiscal_year"].drop_duplicates()
        for year in sorted(years, key=lambda y: int(y[2:])):
            rows.append(
                {
                    "Scheme": scheme,
                    "Fiscal year": year,
                    "Services given in the year": _cell(
                        _pick(f, scheme, year, "service", "total_paid")
                    ),
                    "Paid in the year (cash)": _cell(_pick(f, scheme, year, "cash", "total_paid")),
                    "Pending at the end": _cell(_pick(f, scheme, year, "service", "pending")),
                    "Never released": _cell(_pick(f, scheme, year, "service", "never_released")),
                }
            )
    return pd.DataFrame(rows)


def fiscal_summary(results: Results, basis: str = "cash") -> pd.DataFrame:
    """A scheme per row and a fiscal year per column: the mean paid (the explorer's
    compact fiscal note; a reform's cost against its baseline as a row of its own)."""
    f = results.fiscal_years
    paid = f[(f["basis"] == basis) & f["metric"].isin(["total_paid", "cost_vs_baseline"])]
    years = sorted(paid["fiscal_year"].drop_duplicates(), key=lambda y: int(y[2:]))
    rows = []
    for (scheme, metric), part in paid.groupby(["scheme", "metric"], sort=False):
        label = scheme if metric == "total_paid" else f"{scheme}: cost against its baseline"
        means = part.set_index("fiscal_year")["mean"]
        rows.append({"Scheme": label, **{y: usd(means.get(y, 0.0)) for y in years}})
    return pd.DataFrame(rows)


def reform_table(results: Results) -> pd.DataFrame:
    """Each reform's cost against its baseline per fiscal year, by service date and by
    payment date (means with 90% intervals over replications)."""
    f = results.fiscal_years
    cost = f[f["metric"] == "cost_vs_baseline"]
    bases = dict(results.scenario.reforms())
    rows = []
    for reform in cost["scheme"].drop_duplicates():
        years = cost.loc[cost["scheme"] == reform, "fiscal_year"].drop_duplicates()
        for year in sorted(years, key=lambda y: int(y[2:])):
            rows.append(
                {
                    "Reform": reform,
                    "Against": bases[reform],
                    "Fiscal year": year,
                    "Cost, services given": _cell(
                        _pick(cost, reform, year, "service", "cost_vs_baseline")
                    ),
                    "Cost, paid in the year": _cell(
                        _pick(cost, reform, year, "cash", "cost_vs_baseline")
                    ),
                }
            )
    return pd.DataFrame(rows)


def fiscal_note_intro(results: Results) -> str:
    """A paragraph saying what the fiscal note counts (HTML)."""
    return (
        f"<p>Money per state fiscal year over {window_label(results.scenario)}, named by the "
        "year each ends (FY2027 = July 2026 to June 2027 where the year starts July 1; each "
        "state's year is in its rulebook, an assumption where its sources are silent). "
        "<b>Services given in the year</b> counts money by the day of service, <b>paid in "
        "the year</b> by the month it is paid (money paid after the window falls in a later "
        "year). Held money is <b>pending</b> when its condition can still come (a late "
        "report arrives, a job is stabilized) and <b>never released</b> when it cannot (the "
        "job ended before stabilization). Each figure is the mean over replications with "
        "its 90% interval.</p>"
    )


def plot_fiscal(results: Results, ax: Axes | None = None, basis: str = "cash") -> Axes:
    """Money paid per fiscal year and scheme (bars: means; lines: 90% intervals)."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(10, 4))
    f = results.fiscal_years
    f = f[(f["basis"] == basis) & (f["metric"] == "total_paid")]
    years = sorted(f["fiscal_year"].drop_duplicates(), key=lambda y: int(y[2:]))
    names = [s.name for s in results.scenario.schemes]
    width = 0.8 / max(len(names), 1)
    x = np.arange(len(years))
    for i, name in enumerate(names):
        own = f[f["scheme"] == name].set_index("fiscal_year").reindex(years).fillna(0.0)
        pos = x - 0.4 + width * (i + 0.5)
        ax.bar(pos, own["mean"] / 1e3, width=width, label=name)
        ax.vlines(pos, own["p05"] / 1e3, own["p95"] / 1e3, color="black", linewidth=0.8)
    ax.set_xticks(x, years)
    ax.set_ylabel("Thousand USD")
    what = "paid in the year" if basis == "cash" else "for services given in the year"
    ax.set_title(f"Money {what}, by state fiscal year (bars: mean; lines: 90% interval)")
    ax.legend(fontsize=8)
    return ax


def reform_sentences(results: Results) -> list[str]:
    """A finding per reform: its cost against its baseline in each fiscal year it starts
    or runs in (cash basis), with the 90% interval."""
    out = []
    f = results.fiscal_years
    bases = dict(results.scenario.reforms())
    cost = f[(f["metric"] == "cost_vs_baseline") & (f["basis"] == "cash")]
    for reform in cost["scheme"].drop_duplicates():
        rows = cost[(cost["scheme"] == reform) & (cost["mean"] != 0)]
        if not len(rows):
            out.append(f"{reform} costs the same as {bases[reform]} in every fiscal year.")
            continue
        parts = [
            f"{r.fiscal_year} {usd(r.mean)} (90% interval {usd(r.p05)} to {usd(r.p95)})"
            for r in rows.itertuples()
        ]
        out.append(
            f"Against {bases[reform]}, {reform} costs, by the year it is paid: "
            + "; ".join(parts)
            + "."
        )
    return out
