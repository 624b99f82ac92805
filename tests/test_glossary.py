"""One glossary (issue 31): every word a reader sees has a plain label, a unit and a
meaning; the brief shows the labels and keeps the identifiers for its appendix."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from jobcoach_model.analysis.problem import inputs
from jobcoach_model.caseloads.scenario import field_notes, load_scenario
from jobcoach_model.law.jurisdictions import codes
from jobcoach_model.law.rulebook import load_rulebook
from jobcoach_model.presentation import glossary

METHOD_WORDS = ("EVPI", "EVPPI", "PRIM", "density", "coverage")


def _identifiers() -> set[str]:
    """Every identifier a reader must not meet outside the appendix: scenario paths, a
    state's parameters and readings (``IA.hourly_payment_timing`` and the bare name), and
    every option name that is not an ordinary word (it has an underscore)."""
    found = set(field_notes())
    for code in codes():
        book = load_rulebook(code)
        for name in book.parameters:
            found.add(f"{code}.{name}")
            if "_" in name:
                found.add(name)
        for name, item in book.interpretations.items():
            found |= {f"{code}.{name}", name}
            found |= {option for option in item.options if "_" in option}
        found |= {r.id for r in book.rules}
    return found


IDENTIFIERS = _identifiers()
#: a whole identifier, or a method's own name, as a word of running text
PATTERN = re.compile(
    r"(?<![\w.])("
    + "|".join(map(re.escape, sorted(IDENTIFIERS | set(METHOD_WORDS), key=len, reverse=True)))
    + r")(?![\w])"
)


def identifiers_in(text: str) -> list[str]:
    """The identifiers and method names found in ``text`` (none, for plain words)."""
    return sorted({m.group(1) for m in PATTERN.finditer(text)})


def test_every_input_reading_option_parameter_and_kind_has_an_entry():
    scenario = load_scenario("baseline")
    for path in [*field_notes(), *(i.name for i in inputs(scenario))]:
        e = glossary.entry(path)
        assert e.label and e.meaning.endswith(".") and path not in e.label, path
    for code in codes():
        book = load_rulebook(code)
        for name, item in book.interpretations.items():
            for option in item.options:
                said = glossary.option(code, name, option)
                assert not identifiers_in(said) and glossary.state_name(code) in said, said
        for name in book.parameters:
            assert glossary.label(f"{code}.{name}") == book.parameters[name].label
    for kind in ("hourly", "outcome", "unit_rate"):
        assert glossary.entry(f"kind:{kind}").label
    # the labels themselves are words, never identifiers
    labels = [glossary.label(p) for p in field_notes()]
    assert not any(identifiers_in(label) for label in labels)


def test_every_cost_response_and_value_input_has_an_entry():
    from jobcoach_model.caseloads.scenario import cost_notes, response_notes

    for path in [*cost_notes(), *response_notes()]:
        e = glossary.entry(path)
        assert e.label and e.meaning.endswith(".") and "_" not in e.label, path


def test_a_word_without_an_entry_is_refused_by_name():
    with pytest.raises(glossary.GlossaryError, match="caseload.no_such_input"):
        glossary.entry("caseload.no_such_input")
    with pytest.raises(glossary.GlossaryError, match="no parameter or reading named 'nope'"):
        glossary.entry("KS.nope")
    with pytest.raises(glossary.GlossaryError, match="no option 'maybe'"):
        glossary.option("IA", "hourly_payment_timing", "maybe")


def test_a_reading_must_label_each_of_its_options():
    from pydantic import ValidationError

    from jobcoach_model.law.rulebook import Interpretation

    ref = {"source": "x", "quote": "y"}
    with pytest.raises(ValidationError, match="expected a label for each option"):
        Interpretation(name="r", question="q?", label="R", option_labels={"a": "A"},
                       options={"a": "A.", "b": "B."}, default="a", reason=".", reference=ref)  # fmt: skip


def test_every_rule_has_a_plain_label_and_a_list_of_ids_reads_as_labels():
    for code in codes():
        for r in load_rulebook(code).rules:
            assert glossary.rule(r.id).label == r.label and r.id not in r.label
            assert glossary.rule(r.id).meaning == r.statement
    plan, reports = glossary.rule("KS-PLAN").label, glossary.rule("KS-REPORTS").label
    assert glossary.rule_label("KS-PLAN;KS-REPORTS") == f"{plan}; {reports}"
    assert glossary.rule_label("KS-PLAN") == plan != "KS-PLAN"
    # a summary row's words, or a list with an unknown id, stay as they are
    assert glossary.rule_label("3 other steps") == "3 other steps"
    assert glossary.rule_label("KS-PLAN;XX-NOPE") == "KS-PLAN;XX-NOPE"
    with pytest.raises(glossary.GlossaryError, match="KS-NOPE"):
        glossary.rule("KS-NOPE")
    appendix = glossary.rule_appendix(["KS", "KS", "IA"])
    assert list(appendix["Identifier"]).count("KS-PLAN") == 1
    assert len(appendix) == len(load_rulebook("KS").rules) + len(load_rulebook("IA").rules)


def test_every_measure_of_the_summary_has_a_label_and_the_tables_use_it():
    from jobcoach_model.caseloads.metrics import caseload_metrics
    from jobcoach_model.caseloads.runner import run
    from jobcoach_model.presentation.figures import caseload_table, headline_table

    sc = load_scenario("small")
    sc = sc.model_copy(update={"simulation": sc.simulation.model_copy(update={"replications": 2})})
    sc = sc.model_copy(update={"caseload": sc.caseload.model_copy(update={"consumers": 40})})
    results = run(sc)
    names = sorted(set(results.summary["metric"]))
    assert "total_paid" in names and "retained_90d_share" in names
    for name in names:
        e = glossary.entry(f"measure:{name}")
        assert e.label and e.meaning.endswith(".") and "_" not in e.label, name
    headers = set(headline_table(results).columns)
    assert {
        glossary.label("measure:total_paid"),
        glossary.label("measure:denied_amount"),
    } <= headers
    assert set(caseload_table(results)["Measure"]) == {
        glossary.label(f"measure:{m.summary_name}") for m in caseload_metrics()
    }
    with pytest.raises(glossary.GlossaryError, match="no_such_measure"):
        glossary.entry("measure:no_such_measure")


def test_a_rule_without_a_label_does_not_load():
    from pydantic import ValidationError

    from jobcoach_model.law.rulebook import Rule

    ref = {"source": "x", "quote": "y"}
    with pytest.raises(ValidationError, match="label"):
        Rule(id="KS-X", topic="rate", effect="rate", statement="S.", reference=ref)
    assert Rule(id="KS-X", label="X", topic="rate", effect="rate", statement="S.", reference=ref)


def test_identifiers_are_found_in_text_and_plain_words_are_not():
    assert identifiers_in("under IA.hourly_payment_timing = on_report") == [
        "IA.hourly_payment_timing",
        "on_report",
    ]
    assert identifiers_in("caseload.coaches.rate_mean (EVPI)") == [
        "EVPI",
        "caseload.coaches.rate_mean",
    ]
    assert identifiers_in("When hourly coaching is paid: on each written report (Iowa)") == []
    assert identifiers_in("held by KS-REPORTS; IA-RATE-CAP binds") == ["IA-RATE-CAP", "KS-REPORTS"]


class _Text(HTMLParser):
    """The visible text of a brief's HTML, up to the appendix's heading."""

    def __init__(self) -> None:
        super().__init__()
        self.parts, self.hidden, self.done = [], 0, False

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in ("script", "style")
        self.done = self.done or dict(attrs).get("id") == "appendix"

    def handle_endtag(self, tag):
        self.hidden -= tag in ("script", "style")

    def handle_data(self, data):
        if not self.hidden and not self.done:
            self.parts.append(data)


@pytest.mark.notebook
def test_the_brief_shows_plain_words_and_keeps_identifiers_for_its_appendix(small_brief):
    page = (small_brief / "brief.html").read_text(encoding="utf-8")
    text = _Text()
    text.feed(page)
    shown = " ".join(text.parts)
    assert text.done, "the brief has no appendix"
    assert not identifiers_in(shown), identifiers_in(shown)
    for words in ("Average negotiated rate", "What to measure next", "What knowing it exactly"):
        assert words in shown, words
    appendix = page[page.index('id="appendix"') :]
    for identifier in (
        "caseload.coaches.rate_mean",
        "IA.hourly_payment_timing = on_report",
        "KS-PLAN",
        "IA-RATE-CAP",
    ):
        assert identifier in appendix, identifier
