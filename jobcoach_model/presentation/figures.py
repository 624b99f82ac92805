"""Tables and charts the notebooks and the cost brief show, built from run results.

Notebooks stay thin: they call these functions and display what comes back. Every table
here is an aggregate; cells describing fewer consumers than a threshold can be suppressed,
as agencies do for published tables.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from jobcoach_model.analysis.disclosure import SUPPRESSED_BELOW as SUPPRESSED
from jobcoach_model.base.money import usd  # noqa: F401  (notebooks format money with fg.usd)
from jobcoach_model.base.outputs import slug  # noqa: F401  (notebooks name files with fg.slug)
from jobcoach_model.caseloads.metrics import (
    benchmark_jurisdiction,
    benchmark_label,
    caseload_metrics,
)
from jobcoach_model.caseloads.results import Results
from jobcoach_model.caseloads.scenario import Scenario, field_notes, run_changes
from jobcoach_model.law.jurisdictions import codes
from jobcoach_model.law.jurisdictions import get as get_jurisdiction
from jobcoach_model.law.rulebook import load_rulebook
from jobcoach_model.presentation import glossary

#: text reads left-aligned; notebook styles right-align every cell
TABLE_STYLE = (
    "<style>.jc-table td, .jc-table th { text-align: left !important; "
    "vertical-align: top; }</style>"
)


def headline_table(results: Results) -> pd.DataFrame:
    """Per scheme: total paid with its 90% interval, per consumer, per consumer retained 90
    days, held money split into pending (paid when its condition comes) and never released
    (its condition can no longer come), and denied money (means over replications)."""
    s = results.summary.set_index(["scheme", "metric"])
    rows = []
    for scheme in (sc.name for sc in results.scenario.schemes):
        total = s.loc[(scheme, "total_paid")]
        rows.append(
            {
                "Scheme": scheme,
                glossary.label("measure:total_paid"): usd(total["mean"]),
                "90% interval": f"{usd(total['p05'])} to {usd(total['p95'])}",
                **{
                    glossary.label(f"measure:{m}"): usd(s.loc[(scheme, m), "mean"])
                    for m in (
                        "paid_per_consumer",
                        "paid_per_retained_90d",
                        "pending_amount",
                        "never_released_amount",
                        "denied_amount",
                    )
                },
            }
        )
    return pd.DataFrame(rows)


def suppress(
    frame: pd.DataFrame, threshold: int | None, values: list[str], count: str = "consumers"
) -> pd.DataFrame:
    """The table without its count column, where each row describing fewer than
    ``threshold`` consumers (mean per replication) has its ``values`` cells replaced by a
    suppression note. ``threshold`` None or 0 suppresses nothing."""
    out = frame.astype(object)
    if threshold:
        small = (frame[count] < threshold).to_numpy()
        out.loc[small, values] = SUPPRESSED.format(n=threshold)
    return out.drop(columns=[count])


def caseload_table(results: Results) -> pd.DataFrame:
    """Outcome measures of the simulated caseload, with 90% intervals."""
    shown = {
        m.summary_name: (glossary.label(f"measure:{m.summary_name}"), m.fmt == "share")
        for m in caseload_metrics()
    }
    s = results.summary[results.summary["scheme"] == "caseload"].set_index("metric")
    rows = []
    for metric, (label, share) in shown.items():
        r = s.loc[metric]
        fmt = (lambda v: f"{v:.1%}") if share else (lambda v: f"{v:.1f}")
        rows.append(
            {
                "Measure": label,
                "Mean": fmt(r["mean"]),
                "90% interval": f"{fmt(r['p05'])} to {fmt(r['p95'])}",
            }
        )
    return pd.DataFrame(rows)


def reasons_table(results: Results, top: int = 8, threshold: int | None = None) -> pd.DataFrame:
    """The rules behind the most denied and held money, per scheme (mean per replication)."""
    order = {sc.name: i for i, sc in enumerate(results.scenario.schemes)}
    r = results.reasons.assign(_order=results.reasons["scheme"].map(order))
    r = r.sort_values(["_order", "status", "mean_amount"], ascending=[True, True, False])
    r = (
        r.groupby(["scheme", "status"], group_keys=False, sort=False)
        .head(top)
        .drop(columns="_order")
    )
    r = r.rename(
        columns={
            "scheme": "Scheme",
            "status": "Status",
            "rule_ids": "Rules",
            "mean_amount": "Amount (USD)",
        }
    )
    r["Amount (USD)"] = r["Amount (USD)"].map(usd)
    r["Rules"] = r["Rules"].map(glossary.rule_label)
    return suppress(r.reset_index(drop=True), threshold, ["Amount (USD)"])


def benchmark_table(results: Results, threshold: int | None = None) -> pd.DataFrame:
    """The benchmark (the scenario's, e.g. 80% within 90 days): pass probability
    by persons served per provider-quarter,
    simulated and as a binomial with the caseload's mean completion rate."""
    k = results.benchmark.rename(
        columns={
            "persons_served": "Persons served in the quarter",
            "provider_quarters": "Provider-quarters simulated",
            "pass_probability": "Pass probability (simulated)",
            "binomial_pass_probability": "Pass probability (binomial)",
        }
    )
    values = ["Pass probability (simulated)", "Pass probability (binomial)"]
    for col in values:
        k[col] = k[col].map(lambda v: f"{v:.1%}")
    return suppress(k, threshold, values)


def cashflow_table(results: Results, threshold: int | None = None) -> pd.DataFrame:
    """Money paid by month per scheme (mean and 90% interval)."""
    c = results.cashflow.copy()
    c["Paid"] = c["mean"].map(usd)
    c["90% interval"] = [f"{usd(a)} to {usd(b)}" for a, b in zip(c["p05"], c["p95"], strict=True)]
    c = c.rename(columns={"scheme": "Scheme", "month": "Month"})[
        ["Scheme", "Month", "Paid", "90% interval", "consumers"]
    ]
    return suppress(c, threshold, ["Paid", "90% interval"])


def assumptions_table(scenario: Scenario) -> pd.DataFrame:
    """The scenario's calibrated inputs with their values and the source or 'assumption'
    note written beside each default (or, for an input fitted from records, where it was
    fitted from and its interval); then its providers' costs, responses and value of a
    kept job, for the sections the scenario asks for."""
    from jobcoach_model.caseloads.scenario import cost_notes, response_notes
    from jobcoach_model.presentation import glossary

    data = scenario.model_dump(mode="json")
    notes = dict(field_notes())
    if scenario.costs is not None:
        notes.update(cost_notes())
    notes.update({p: n for p, n in response_notes().items() if data[p.split(".")[0]]})
    rows = []
    for path, note in notes.items():
        node = data
        for part in path.split("."):
            node = node[part]
        entry = glossary.entry(path)
        if isinstance(node, dict):
            value = ", ".join(f"{glossary.value_label(k)}: {v}" for k, v in node.items())
        else:
            value = str(node)
        unit = f" ({entry.unit})" if entry.unit else ""
        fit = scenario.fitted.get(path)
        source = (
            fit.source
            if fit
            else re.sub(r"`([a-z_]+)`", lambda m: glossary.value_label(m.group(1)), note)
        )
        rows.append({"Input": entry.label + unit, "Value": value, "Source": source})
    return pd.DataFrame(rows)


def escaped(text: str) -> str:
    """Text from a scenario file made safe to place in HTML."""
    return html.escape(str(text), quote=True)


# -- charts -----------------------------------------------------------------------------
def axes(ax: Axes | None = None, size: tuple[float, float] = (8, 4)) -> Axes:
    """The axes to draw on: the caller's, or a new figure's of ``size`` inches."""
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def plot_totals(results: Results, ax: Axes | None = None) -> Axes:
    """Total paid by scheme with 5-95% intervals."""
    ax = axes(ax)
    s = results.summary[results.summary["metric"] == "total_paid"].set_index("scheme")
    names = [sc.name for sc in results.scenario.schemes]
    s = s.loc[names]
    y = np.arange(len(names))
    ax.barh(y, s["mean"] / 1e3, color="#4C72B0")
    ax.errorbar(
        s["mean"] / 1e3,
        y,
        xerr=[(s["mean"] - s["p05"]) / 1e3, (s["p95"] - s["mean"]) / 1e3],
        fmt="none",
        ecolor="black",
        capsize=4,
    )
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlabel("Total paid over the horizon (thousand USD; bars: mean, whiskers: 5-95%)")
    ax.set_title("Cost of the caseload under each rate scheme")
    return ax


def plot_cashflow(results: Results, ax: Axes | None = None) -> Axes:
    """Money paid by month per scheme, mean with 5-95% band."""
    ax = axes(ax)
    for scheme, c in results.cashflow.groupby("scheme", sort=False):
        x = pd.to_datetime(c["month"])
        ax.plot(x, c["mean"] / 1e3, label=scheme)
        ax.fill_between(x, c["p05"] / 1e3, c["p95"] / 1e3, alpha=0.15)
    import matplotlib.dates as mdates

    # a label every quarter, as "Jan 2026": months never run into each other
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    ax.tick_params(axis="x", labelrotation=30)
    ax.set_xlabel("Month paid")
    ax.set_ylabel("Paid (thousand USD; average, 90% band)")
    ax.set_title("When the money is paid")
    ax.legend(fontsize=8)
    return ax


def plot_reasons(results: Results, ax: Axes | None = None, top: int = 8) -> Axes:
    """Denied and held money by the rules that decided it, across schemes."""
    ax = axes(ax, (8, 4.5))
    r = results.reasons.assign(
        label=lambda d: (
            d["scheme"] + ": " + d["status"] + ": " + d["rule_ids"].map(glossary.rule_label)
        )
    )
    r = r.sort_values("mean_amount", ascending=False).head(top).iloc[::-1]
    colors = np.where(r["status"] == "denied", "#C44E52", "#DD8452")
    ax.barh(r["label"], r["mean_amount"] / 1e3, color=colors)
    ax.set_xlabel("Average per simulated caseload (thousand USD); red: denied, orange: held")
    ax.set_title("Largest denied and held amounts, by rule")
    ax.tick_params(axis="y", labelsize=7)
    return ax


def plot_pass_probability(results: Results, ax: Axes | None = None) -> Axes:
    """The benchmark's pass probability by persons served per provider-quarter."""
    ax = axes(ax)
    k = results.benchmark
    x = np.arange(len(k))
    ax.bar(x - 0.2, k["pass_probability"] * 100, width=0.4, label="simulated", color="#55A868")
    ax.bar(
        x + 0.2, k["binomial_pass_probability"] * 100, width=0.4, label="binomial", color="#8172B2"
    )
    ax.set_xticks(x, k["persons_served"])
    ax.set_ylim(0, 118)
    ax.set_yticks(range(0, 101, 20))
    ax.set_xlabel("Persons served by the provider in the quarter")
    ax.set_ylabel("Chance of meeting the benchmark (%)")
    title = f"{benchmark_jurisdiction()} {benchmark_label(results.scenario)}".strip()
    ax.set_title(f"{title}: small providers fail by chance")
    ax.legend(fontsize=8, loc="upper left", ncol=2)
    return ax


def plot_fading(results: Results, ax: Axes | None = None, weeks: int = 26) -> Axes:
    """Mean coaching hours per week since hire, by need level (replication 0)."""
    ax = axes(ax)
    cl = results.sample
    need = cl.outcomes["need"][cl.case_idx]
    week = (cl.services["date"] - cl.cases["authorized_from"][cl.case_idx]) // 7
    for level in ("low", "medium", "high"):
        sel = need == level
        hours = pd.Series(cl.services["hours"][sel]).groupby(week[sel]).mean()
        hours = hours[hours.index < weeks]
        ax.plot(hours.index, hours.values, marker="o", ms=3, label=f"{level} need")
    ax.set_xlabel("Weeks since hire")
    ax.set_ylabel("Coaching hours per week (mean of coached consumers)")
    ax.set_title("Coaching fades as the job is learned")
    ax.legend(fontsize=8)
    return ax


def html_table(frame: pd.DataFrame) -> str:
    """A table as plain HTML (cells escaped, line breaks kept), stable from run to run."""
    mark = "\u2028"  # a line separator, turned into <br> after escaping
    cells = frame.astype(object).map(
        lambda v: str(v).replace("\n", mark) if isinstance(v, str) else v
    )
    body = cells.to_html(index=False, escape=True, border=0, na_rep="")
    return TABLE_STYLE + f"<div class='jc-table'>{body.replace(mark, '<br>')}</div>"


def calibration_table(results: Results) -> pd.DataFrame:
    """Model figures beside the published figures they are calibrated to or compared with."""
    o = results.sample.outcomes
    sc = results.scenario
    s = results.summary.set_index(["scheme", "metric"])["mean"]
    tenure_months = float(np.mean(np.minimum(o["tenure_days"], 10**6))) / 30.44
    months_served = float(np.mean(np.maximum(o["coach_weeks"], 1))) * 7 / 30.44
    first = sc.schemes[0].name
    per_month = s[(first, "paid_per_consumer")] / months_served
    rows = [
        (
            "Still employed three months after hire",
            f"{s[('caseload', 'retained_90d_share')]:.0%}",
            "about 80% (MDRC welfare-to-work: 20% lost the job after one quarter); "
            "33.3% with agency job coaches vs 61.5% with natural supports (Cimera 2014)",
        ),
        (
            "Mean tenure in the first job (months)",
            f"{tenure_months:.1f}",
            "9.6 months (Bond & Kukla 2009, serious mental illness)",
        ),
        (
            "Coach time at the start, high need (share of work time)",
            f"{sc.services.initial_share.high:.0%}",
            "100% (UCP Northwest Missouri)",
        ),
        (
            "Coach time at stabilization (share of work time)",
            f"{sc.services.stabilization_share:.0%}",
            "about 20% (Networks for Training SE101 M6L2)",
        ),
        (
            f"Paid per consumer per month of coaching ({first})",
            usd(per_month),
            "$808 a month with agency job coaches (Cimera 2014)",
        ),
    ]
    for code in codes():
        checks = get_jurisdiction(code).published_checks(
            load_rulebook(code), sc.caseload.start_date
        )
        rows += [(measure, usd(value), figure) for measure, value, figure in checks]
    return pd.DataFrame(
        rows, columns=["Measure", "Model", "Published figure (published_figures.md)"]
    )


def scenario_source_html(path: str, replications=None, seed=None, sets=None) -> str:
    """The scenario file's text (escaped), and any changes applied on top of it for
    this run."""
    changes = run_changes(replications, seed, sets)
    text = Path(path).read_text(encoding="utf-8")
    out = f"<h2>Scenario file</h2><pre class='scenario'>{escaped(text)}</pre>"
    if changes:
        items = "".join(
            f"<li><code>{escaped(k)} = {escaped(v)}</code></li>" for k, v in changes.items()
        )
        out += f"<p>Changed for this run:</p><ul>{items}</ul>"
    return out


def cashflow_by_month(results: Results) -> pd.DataFrame:
    """Money paid by month (mean), one column per scheme in the scenario's order."""
    wide = cashflow_table(results).pivot(index="Month", columns="Scheme", values="Paid")
    names = [sc.name for sc in results.scenario.schemes]
    wide = wide[names].reset_index()
    wide.columns.name = None
    return wide


#: the MIME type under which notebooks record their key numbers for tests to read
RECORD_MIME = "application/vnd.jobcoach.record+json"


def record(**values: float) -> None:
    """Record a notebook's key numbers in its output (not shown in the page), so tests
    can compare them with the package's own results within a tolerance."""
    from IPython.display import display

    clean = {k: (None if pd.isna(v) else float(v)) for k, v in values.items()}
    display({RECORD_MIME: clean}, raw=True)
