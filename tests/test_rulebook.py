"""The rulebooks themselves: citations verbatim, dated lookup, overrides, the catalog and
the side-by-side table."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from conftest import FIGURES, SEEDS, fold

from jobcoach_model import OverrideError, ParameterDateError, load_rulebook, rules_table
from jobcoach_model.law.jurisdictions import codes
from jobcoach_model.law.rulebook import DatedValue, Reference, topics
from jobcoach_model.rules.catalog import interpretations_table, parameter_history, rules_catalog


def _all_references():
    for code in codes():
        book = load_rulebook(code)
        for p in book.parameters.values():
            for when, _, reference in p.cited_history():
                yield f"{code} parameter {p.name} {when}", reference
        for i in book.interpretations.values():
            yield f"{code} interpretation {i.name}", i.reference
        for r in book.rules:
            yield f"{code} rule {r.id}", r.reference


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not beside this checkout")
@pytest.mark.parametrize(("what", "ref"), list(_all_references()), ids=lambda x: str(x)[:40])
def test_every_quoted_clause_appears_verbatim_in_its_source(what, ref):
    path = FIGURES if ref.source == "published_figures.md" else SEEDS / ref.source
    assert path.is_file(), f"{what} cites missing source {ref.source}"
    assert fold(ref.quote) in fold(path.read_text(encoding="utf-8")), what


def test_every_rule_has_a_test_quoting_its_clause():
    tested = set()
    for path in Path(__file__).parent.glob("test_rules_*.py"):
        tested |= set(re.findall(r'assert_quote\(\s*"([A-Z0-9-]+)"', path.read_text()))
        tested |= set(re.findall(r'^    "([A-Z]{2}-[A-Z0-9-]+)": \(', path.read_text(), re.M))
    ids = set(rules_catalog()["id"])
    assert ids - tested == set()


def test_rule_ids_are_unique_and_prefixed_by_jurisdiction():
    catalog = rules_catalog()
    assert catalog["id"].is_unique
    assert (catalog["id"].str.split("-").str[0] == catalog["jurisdiction"]).all()
    assert set(catalog["topic"]) <= {t for t, _ in topics()}


def test_lookup_by_date_is_an_error_before_the_first_value_never_zero():
    rate = load_rulebook("KS").parameters["hourly_rate"]
    with pytest.raises(ParameterDateError, match="2016-02-01"):
        rate.at(dt.date(2016, 1, 31))
    assert rate.at(dt.date(2016, 2, 1)) == 40.0
    assert rate.at(dt.date(2099, 12, 31)) == 40.0


def _two_dated_rates(book):
    """Kansas's rate with a second, hypothetical value of 2027, each with its own source."""
    first = book.parameters["hourly_rate"].values[dt.date(2016, 2, 1)]
    later = DatedValue(
        value=42.5, reference=Reference(source="published_figures.md", quote="a 2027 memo")
    )
    return book.parameters["hourly_rate"].model_copy(
        update={"values": {dt.date(2016, 2, 1): first, dt.date(2027, 7, 1): later}}
    )


def test_each_dated_value_cites_its_own_source():
    book = load_rulebook("KS")
    cited = _two_dated_rates(book).cited_history()
    assert [(d.year, v, r.source) for d, v, r in cited] == [
        (2016, 40.0, "000_86a311f16011d7dc.txt"),
        (2027, 42.5, "published_figures.md"),
    ]
    history = parameter_history()
    ia = history[history["jurisdiction"] == "IA"].set_index("parameter")
    # the 2014 D-code sheet and the 2020 guidance page, each cited on its own value
    assert ia.loc["authorization_basis", "effective"] == "2014-11-13"
    assert ia.loc["authorization_basis", "source"] == "published_figures.md"
    assert ia.loc["max_hourly_rate", "effective"] == "2020-10-27"
    assert ia.loc["max_hourly_rate", "source"] == "001_d3eca8ff73a20b8d.txt"


