"""The brief's opening: a few generated sentences, each with its number and 90% interval,
and a warning on any finding that another reading of the sources could overturn.

Also the two analyses the brief adds to a run: the bridges it explains and the
sensitivity of the totals, run in this process (one point after another) so that a brief
needs no cluster and stays byte-identical from run to run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jobcoach_model.analysis.bridge import Bridge, bridge
from jobcoach_model.analysis.sensitivity import MATERIAL, Sensitivity
from jobcoach_model.base.money import usd
from jobcoach_model.caseloads.metrics import BENCHMARK, benchmark_jurisdiction, benchmark_label
from jobcoach_model.caseloads.results import Results, mean_interval
from jobcoach_model.caseloads.scenario import FitCheck
from jobcoach_model.presentation import glossary
from jobcoach_model.presentation.fiscal_figures import reform_sentences


def _usd_interval(mean: float, p05: float, p95: float) -> str:
    return f"{usd(mean)} (90% interval {usd(p05)} to {usd(p95)})"


#: two totals are "the same" when they differ by less than half a cent in every replication
SAME = 0.005


def difference(diff: np.ndarray) -> tuple[str, tuple[float, float, float]]:
    """What may be said of a difference between two totals, given its value in each
    replication: ``"same"`` (within half a cent in every one), ``"unclear"`` (its 90%
    interval across replications includes zero: no clear difference, never a ranking, as
    budget scorekeepers state an effect below their threshold), else ``"more"`` or
    ``"less"``; with its mean and 90% interval."""
    diff = np.asarray(diff, dtype=np.float64)
    diff = diff[~np.isnan(diff)]
    interval = mean_interval(diff)
    if not len(diff) or np.all(np.abs(diff) < SAME):
        return "same", interval
    if interval[1] <= 0 <= interval[2]:
        return "unclear", interval
    return ("more" if interval[0] > 0 else "less"), interval


def _offsetting(steps: pd.DataFrame) -> str:
    """The largest steps of a bridge whose total is nil, by size: what cancels out."""
    moved = steps[steps["mean"].abs() >= SAME]
    if not len(moved):
        return "no rule's result changes"
    parts = [
        f"{glossary.rule_label(r.rule_id)} ({r.step}, "
        f"{'+' if r.mean > 0 else '-'}{usd(abs(r.mean))})"
        for r in moved.head(3).itertuples()
    ]
    return "its steps cancel out: " + ", ".join(parts)


def brief_bridges(results: Results) -> list[Bridge]:
    """The bridges of the scenario's pairs, on the same simulated lines as ``results``."""
    return [bridge(results.scenario, a, b) for a, b in results.scenario.bridge_pairs()]


def _ranking_warning(sens: Sensitivity | None, top: str, bottom: str) -> str:
    if sens is None:
        return ""
    turns = []
    for r in sens.overturns(MATERIAL).itertuples():
        if r.most_expensive != top or r.least_expensive != bottom:
            turns.append(
                f"the reading {glossary.option(r.rules, r.interpretation, r.option)} the most "
                f"expensive is {r.most_expensive} and the least {r.least_expensive}"
            )
    if not turns:
        return " No other reading of the sources changes which schemes cost most and least."
    return f" Another reading could overturn this: under {'; under '.join(turns)} (see How sure)."


def fit_sentence(check: FitCheck) -> str:
    """The sentence a brief of a calibrated scenario opens with: whether the scenario, as
    calibrated, reproduces its records' amount paid per case under each rulebook."""
    where = f"{check.records} ({check.cases:,} cases)" if check.records else (
        f"an agency's records ({check.cases:,} cases)"
    )  # fmt: skip
    if not check.states:
        return (
            f"This scenario was calibrated to {where}: too few cases to check that it "
            "reproduces them, so its findings describe the scenario, not those records."
        )

    def state(code: str) -> str:
        s = check.states[code]
        return (
            f"{code} {usd(s.records)} a case on the records (90% interval {usd(s.records_low)} "
            f"to {usd(s.records_high)}) against {usd(s.simulated)} simulated "
            f"({usd(s.low)} to {usd(s.high)})"
        )

    if check.holds:
        return (
            f"This scenario, as calibrated to {where}, reproduces their amount paid per case "
            f"under every rulebook checked: {'; '.join(state(c) for c in check.states)}."
        )
    off = [c for c, s in check.states.items() if not s.holds]
    return (
        f"Caution: this scenario was calibrated to {where} but does not reproduce their "
        f"amount paid per case under {', '.join(off)}: {'; '.join(state(c) for c in off)}. "
        "Its findings describe the scenario, not those records."
    )


