"""The brief's answer, first: what each state's own rules would cost the caseload, the
main reason they differ, how sure that is, and what would change it, in one paragraph of
plain words; then the contents, with links to the sections.

A state's own scheme is the first scheme of its rulebook that pays by the hour as written
(no overrides, not a reform); the others (what-ifs) come after, in the sections. Every
sentence here says only what the numbers hold: a difference whose 90% interval includes
zero is "no clear difference", a chance is the share of joint draws, and a reading that
reverses the order is named.
"""

from __future__ import annotations

import html

from jobcoach_model.analysis.bridge import Bridge
from jobcoach_model.analysis.sensitivity import MATERIAL, Sensitivity
from jobcoach_model.analysis.uncertainty import Analysis
from jobcoach_model.base.money import usd
from jobcoach_model.caseloads.results import Results, mean_interval
from jobcoach_model.caseloads.scenario import Scenario, Scheme
from jobcoach_model.presentation import glossary
from jobcoach_model.presentation.findings import difference

#: the brief's sections: (anchor, title), in order
SECTIONS = (
    ("findings", "Findings"),
    ("headline", "Headline: cost under each rate scheme"),
    ("providers", "Providers' costs and access"),
    ("value", "Value for money"),
    ("fiscal-note", "Fiscal note"),
    ("why", "Why they differ"),
    ("who-gains", "Who gains and who loses"),
    ("how-sure", "How sure"),
    ("benchmark", "The benchmark by provider size"),
    ("denied", "Largest denied and held amounts"),
    ("caseload", "Caseload outcomes"),
    ("assumptions", "Key assumptions"),
    ("appendix", "Appendix: the words and the identifiers behind them"),
)


def heading(anchor: str) -> str:
    """A section's heading with its anchor (the contents list links to it)."""
    title = dict(SECTIONS)[anchor]
    return f"<h2 id='{anchor}'>{html.escape(title)}</h2>"


#: sections a brief has only when its scenario asks for them (the ``costs:`` section)
OPTIONAL = {
    "providers": lambda scenario: scenario.costs is not None,
    "value": lambda scenario: scenario.responses is not None or scenario.value is not None,
}


def sections(scenario: Scenario | None = None) -> tuple[tuple[str, str], ...]:
    """The sections a brief of ``scenario`` has, in order (every one without a scenario
    but the optional ones)."""
    return tuple(
        (a, t) for a, t in SECTIONS if a not in OPTIONAL or (scenario and OPTIONAL[a](scenario))
    )


def contents_html(scenario: Scenario | None = None) -> str:
    """The contents list, each entry a link to a section the brief has."""
    items = "".join(f"<li><a href='#{a}'>{html.escape(t)}</a></li>" for a, t in sections(scenario))
    return f"<nav><h2 id='contents'>Contents</h2><ol>{items}</ol></nav>"


def own_schemes(scenario: Scenario) -> list[str]:
    """Each state's own scheme, in the scenario's order: the first scheme of each
    rulebook paid by the hour as written (no overrides, not a reform), else its first."""
    out: dict[str, Scheme] = {}
    for s in scenario.schemes:
        if s.rules not in out or (_plain(s) and not _plain(out[s.rules])):
            out[s.rules] = s
    return [s.name for s in out.values()]


def _plain(s: Scheme) -> bool:
    """Paid by the hour as the rulebook is written: no overrides, not a reform."""
    return s.kind == "hourly" and not s.overrides and not s.reform_of


def title(scenario: Scenario) -> str:
    """What the brief compares: "What Kansas's and Iowa's job-coaching rules would cost:
    baseline" (the scenario's name last)."""
    states = [
        f"{glossary.state_name(code)}'s"
        for code in dict.fromkeys(s.rules for s in scenario.schemes)
    ]
    names = f"{', '.join(states[:-1])} and {states[-1]}" if len(states) > 1 else states[0]
    return f"What {names} job-coaching rules would cost: {scenario.name}"


def _interval(values) -> str:
    mean, lo, hi = mean_interval(values)
    return f"{usd(mean)} (90% interval {usd(lo)} to {usd(hi)})"


