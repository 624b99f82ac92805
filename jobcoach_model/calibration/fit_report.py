"""How well a calibrated scenario reproduces the records it was fitted to: the same
measures computed on the records and on each simulated replication of the scenario, so
that the records can be drawn against the simulated 90% band on the same axes, with one
discrepancy figure per panel.

The measures, each a curve over a common axis:

- **weekly coach hours** by week since a case's first line (hours per case, every case
  counted in every week, so a case that ended adds zero);
- **hours per case**, **case length** (weeks from first to last line) and **amount paid
  per case** under each rulebook, as deciles;
- **lines by status and rule** under each rulebook, as shares of lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from jobcoach_model.base.interval import Z90
from jobcoach_model.caseloads.pricing import hourly_terms
from jobcoach_model.caseloads.scenario import FitCheck, FitState, Scenario
from jobcoach_model.caseloads.simulate import simulate_chunk
from jobcoach_model.engine.adjudication import PAID, STATUSES
from jobcoach_model.law.rulebook import get_rulebook
from jobcoach_model.records.lines import Lines

DECILES = np.linspace(0.1, 0.9, 9)
#: weeks shown of the weekly-hours curve
WEEKS = 26


def _case_sums(lines: Lines, values: np.ndarray) -> np.ndarray:
    return np.bincount(lines.case_idx, weights=values, minlength=lines.cases["_n"])


def _with_lines(lines: Lines) -> np.ndarray:
    return np.bincount(lines.case_idx, minlength=lines.cases["_n"]) > 0


def _paid_by_case(lines: Lines, terms) -> np.ndarray:
    """The amount paid to each case with a line, under one rulebook's terms."""
    paid = np.where(terms.judgement.status == PAID, terms.amount, 0.0)
    return _case_sums(lines, paid)[_with_lines(lines)]