def findings(
    results: Results,
    bridges: list[Bridge] | None = None,
    sens: Sensitivity | None = None,
    threshold: int = 10,
) -> list[str]:
    """The brief's findings as sentences, each with its number and interval."""
    per = results.per_replication
    names = [s.name for s in results.scenario.schemes]
    totals = {n: per[f"{n} | total_paid"].to_numpy() for n in names}
    means = {n: v.mean() for n, v in totals.items()}
    top = max(names, key=means.get)
    bottom = min([n for n in names if n != top] or names, key=means.get)
    out = []
    if results.scenario.fit_check is not None:
        out.append(fit_sentence(results.scenario.fit_check))
    if len(names) > 1:
        kind, diff = difference(totals[top] - totals[bottom])
        if kind == "same":
            out.append(
                f"Every scheme costs the same in every replication: "
                f"{_usd_interval(*mean_interval(totals[top]))}."
            )
        elif kind == "unclear":
            out.append(
                f"No clear difference between the scheme that costs most on average, {top} "
                f"({_usd_interval(*mean_interval(totals[top]))}), and the least, {bottom}: "
                f"{usd(diff[0])} apart on average, but the 90% interval across replications "
                f"({usd(diff[1])} to {usd(diff[2])}) includes zero."
            )
        else:
            out.append(
                f"{top} costs most: {_usd_interval(*mean_interval(totals[top]))}, "
                f"{usd(diff[0])} more than {bottom}, the least ({usd(diff[1])} to "
                f"{usd(diff[2])} across replications)." + _ranking_warning(sens, top, bottom)
            )
    for b in bridges or []:
        steps = b.steps.reindex(b.steps["mean"].abs().sort_values(ascending=False).index)
        kind, diff = difference((b.to_total - b.from_total) / 100)
        if kind == "same":
            out.append(
                f"{b.target} costs the same as {b.source} in every replication "
                f"({usd(float(np.mean(b.from_total)) / 100)}): the change makes no difference "
                f"to this caseload; {_offsetting(steps)}."
            )
            continue
        lead = steps.iloc[0] if len(steps) else None
        word, sign = ("more", 1) if diff[0] >= 0 else ("less", -1)
        lo, hi = sorted((sign * diff[1], sign * diff[2]))
        if kind == "unclear":
            text = (
                f"No clear difference between {b.target} and {b.source}: {b.target} costs "
                f"{usd(sign * diff[0])} {word} on average, but the 90% interval across "
                f"replications ({usd(diff[1])} to {usd(diff[2])}) includes zero"
            )
        else:
            text = (
                f"{b.target} costs {usd(sign * diff[0])} {word} than {b.source} "
                f"(90% interval {usd(lo)} to {usd(hi)} {word})"
            )
        if lead is not None:
            text += (
                f"; the largest single step is {glossary.rule_label(lead['rule_id'])} "
                f"({lead['step']}, "
                f"{usd(lead['mean'])}): {lead['statement'].rstrip('.')}"
            )
        out.append(text + ".")
    out += reform_sentences(results)
    s = results.summary.set_index(["scheme", "metric"])
    for name in names:
        never, pending = s.loc[(name, "never_released_amount")], s.loc[(name, "pending_amount")]
        if never["mean"] > 0:
            out.append(
                f"{name} holds {_usd_interval(never['mean'], never['p05'], never['p95'])} that "
                "is never released (its condition can no longer come: the job ended before "
                f"stabilization), beside {usd(pending['mean'])} pending at the horizon's end "
                "(paid when its condition comes)."
            )
    passing = s.loc[("caseload", BENCHMARK.summary_name)]
    k = results.benchmark
    k = k[k["consumers"] >= threshold] if threshold else k
    text = (
        f"{passing['mean']:.0%} of {benchmark_jurisdiction()} provider-quarters meet the "
        f"benchmark of "
        f"{benchmark_label(results.scenario)} "
        f"(90% interval {passing['p05']:.0%} to {passing['p95']:.0%})"
    )
    if len(k) > 1:
        small, large = k.iloc[0], k.iloc[-1]
        text += (
            f"; a provider serving {small['persons_served']} persons in a quarter passes "
            f"{small['pass_probability']:.0%} of the time, one serving "
            f"{large['persons_served']} {large['pass_probability']:.0%}"
        )
    out.append(text + ".")
    kept = {n: s.loc[(n, "paid_per_retained_90d")] for n in names}
    cheap = min(names, key=lambda n: kept[n]["mean"])
    dear = max(names, key=lambda n: kept[n]["mean"])
    dear_text = _usd_interval(kept[dear]["mean"], kept[dear]["p05"], kept[dear]["p95"])
    column = "{} | paid_per_retained_90d"
    if dear == cheap or (
        column.format(dear) in per
        and difference(per[column.format(dear)] - per[column.format(cheap)])[0] == "same"
    ):  # one scheme, or the dearest pays what the cheapest does: one sentence, one name
        who = dear if len(names) == 1 else "every scheme"
        out.append(f"Per consumer still employed 90 days after hire, {who} pays {dear_text}.")
    else:
        cheap_text = _usd_interval(kept[cheap]["mean"], kept[cheap]["p05"], kept[cheap]["p95"])
        out.append(
            "Per consumer still employed 90 days after hire: "
            f"{dear} pays {dear_text}, {cheap} {cheap_text}."
        )
    return out


def findings_html(sentences: list[str]) -> str:
    """The findings as an HTML list (text escaped; a reference to How sure a link)."""
    import html

    def linked(sentence: str) -> str:
        text = html.escape(sentence)
        return text.replace("(see How sure)", "(see <a href='#how-sure'>How sure</a>)").replace(
            "(How sure)", "(<a href='#how-sure'>How sure</a>)"
        )

    items = "".join(f"<li>{linked(s)}</li>" for s in sentences)
    return f"<h2 id='findings'>Findings</h2><ul>{items}</ul>"


def sensitivity_frame(sens: Sensitivity) -> pd.DataFrame:
    """The interpretation rows the brief's CSV keeps: every option, every scheme."""
    return sens.interpretations[
        ["rules", "interpretation", "option", "scheme", "mean", "p05", "p95", "delta"]
    ]