def test_dated_values_switch_on_their_effective_day():
    book = load_rulebook("KS")
    param = _two_dated_rates(book)
    assert param.at(dt.date(2027, 6, 30)) == 40.0
    assert param.at(dt.date(2027, 7, 1)) == 42.5
    changed = book.model_copy(update={"parameters": {**book.parameters, "hourly_rate": param}})
    import numpy as np

    days = np.array([20634, 20635, 20636])  # 2026-06-30 .. 2026-07-02
    assert (changed.vector("hourly_rate", days) == 40.0).all()
    later = np.array([(dt.date(2027, 7, d) - dt.date(1970, 1, 1)).days for d in (1, 2)])
    assert list(changed.vector("hourly_rate", later)) == [42.5, 42.5]


@pytest.mark.parametrize(
    ("code", "name", "value", "message"),
    [
        ("KS", "hourly_rate", "abc", "expected a number"),
        ("KS", "hourly_rate", "-3", "expected a number >= 0"),
        ("KS", "withdrawal_notice_days", "2.5", "whole number"),
        ("KS", "notice_period", "sometimes", "expected one of"),
        ("KS", "medicaid_hourly_rate", "42", "unknown name for the Kansas rulebook"),
        ("IA", "hourly_rate", "45", "unknown name for the Iowa rulebook"),
        ("IA", "group_sessions", "half", "expected one of prorate, per_person"),
    ],
)
def test_bad_overrides_are_refused(code, name, value, message):
    with pytest.raises(OverrideError, match=message):
        load_rulebook(code).with_overrides({name: value})


def test_overrides_never_change_the_cached_rulebook():
    book = load_rulebook("KS")
    changed = book.with_overrides({"hourly_rate": "45.16"})
    assert changed.value("hourly_rate", dt.date(2026, 1, 1)) == 45.16
    assert load_rulebook("KS").value("hourly_rate", dt.date(2026, 1, 1)) == 40.0


def test_side_by_side_table_is_generated_from_the_rulebooks():
    table = rules_table()
    assert list(table.columns) == ["topic", "Kansas", "Iowa", "Kentucky", "Texas"]
    assert len(table) == len(topics())
    for code, column in (("KS", "Kansas"), ("IA", "Iowa")):
        text = "\n".join(table[column])
        for rule in load_rulebook(code).rules:
            assert rule.id in text and rule.reference.quote in text
    row = table.set_index("topic").loc["Withdrawal of an authorization"]
    assert row["Iowa"] == "silent" and "KS-WITHDRAWAL" in row["Kansas"]
    assert "interpretation notice_period = pay_through_notice" in row["Kansas"]


def test_interpretations_have_alternatives_defaults_and_reasons():
    table = interpretations_table()
    assert {"notice_period", "group_sessions", "hourly_payment_timing", "plan_approval"} <= set(
        table["name"]
    )
    assert (table["alternatives"] != "").all() and (table["reason"].str.len() > 40).all()


def test_every_parameter_has_unit_description_and_dated_values():
    history = parameter_history()
    assert (history["unit"] != "").all() and (history["source"] != "").all()
    for code in codes():
        for p in load_rulebook(code).parameters.values():
            assert p.description and p.values
    assumed = history[history["note"].str.contains("ssumption")]
    assert "medicaid_hourly_rate" in set(assumed["parameter"])


def test_a_rulebook_file_with_a_key_given_twice_is_refused(tmp_path):
    from jobcoach_model.base.errors import JobcoachError
    from jobcoach_model.law.rulebook import read_rulebook_file

    path = tmp_path / "parameters.yaml"
    path.write_text("hourly_rate:\n  unit: USD/hour\nhourly_rate:\n  unit: USD/hour\n")
    with pytest.raises(JobcoachError, match="'hourly_rate' is given twice"):
        read_rulebook_file(path)