def opening(
    results: Results,
    bridges: list[Bridge],
    sens: Sensitivity | None,
    likely: Analysis | None,
) -> str:
    """The answer in one paragraph of plain text (see the module's docstring)."""
    sc = results.scenario
    per = results.per_replication
    own = own_schemes(sc)
    rules = {s.name: s.rules for s in sc.schemes}
    totals = {n: per[f"{n} | total_paid"].to_numpy() for n in own}
    who = f"this caseload of {sc.caseload.consumers:,} consumers over {sc.caseload.weeks} weeks"
    costs = [
        f"under {glossary.state_name(rules[n])}'s rules ({n}) {_interval(totals[n])}" for n in own
    ]
    text = [
        f"Paying for job coaching for {who} would cost {'; '.join(costs)}, on average over "
        f"{sc.simulation.replications} simulated caseloads."
    ]
    if len(own) < 2:
        return " ".join(text)
    a, b = own[0], own[1]
    kind, diff = difference(totals[b] - totals[a])
    if kind == "same":
        text.append(f"{b} and {a} cost the same in every simulated caseload.")
        return " ".join(text)
    cheap, dear = (b, a) if diff[0] < 0 else (a, b)
    if kind == "unclear":
        text.append(
            f"There is no clear difference between them: {usd(abs(diff[0]))} apart on "
            "average, but the 90% interval includes zero."
        )
    else:
        lo, hi = sorted((abs(diff[1]), abs(diff[2])))
        text.append(
            f"{cheap} costs {usd(abs(diff[0]))} less than {dear} (90% interval {usd(lo)} to "
            f"{usd(hi)})."
        )
        bridge = next((x for x in bridges if {x.source, x.target} == {a, b}), None)
        if bridge is not None and len(bridge.steps):
            steps = bridge.steps
            lead = steps.loc[steps["mean"].abs().idxmax()]
            state = glossary.state_name(str(lead["rule_id"]).split("-", 1)[0])
            said = lead["statement"].rstrip(".")
            text.append(
                f"The largest single reason ({usd(abs(float(lead['mean'])))} of the "
                f"difference; see Why they differ) is {state}'s rule: {said[:1].lower()}"
                f"{said[1:]}."
            )
    if likely is not None:
        found = likely.findings.set_index("finding")
        key = f"{cheap} costs less than {dear}"
        if key in found.index:
            p = found.loc[key]
            text.append(
                f"Over {len(likely.draws.table):,} joint draws of every assumption and "
                f"reading, {cheap} is the cheaper of the two in {p['probability']:.0%} of "
                f"draws (± {p['se']:.1%}; see How sure)."
            )
    text.append(_what_would_change(sens, likely, cheap, dear))
    return " ".join(t for t in text if t)


def _what_would_change(
    sens: Sensitivity | None, likely: Analysis | None, cheap: str, dear: str
) -> str:
    """The readings of the sources that would reverse the two states' order, or, when
    none would, the input most worth knowing exactly."""
    turns = []
    if sens is not None:
        for r in sens.overturns(MATERIAL).itertuples():
            if f"{dear} > {cheap}" in str(r.flips).split("; "):
                turns.append(glossary.option(r.rules, r.interpretation, r.option))
    if turns:
        return f"Reading the sources differently would reverse this: {'; '.join(turns)}."
    said = "No other reading of the sources reverses this."
    if likely is not None:
        e = likely.evppi
        singles = e[e["input"].isin([*likely.draws.inputs, *likely.draws.readings])]
        if len(singles) and float(singles["evppi"].iloc[0]) > 0:
            from jobcoach_model.presentation.likely_figures import input_words

            said += (
                " The input most worth knowing exactly: "
                f"{input_words(likely, singles['input'].iloc[0])}."
            )
    return said


def opening_html(
    results: Results,
    bridges: list[Bridge],
    sens: Sensitivity | None,
    likely: Analysis | None,
    access: str = "",
    value: str = "",
) -> str:
    """The opening paragraph as HTML, its references to sections as links. A scenario
    that asks what a payment design does leads with it: ``access``
    (``access_figures.access_sentence``, providers paid below cost and whom they serve)
    and ``value`` (``value_figures.value_sentence``, cost per kept job and the best buy),
    then the totals."""
    lead = ""
    if access:
        lead += html.escape(access.removesuffix(".")) + " (see Providers' costs and access). "
    if value:
        lead += html.escape(value.removesuffix(".")) + " (see Value for money). "
    text = lead + html.escape(opening(results, bridges, sens, likely))
    for anchor in ("why", "how-sure", "providers", "value"):
        name = html.escape(dict(SECTIONS)[anchor])
        text = text.replace(f"see {name}", f"see <a href='#{anchor}'>{name}</a>")
    return f"<p class='answer'><b>The answer.</b> {text}</p>"
