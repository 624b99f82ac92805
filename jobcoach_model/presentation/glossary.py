"""One glossary: the plain label, unit and one-sentence meaning of every word a reader
sees, so the brief, its charts and tables say "When hourly coaching is paid: on each
written report (Iowa)", never ``IA.hourly_payment_timing = on_report``.

Scenario inputs, value names (need levels, credentials), scheme kinds and method terms
come from ``glossary.yaml`` beside this module; a state's readings, their options and its
parameters carry their labels in the state's own folder (``label`` and ``option_labels`` in
its rulebook), read through the rulebook. Identifiers stay in the brief's appendix
(``appendix``) and in CSV column names. A word with no entry raises ``GlossaryError``
naming it, so a test of the brief fails on any identifier shown without its label.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

from jobcoach_model.base.errors import JobcoachError
from jobcoach_model.law.jurisdictions import codes
from jobcoach_model.law.rulebook import load_rulebook

GLOSSARY_FILE = Path(__file__).with_name("glossary.yaml")


class GlossaryError(JobcoachError):
    """A word shown to a reader that has no entry in the glossary."""


@dataclass(frozen=True)
class Entry:
    """One word: what the code calls it, what a reader reads, its unit and meaning."""

    identifier: str
    label: str
    meaning: str
    unit: str = ""


@cache
def _table() -> dict[str, dict[str, dict]]:
    import yaml

    from jobcoach_model.base.strict_yaml import StrictLoader

    return yaml.load(GLOSSARY_FILE.read_text(encoding="utf-8"), Loader=StrictLoader)


def _section(name: str, key: str) -> Entry:
    item = _table()[name].get(key)
    if item is None:
        raise GlossaryError(f"glossary: {name}: no entry for {key!r} ({GLOSSARY_FILE.name})")
    return Entry(key, item["label"], " ".join(item["meaning"].split()), item.get("unit", ""))


def state_name(code: str) -> str:
    """A state's name as a reader knows it ("Kansas"), from its rulebook."""
    return load_rulebook(code).name.split(" ")[0] if code in codes() else code


def entry(identifier: str) -> Entry:
    """The entry of an identifier: a scenario input's dotted path
    (``caseload.coaches.rate_mean``), a state's parameter or reading (``IA.medicaid_hourly_rate``,
    ``KS.notice_period``), or ``kind:``, ``value:`` or ``term:`` and a name."""
    if identifier.startswith("measure:"):
        return measure(identifier.split(":", 1)[1])
    if identifier.startswith(("kind:", "value:", "term:")):
        section, key = identifier.split(":", 1)
        return _section({"kind": "kinds", "value": "values", "term": "terms"}[section], key)
    code, _, name = identifier.partition(".")
    if code in codes():
        book = load_rulebook(code)
        if name in book.parameters:
            p = book.parameters[name]
            return Entry(identifier, p.label, p.description, p.unit)
        if name in book.interpretations:
            i = book.interpretations[name]
            return Entry(identifier, i.label, i.question)
        raise GlossaryError(f"glossary: {code}: no parameter or reading named {name!r}")
    return _section("inputs", identifier)


def measure(name: str) -> Entry:
    """A measure of ``summary.csv`` by its name there: a scheme's money measure from the
    glossary, or an outcome of the caseload from the table that computes it
    (``caseloads.metrics``, each state's own measures from its plugin)."""
    if name in _table()["measures"]:
        return _section("measures", name)
    from jobcoach_model.caseloads.metrics import benchmark_jurisdiction, caseload_metrics

    for m in caseload_metrics():
        if m.summary_name == name:
            text = m.label.format(owner=benchmark_jurisdiction()).strip()
            share = m.fmt == "share"
            meaning = (
                f"The share of simulated consumers: {text[:1].lower()}{text[1:]}."
                if share
                else f"Over the simulated consumers: {text[:1].lower()}{text[1:]}."
            )
            return Entry(name, text, meaning, "share" if share else "")
    raise GlossaryError(f"glossary: measures: no entry for {name!r} ({GLOSSARY_FILE.name})")


def rule(rule_id: str) -> Entry:
    """A rule's entry: its plain label and, as meaning, its statement, from the rulebook
    of the state whose code leads the id (``KS-PLAN``)."""
    code = rule_id.split("-", 1)[0]
    if code in codes():
        for r in load_rulebook(code).rules:
            if r.id == rule_id:
                return Entry(rule_id, r.label, r.statement)
    raise GlossaryError(f"glossary: no rule with the id {rule_id!r}")


def rule_label(rule_ids: str, sep: str = "; ") -> str:
    """The plain label of a rule id, or of several joined by ``;`` as a line's deciding
    rules are written ("Action plan not approved before coaching; Progress reports not up
    to date"). A text that is not a rule id (a summary row's words) stays as it is."""
    parts = [p for p in str(rule_ids).split(";") if p]
    known = [p for p in parts if p.split("-", 1)[0] in codes() and "-" in p]
    if not parts or len(known) != len(parts):
        return str(rule_ids)
    return sep.join(rule(p).label for p in parts)


def rule_appendix(codes_: list[str]) -> pd.DataFrame:
    """Each rule of the given states: its label, id and statement, for an appendix."""
    rows = [
        {"Label": r.label, "Identifier": r.id, "Unit": "", "Meaning": r.statement}
        for code in dict.fromkeys(codes_)
        for r in load_rulebook(code).rules
    ]
    return pd.DataFrame(rows, columns=["Label", "Identifier", "Unit", "Meaning"])


