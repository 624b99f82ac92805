"""How likely, for the brief's How sure: the joint draws' tables and sentences in plain
words (each scheme's total with its combined and simulation-only 90% intervals, the
chance each is cheapest, the inputs most worth measuring, where the finding flips).

It reads an ``uncertainty.Analysis``; nothing here computes a probability.
"""

from __future__ import annotations

import pandas as pd

from jobcoach_model.analysis.uncertainty import Analysis
from jobcoach_model.analysis.voi import tied
from jobcoach_model.presentation import glossary
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
        lines.append(escaped(box_sentence(a, a.boxes[0])) + ".")
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
        "cheapest scheme: the saving expected from choosing after learning them instead of "
        "before. "
    )
    singles = e[e["input"].isin([*a.draws.inputs, *a.draws.readings])]
    top = singles[singles["evppi"] > CLEAR * singles["se"]].head(3)
    named = [
        f"{escaped(input_words(a, r.input))} ({_usd(r.evppi)} ± {_usd(r.se)})"
        for r in top.itertuples()
    ]
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
            f" Known together, {escaped(input_words(a, g['input']).removesuffix(', together'))}"
            " would be worth "
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
    """The inputs, readings and groups most worth knowing exactly (in the appendix's
    words, the expected value of partial perfect information), and everything at once."""
    e = a.evppi
    body = e[e["input"] != "EVPI"].head(top)
    body = pd.concat([body, e[e["input"] == "EVPI"]])
    return pd.DataFrame(
        {
            "Input or reading": [
                "everything at once" if i == "EVPI" else input_words(a, i) for i in body["input"]
            ],
            "What knowing it exactly would be worth": body["evppi"].map(_usd),
            "± (standard error)": body["se"].map(_usd),
        }
    )


def input_words(a: Analysis, name: str) -> str:
    """An input, reading or group of the joint draws in plain words: an input's label
    with its unit (a per-need input says it is a factor on each level), a reading's
    question, a group's members."""
    if name in a.draws.readings:
        code = name.split(".", 1)[0]
        return f"{glossary.label(name)} ({glossary.state_name(code)})"
    if name in a.draws.inputs:
        text = glossary.input_label(name)
        return f"{text}, as a factor on each level of need" if name in a.draws.factors else text
    if name == "every reading, together":
        return "every reading of the sources, together"
    if name.endswith(" readings, together"):
        return f"{glossary.state_name(name.split(' ', 1)[0])}'s readings, together"
    members = name.removesuffix(", together").replace(" and ", ", ").split(", ")
    *first, last = (input_words(a, m) for m in members)
    return f"{'; '.join(first)} and {last}, together" if first else f"{last}, together"


def _range_words(a: Analysis, name: str, kept: tuple, range_: str) -> str:
    """A box's limit on one input or reading, in words."""
    if kept:
        code, _, reading = name.partition(".")
        return " or ".join(glossary.option_label(code, reading, k) for k in kept)
    return range_


def box_sentence(a: Analysis, box) -> str:
    """Where the usual cheapest scheme stops being cheapest, in words."""

    def limit(r) -> str:
        verb = " is" if r.kept else ""
        return f"{input_words(a, r.input)}{verb} {_range_words(a, r.input, r.kept, r.range)}"

    return box.sentence(f"A scheme other than {a.usual} is cheapest", limit=limit)


def flips_display(a: Analysis) -> pd.DataFrame:
    """Where the finding flips: each set of ranges, a row per input or reading it limits,
    with how many draws fall inside, the share of them where another scheme is cheapest
    and the share of all such draws found there (PRIM's density and coverage, named in
    the appendix)."""
    rows = [
        {
            "Where": k + 1,
            "Input or reading": input_words(a, r.input),
            "Range": _range_words(a, r.input, r.kept, r.range),
            "Draws in these ranges": f"{box.draws:,}",
            "Share of these draws where it flips": f"{box.density:.0%}",
            "Share of all flips found here": f"{box.coverage:.0%}",
        }
        for k, box in enumerate(a.boxes)
        for r in box.limits.itertuples()
    ]
    return pd.DataFrame(rows)
