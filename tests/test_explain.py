"""``explain`` is generated from the same rule units as the engines and always agrees
with the vectorized engine's result; its Markdown names every rule consulted with the
values it read and its clause; its HTML statement gives totals by rule and, for Kansas,
the appeal route."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from strategies import examples, interpretation_overrides, record_sets

from jobcoach_model import adjudicate, load_rulebook
from jobcoach_model.cli import EXAMPLES, main
from jobcoach_model.engine.explain import explain_lines, markdown

FILES = {n: EXAMPLES / f"{n}.csv" for n in ("cases", "coaches", "services")}


def _examples():
    return [pd.read_csv(p, dtype=str, keep_default_na=False) for p in FILES.values()]


def _engine_rows(records, code, overrides=None):
    result = adjudicate(*records, rules=code, overrides=overrides)
    return {
        row["service_id"]: row
        for row in result.astype({"status": str, "payee": str, "rule_ids": str}).to_dict("records")
    }


@pytest.mark.parametrize("code", ["KS", "IA"])
def test_every_example_line_is_explained_as_the_engine_decided(code):
    records = _examples()
    rows = _engine_rows(records, code)
    for service_id in records[2]["service_id"]:
        (e,) = explain_lines(*records, rules=code, line=service_id)
        assert e.decision == rows[service_id]
        fired = {s.rule_id for s in e.steps if s.outcome in ("denied",)}
        if e.decision["status"] == "denied":
            assert fired == set(e.decision["rule_ids"].split(";"))
        held = {s.rule_id for s in e.steps if s.outcome == "held"}
        if e.decision["status"] == "held":  # a denied line lists only its denials
            assert held and held <= set(e.decision["rule_ids"].split(";"))
        # every registered rule was consulted, in catalog order within each stage
        assert len({s.rule_id for s in e.steps}) == len(e.steps)


@pytest.mark.parametrize("code", ["KS", "IA"])
def test_explanations_agree_with_the_engine_on_generated_records(code):
    @settings(
        max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    @given(records=record_sets(max_lines=12), overrides=interpretation_overrides(code))
    def check(records, overrides):
        rows = _engine_rows(records, code, overrides)
        for case_id in records[0]["case_id"]:
            if not (records[2]["case_id"] == case_id).any():
                continue
            for e in explain_lines(*records, rules=code, overrides=overrides, case=case_id):
                assert e.decision == rows[e.service_id]
                denied = sorted(s.rule_id for s in e.steps if s.outcome == "denied")
                if e.decision["status"] == "denied":
                    assert set(denied) == set(e.decision["rule_ids"].split(";"))
                else:
                    assert denied == []

    check()


def test_markdown_names_the_rule_its_values_with_dates_and_its_clause():
    records = _examples()
    (e,) = explain_lines(*records, rules="KS", line="S06")  # billed under code 999
    text = markdown([e], load_rulebook("KS"))
    assert "# Line S06 under Kansas rules: denied" in text
    assert "**KS-SERVICE-CODE** denied the line" in text
    assert "`service_codes` = 575; 576 (in force from 2016-02-01)" in text
    assert 'Source: 000_86a311f16011d7dc.txt: "Use Service Code 575 or 576."' in text


def test_cli_explain_markdown_html_statement_and_a_bad_id(tmp_path, capsys):
    args = [f"--{n}={p}" for n, p in FILES.items()]
    assert main(["explain", "--rules", "IA", *args, "--line", "S13"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Line S13 under Iowa rules:")
    page = tmp_path / "statement.html"
    assert (
        main(
            [
                "explain",
                "--rules",
                "KS",
                *args,
                "--provider",
                "P1",
                "--format",
                "html",
                "--out",
                str(page),
            ]
        )
        == 0
    )
    html = page.read_text(encoding="utf-8")
    assert "Totals by status and rule" in html and "KS-SERVICE-CODE" in html
    assert "RS Program Administrator for the Region" in html  # the appeal route
    assert main(["explain", "--rules", "KS", *args, "--line", "NOPE"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "NOPE" in err and "service_id" in err
    assert (
        main(["explain", "--rules", "KS", *args, "--case", "C01", "--out", str(FILES["cases"])])
        == 2
    )