def label(identifier: str) -> str:
    """What a reader reads for an identifier (``entry(identifier).label``)."""
    return entry(identifier).label


def option_label(code: str, reading: str, choice: str) -> str:
    """An option of a state's reading alone, in plain words: "on each written report"."""
    item = load_rulebook(code).interpretations.get(reading)
    if item is None or choice not in item.option_labels:
        raise GlossaryError(f"glossary: {code}: no option {choice!r} of a reading {reading!r}")
    return item.option_labels[choice]


def option(code: str, reading: str, choice: str) -> str:
    """An option of a state's reading in plain words, with the question it answers: "When
    hourly coaching is paid: on each written report (Iowa)"."""
    label = option_label(code, reading, choice)
    return f"{load_rulebook(code).interpretations[reading].label}: {label} ({state_name(code)})"


def option_of(identifier: str, choice: str) -> str:
    """``option`` for a reading named ``CODE.reading`` (as the joint draws name them)."""
    code, _, reading = identifier.partition(".")
    return option(code, reading, choice)


def input_label(identifier: str) -> str:
    """An input or reading of the analyses in plain words, with its unit where it has
    one: "Average negotiated rate (USD/hour)"; a per-need input swung by one factor says
    so ("Weekly fading of coaching (factor on each level of need)")."""
    e = entry(identifier)
    return f"{e.label} ({e.unit})" if e.unit and e.unit not in ("share", "ratio") else e.label


def value_label(key: str) -> str:
    """A value's name inside an input (a need level, a credential) in plain words; a
    number (a group size) stays as it is."""
    return key if key.isdigit() else _section("values", key).label


def appendix(identifiers: list[str]) -> pd.DataFrame:
    """The appendix's table: each identifier a reader may meet in a CSV file or a
    scenario file, beside its label, unit and meaning."""
    rows = []
    for identifier in dict.fromkeys(identifiers):
        e = entry(identifier)
        rows.append(
            {"Label": e.label, "Identifier": identifier, "Unit": e.unit, "Meaning": e.meaning}
        )
    return pd.DataFrame(rows, columns=["Label", "Identifier", "Unit", "Meaning"])


def reading_appendix(code: str) -> pd.DataFrame:
    """A state's readings and options: label, identifier (``reading = option``) and
    meaning, for the appendix."""
    book = load_rulebook(code)
    rows = []
    for name, item in book.interpretations.items():
        for choice, meaning in item.options.items():
            rows.append(
                {
                    "Label": option(code, name, choice),
                    "Identifier": f"{code}.{name} = {choice}",
                    "Unit": "",
                    "Meaning": meaning,
                }
            )
    return pd.DataFrame(rows, columns=["Label", "Identifier", "Unit", "Meaning"])


#: the value-for-money measures (``analysis.value``), in an appendix only when asked for
VALUE_MEASURES = (
    "hard_cases",
    "kept_90d",
    "stabilized",
    "cost_per_kept_job",
    "cost_per_stabilized_job",
    "extra_cost",
    "extra_kept",
    "icer",
    "net_benefit",
)

#: the method names the brief's words stand for, defined in its appendix only
METHOD_NAMES = {
    "term:evppi": "EVPPI / EVPI (expected value of partial / perfect information)",
    "term:prim_box": "PRIM box (patient rule induction method)",
    "term:box_density": "density (of a PRIM box)",
    "term:box_coverage": "coverage (of a PRIM box)",
    "term:replication_mean": "mean over replications, 5th to 95th percentile",
    "term:acceptability": (
        "CEAC (cost-effectiveness acceptability curve); ICER (incremental cost-effectiveness ratio)"
    ),
}


def brief_appendix(scenario) -> pd.DataFrame:
    """The cost brief's appendix: every identifier behind its words (the scenario's
    inputs, the swung rulebook parameters, each state's readings and options and rules,
    the scheme kinds) and the methods' own names, each with its label and meaning."""
    from jobcoach_model.analysis.problem import inputs
    from jobcoach_model.caseloads.scenario import field_notes

    names = [*field_notes(), *(i.name for i in inputs(scenario))]
    names += [f"kind:{k}" for k in dict.fromkeys(s.kind for s in scenario.schemes)]
    from jobcoach_model.analysis.access import COLUMNS as ACCESS
    from jobcoach_model.caseloads.scenario import cost_notes, response_notes

    costs = scenario.costs is not None
    value = scenario.responses is not None or scenario.value is not None
    names += [
        f"measure:{m}"
        for m in _table()["measures"]
        if (costs or m not in ACCESS) and (value or m not in VALUE_MEASURES)
    ]
    names += list(cost_notes()) if costs else []
    names += list(response_notes()) if value else []
    states = list(dict.fromkeys(s.rules for s in scenario.schemes))
    frames = [appendix(names)]
    frames += [reading_appendix(code) for code in states]
    frames.append(rule_appendix(states))
    methods = appendix(list(METHOD_NAMES))
    methods["Identifier"] = [METHOD_NAMES[k] for k in METHOD_NAMES]
    frames.append(methods)
    out = pd.concat(frames, ignore_index=True)
    out["Identifier"] = (
        out["Identifier"].str.removeprefix("kind:").str.replace("measure:", "summary.csv: ")
    )
    return out