def measures(lines: Lines, codes: Sequence[str]) -> dict[str, pd.Series]:
    """Every measure of one set of records: name -> a Series over its axis."""
    date = lines.line("date")
    n_cases = lines.cases["_n"]
    first = np.full(n_cases, np.iinfo(np.int64).max)
    np.minimum.at(first, lines.case_idx, date)
    last = np.full(n_cases, np.iinfo(np.int64).min)
    np.maximum.at(last, lines.case_idx, date)
    week = (date - first[lines.case_idx]) // 7
    active = _with_lines(lines)
    cases = max(1, int(active.sum()))
    inside = week < WEEKS
    weekly = np.bincount(week[inside], weights=lines.line("hours")[inside], minlength=WEEKS)
    out = {
        "weekly coach hours": pd.Series(weekly[:WEEKS] / cases, index=np.arange(WEEKS)),
        "hours per case": pd.Series(
            np.quantile(_case_sums(lines, lines.line("hours"))[active], DECILES), index=DECILES
        ),
        "case length (weeks)": pd.Series(
            np.quantile(((last - first) // 7 + 1)[active], DECILES), index=DECILES
        ),
    }
    for code in codes:
        terms = hourly_terms(get_rulebook(code), lines)
        status = terms.judgement.status
        out[f"amount paid per case, {code}"] = pd.Series(
            np.quantile(_paid_by_case(lines, terms), DECILES), index=DECILES
        )
        v = terms.judgement.verdicts
        codes_ = v.reason_codes()
        uniq, inverse = np.unique(codes_, return_inverse=True)
        names = np.array(v.names(uniq.tolist()), dtype=object)[inverse]
        word = np.array(STATUSES, dtype=object)[status]
        labels = np.where(status == PAID, "paid", word + " " + names)
        counts = pd.Series(labels).value_counts(normalize=True).sort_index()
        out[f"lines by status and rule, {code}"] = counts
    return out


@dataclass
class Panel:
    """One measure: the records' curve and the simulated mean and 90% band."""

    name: str
    observed: pd.Series
    mean: pd.Series
    low: pd.Series
    high: pd.Series

    def outside(self) -> int:
        """Points of the records' curve outside the simulated band."""
        return int(((self.observed < self.low - 1e-9) | (self.observed > self.high + 1e-9)).sum())

    @property
    def categorical(self) -> bool:
        """Shares over categories (lines by status and rule), not a curve."""
        return self.name.startswith("lines by status")

    def discrepancy(self) -> str:
        """The panel's discrepancy figure, in words: for shares, the total variation
        distance (the share of lines that would have to change category); for curves,
        the mean gap relative to the simulated mean."""
        outside = f"{self.outside()} of {len(self.observed)} points outside the simulated 90% band"
        if self.categorical:
            tv = 0.5 * float((self.observed - self.mean).abs().sum())
            return f"{outside}; {tv:.1%} of lines would have to change category"
        scale = self.mean.abs().where(self.mean.abs() > 0)
        rel = ((self.observed - self.mean).abs() / scale).dropna()
        mean_rel = f"{rel.mean():.1%}" if len(rel) else "n/a"
        return f"{outside}; mean |records - simulated| = {mean_rel} of the simulated mean"


def fit_panels(
    lines: Lines, scenario: Scenario, codes: Sequence[str] | None = None, replications: int = 20
) -> list[Panel]:
    """The records' measures against the scenario's, over ``replications`` simulated
    replications (one caseload each, the scenario's own seed), under the rulebooks
    ``codes`` (None: every rulebook)."""
    from jobcoach_model.analysis.records_pricing import rulebook_codes

    codes = rulebook_codes(codes)
    observed = measures(lines, codes)
    caseload = simulate_chunk(scenario, 0, replications)
    simulated = [measures(caseload.replication(r).lines(), codes) for r in range(replications)]
    panels = []
    for name, obs in observed.items():
        sims = pd.concat([s[name] for s in simulated], axis=1).fillna(0.0)
        index = obs.index.union(sims.index)
        obs = obs.reindex(index, fill_value=0.0)
        sims = sims.reindex(index, fill_value=0.0)
        panels.append(
            Panel(
                name,
                obs,
                sims.mean(axis=1),
                sims.quantile(0.05, axis=1),
                sims.quantile(0.95, axis=1),
            )
        )
    return panels


#: replications the fit check simulates (``jobcoach calibrate``)
CHECK_REPLICATIONS = 20


def fit_check(
    lines: Lines,
    scenario: Scenario,
    codes: Sequence[str] | None = None,
    replications: int = CHECK_REPLICATIONS,
    records: str = "",
) -> FitCheck:
    """Whether ``scenario`` reproduces the records' amount paid per case under each
    rulebook: the records' mean over their cases with its 90% interval (normal, from the
    cases' spread) against the simulated mean's 5th to 95th percentiles over
    ``replications``; it holds when the two intervals overlap. Fewer than two cases
    cannot be checked (no rulebook is listed)."""
    from jobcoach_model.analysis.records_pricing import rulebook_codes

    codes = rulebook_codes(codes)
    n = int(_with_lines(lines).sum())
    states: dict[str, FitState] = {}
    if n >= 2:
        caseload = simulate_chunk(scenario, 0, replications)
        sims = [caseload.replication(r).lines() for r in range(replications)]
        for code in codes:
            book = get_rulebook(code)
            paid = _paid_by_case(lines, hourly_terms(book, lines))
            half = Z90 * float(paid.std(ddof=1)) / np.sqrt(n)
            means = [float(_paid_by_case(s, hourly_terms(book, s)).mean()) for s in sims]
            lo, hi = np.percentile(means, [5, 95])
            states[code] = FitState(
                records=round(float(paid.mean()), 2),
                records_low=round(max(0.0, float(paid.mean()) - half), 2),
                records_high=round(float(paid.mean()) + half, 2),
                simulated=round(float(np.mean(means)), 2),
                low=round(float(lo), 2),
                high=round(float(hi), 2),
            )
    return FitCheck(records=records, cases=n, replications=replications, states=states)


#: categories shown of a shares panel (the largest, by records or simulation)
TOP_CATEGORIES = 14


def plot_panel(panel: Panel, ax: Axes | None = None) -> Axes:
    """The records against the simulated band, on the same axes: a curve with its band,
    or, for shares over categories, one row per category with the band as a bar."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    if panel.categorical:
        size = np.maximum(panel.observed, panel.mean)
        keep = size.sort_values(ascending=False).index[:TOP_CATEGORIES]
        y = np.arange(len(keep))
        lo, hi = panel.low[keep].to_numpy(), panel.high[keep].to_numpy()
        ax.barh(y, hi - lo, left=lo, height=0.6, color="#4C72B0", alpha=0.35,
                label="simulated 90%")  # fmt: skip
        ax.plot(panel.mean[keep], y, "|", color="#4C72B0", ms=10, label="simulated mean")
        ax.plot(panel.observed[keep], y, "o", color="black", ms=4, label="records")
        ax.set_yticks(y, keep, fontsize=7)
        ax.invert_yaxis()
        ax.set_xscale("symlog", linthresh=0.01)
        ax.set_xlabel("share of lines")
    else:
        x = panel.observed.index.to_numpy(float)
        ax.fill_between(x, panel.low, panel.high, color="#4C72B0", alpha=0.25,
                        label="simulated 90%")  # fmt: skip
        ax.plot(x, panel.mean, color="#4C72B0", lw=1, label="simulated mean")
        ax.plot(x, panel.observed, "o-", color="black", ms=3, lw=1, label="records")
        ax.set_xlabel("week since the case's first line" if "weekly" in panel.name else "decile")
    ax.set_title(panel.name, fontsize=9)
    ax.legend(fontsize=6)
    return ax


def discrepancy_table(panels: list[Panel]) -> pd.DataFrame:
    """One row per panel: points outside the band and the mean relative gap."""
    rows = [
        {"Measure": p.name, "Discrepancy": p.discrepancy(), "outside": p.outside()} for p in panels
    ]
    return pd.DataFrame(rows)


def fitted_table(scenario: Scenario) -> pd.DataFrame:
    """The scenario's fitted inputs (``fitted:``) with their values and provenance."""
    data = scenario.model_dump(mode="json")
    rows = []
    for path, fit in scenario.fitted.items():
        node = data
        for part in path.split("."):
            node = node[part]
        value = ", ".join(f"{k}: {v}" for k, v in node.items()) if isinstance(node, dict) else node
        rows.append({"Input": path, "Value": str(value), "Fitted from": fit.source})
    return pd.DataFrame(rows, columns=["Input", "Value", "Fitted from"])


def report_inputs(cases=None, coaches=None, services=None, columns=None, scenario=None):
    """The records as Lines (no paths: the shipped sample export) and the scenario to
    compare them with: the calibrated scenario file given, or (None) the records
    calibrated here on the bundled baseline."""
    from pathlib import Path

    from jobcoach_model.base.resources import records_or_sample
    from jobcoach_model.calibration.calibrate import calibrate
    from jobcoach_model.caseloads.scenario import load_scenario
    from jobcoach_model.records.inputs import read_lines

    cases, coaches, services, columns = records_or_sample(cases, coaches, services, columns)
    lines = read_lines(cases, coaches, services, columns)
    if scenario is not None:
        return lines, load_scenario(scenario)
    names = {"cases": str(cases), "coaches": str(coaches), "services": str(services)}
    fitted = calibrate(lines, load_scenario("baseline"), names).scenario()
    return lines, fitted.model_copy(update={"name": f"{Path(services).name} calibrated"})
