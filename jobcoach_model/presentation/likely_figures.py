"""How likely, for the brief's How sure: the joint draws' tables and sentences in plain
words (each scheme's total with its combined and simulation-only 90% intervals, the
chance each is cheapest, the inputs most worth measuring, where the finding flips).

It reads an ``uncertainty.Analysis``; nothing here computes a probability.
"""

from __future__ import annotations

import pandas as pd

from jobcoach_model.analysis.uncertainty import Analysis
from jobcoach_model.analysis.voi import tied
from jobcoach_model.presentation.figures import escaped

#: an EVPPI is named as worth measuring only above this many of its standard errors
CLEAR = 2.0


def _usd(value: float) -> str:
    return f"${value:,.0f}" if value >= 0 else f"-${-value:,.0f}"


def _share(p: float, se: float) -> str:
    return f"{p:.0%} (± {se:.1%})"


def opening_html(a: Analysis) -> str:
    """The paragraph How sure opens with: how many draws, the usual cheapest scheme and
    how likely, the chance of the headline finding, and what to measure first."""
    n = len(a.draws.table)
    t = a.table.set_index("scheme")
    usual = t.loc[a.usual]
    lines = [
        f"Every assumption with a range and every reading of the sources was drawn at once, "
        f"{n:,} times, each draw its own simulated caseload (so the mean over the draws "
        "differs from the headline's total, which holds each assumption at the scenario's "
        f"own value). <b>{escaped(a.usual)} is the "
        f"cheapest scheme in {usual['p_cheapest']:.0%} of the {n:,} draws</b> "
        f"(Monte Carlo standard error {usual['se']:.1%})."
    ]
    tie = tied(a.draws.costs())
    if tie.value > 0:
        lines.append(
            f"In {tie.value:.0%} of the draws two or more schemes tie for the cheapest to the "
            "cent; those draws count for none of them."
        )
    second = t.drop(index=a.usual)["p_cheapest"].idxmax() if len(t) > 1 else None
    if second is not None:
        finding = a.findings.set_index("finding").loc[f"{a.usual} costs less than {second}"]
        lines.append(
            f"{escaped(a.usual)} costs less than {escaped(second)} in "
            f"{finding['probability']:.0%} of draws (± {finding['se']:.1%})."
        )
    lines.append(worth_sentence(a))
    if a.boxes:
        lines.append(
            escaped(
                a.boxes[0].sentence(f"A scheme other than {a.usual} is cheapest", a.draws.factors)
            )
            + "."
        )
    if a.note:
        lines.append(f"<i>{escaped(a.note[0].upper() + a.note[1:])}.</i>")
    return "<p>" + " ".join(lines) + "</p>"


def finding(a: Analysis) -> str:
    """The Findings list's sentence: how likely the usual cheapest scheme is cheapest
    over every assumption and reading together, and the runner-up's chance."""
    n = len(a.draws.table)
    t = a.table.set_index("scheme")
    text = (
        f"Over {n:,} joint draws of every assumption and reading, {a.usual} is the cheapest "
        f"scheme in {t.loc[a.usual, 'p_cheapest']:.0%} (± {t.loc[a.usual, 'se']:.1%})"
    )
    rest = t.drop(index=a.usual)
    if len(rest):
        second = rest["p_cheapest"].idxmax()
        text += f", {second} in {rest.loc[second, 'p_cheapest']:.0%}"
    tie = tied(a.draws.costs())
    if tie.value > 0:
        text += f"; two or more tie in {tie.value:.0%}"
    if a.note:  # too few draws: the warning travels with the number
        text += f" ({a.note.removeprefix('note: ')})"
    return text + " (How sure)."


def worth_sentence(a: Analysis) -> str:
    """The three inputs or readings most worth measuring, one at a time, and what each is
    worth; when fewer than three would change the choice alone, it says so; then the
    group known together worth most (readings are settled together, by asking the agency)."""
    e = a.evppi
    evpi = float(e.loc[e["input"] == "EVPI", "evppi"].iloc[0])
    if evpi <= 0:
        return "Knowing every input exactly would not change which scheme is cheapest."
    text = (
        f"Knowing every input exactly would be worth {_usd(evpi)} to the choice of the "
        "cheapest scheme (the expected value of perfect information). "
    )
    singles = e[e["input"].isin([*a.draws.inputs, *a.draws.readings])]
    top = singles[singles["evppi"] > CLEAR * singles["se"]].head(3)
    named = [f"{escaped(r.input)} ({_usd(r.evppi)} ± {_usd(r.se)})" for r in top.itertuples()]
    if named:
        text += "Most worth measuring, one at a time: " + "; ".join(named) + "."
    if len(named) < 3:
        other = "other " if named else ""
        text = text.rstrip() + (
            f" No {other}single input or reading, measured alone, is clearly worth anything "
            "(each is within two standard errors of nothing): what is uncertain matters in "
            "combination."
        )
    groups = e[~e["input"].isin([*singles["input"], "EVPI"]) & (e["evppi"] > CLEAR * e["se"])]
    if len(groups):
        g = groups.iloc[0]
        text += (
            f" Known together, {escaped(g['input'].replace(', together', ''))} would be worth "
            f"{_usd(g['evppi'])} (± {_usd(g['se'])})."
        )
    return text


def totals_table(a: Analysis) -> pd.DataFrame:
    """Each scheme: total with the 90% interval over the draws and over the simulation
    alone, and the chance it is cheapest."""
    rows = [
        {
            "Scheme": r.scheme,
            # not the headline's total, which holds every assumption at the scenario's value
            "Mean over every draw": _usd(r.mean),
            "90% over every assumption and reading": f"{_usd(r.p05)} to {_usd(r.p95)}",
            "90% over the simulation alone": f"{_usd(r.sim_p05)} to {_usd(r.sim_p95)}",
            "Cheapest in": _share(r.p_cheapest, r.se),
        }
        for r in a.table.itertuples()
    ]
    return pd.DataFrame(rows)


def worth_table(a: Analysis, top: int = 8) -> pd.DataFrame:
    """The inputs, readings and groups most worth measuring (EVPPI), and the EVPI."""
    e = a.evppi
    body = e[e["input"] != "EVPI"].head(top)
    body = pd.concat([body, e[e["input"] == "EVPI"]])
    return pd.DataFrame(
        {
            "Input or reading": body["input"].replace(
                {"EVPI": "everything (EVPI: perfect information)"}
            ),
            "Worth knowing": body["evppi"].map(_usd),
            "± (resampled s.e.)": body["se"].map(_usd),
        }
    )


def flips_display(a: Analysis) -> pd.DataFrame:
    """The flip boxes, a row per restricted input, with coverage and density in words."""
    t = a.flips
    return pd.DataFrame(
        {
            "Box": t["box"],
            "Input": t["input"],
            "Range": t["range"],
            "Draws in the box": t["draws"].map(lambda v: f"{v:,}"),
            "Density": t["density"].map(lambda v: f"{v:.0%}"),
            "Coverage": t["coverage"].map(lambda v: f"{v:.0%}"),
        }
    )
