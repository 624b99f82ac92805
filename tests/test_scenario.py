"""Scenario files: every shipped scenario validates; bad ones fail with one line naming the
file, the field path and what was expected (exit code 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from jobcoach_model.caseloads.scenario import Scenario, field_notes, load_scenario, scenario_yaml
from jobcoach_model.cli import main

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))


def test_the_required_scenarios_are_shipped():
    names = {p.stem for p in SHIPPED}
    assert {
        "baseline",
        "high_need",
        "group_training",
        "iowa_medicaid_cap_42",
        "kansas_at_iowa_rate",
        "outcome_payments",
    } <= names


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_scenario_validates(path, capsys):
    assert main(["validate", str(path)]) == 0
    assert ": ok" in capsys.readouterr().out


def test_baseline_is_about_1000_consumers_with_all_scheme_kinds():
    sc = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    assert sc.caseload.consumers == 1000
    assert {s.kind for s in sc.schemes} == {"hourly", "outcome", "unit_rate"}
    assert {s.rules for s in sc.schemes} == {"KS", "IA"}


def test_defaults_cite_a_source_or_say_assumption():
    """Every calibrated default has a note citing published_figures.md or a seed, or
    saying it is an assumption (a comment block covers the fields right below it)."""
    notes = field_notes()
    assert len(notes) >= 30
    for path, note in notes.items():
        assert any(w in note for w in ("assumption", "published_figures", "seed 0")), path
    data = Scenario().model_dump()
    for path in notes:  # every note names a real field
        node = data
        for part in path.split("."):
            node = node[part]


def test_scenario_round_trips_through_yaml(tmp_path):
    sc = load_scenario(ROOT / "scenarios" / "group_training.yaml")
    path = tmp_path / "again.yaml"
    path.write_text(scenario_yaml(sc))
    assert load_scenario(path) == sc


def _write(tmp_path, data) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


BAD = [
    ({"caseload": {"consumrs": 10}}, ["caseload.consumrs", "unknown field"]),
    ({"caseload": {"consumers": "many"}}, ["caseload.consumers", "integer"]),
    (
        {"caseload": {"need_mix": {"low": 0.5, "medium": 0.2, "high": 0.2}}},
        ["caseload.need_mix", "sum to 1"],
    ),
    (
        {"authorizations": {"hours": {"low": -5, "medium": 10, "high": 10}}},
        ["authorizations.hours.low", "greater than or equal to 0"],
    ),
    ({"schemes": [{"name": "X", "rules": "ZZ"}]}, ["schemes[0].rules", "KS, IA, KY, TX"]),
    (
        {"schemes": [{"name": "X", "rules": "KS", "overrides": {"medicaid_hourly_rate": 42}}]},
        ["schemes[0]", "medicaid_hourly_rate", "unknown name"],
    ),
    (
        {"schemes": [{"name": "X", "rules": "KS", "overrides": {"hourly_rate": "cheap"}}]},
        ["schemes[0]", "hourly_rate", "expected a number"],
    ),
    ({"services": {"group_sizes": {"1": 1.0}}}, ["services.group_sizes", "2 or more"]),
    (
        {"simulation": {"replications": 0}},
        ["simulation.replications", "greater than or equal to 1"],
    ),
]


@pytest.mark.parametrize(("data", "words"), BAD)
def test_bad_scenario_is_one_line_with_the_field_path(tmp_path, capsys, data, words):
    path = _write(tmp_path, data)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(path) in err
    for word in words:
        assert word in err, (word, err)


def test_set_changes_a_field_by_dotted_path():
    sc = load_scenario(
        ROOT / "scenarios" / "baseline.yaml",
        {"caseload.consumers": "2000", "schemes.4.overrides.hourly_rate": "50"},
    )
    assert sc.caseload.consumers == 2000
    assert sc.schemes[4].overrides["hourly_rate"] == 50


@pytest.mark.parametrize(
    ("setting", "words"),
    [
        ("caseload.consumers=-1", ["caseload.consumers"]),
        ("caseload.nothing=1", ["caseload.nothing", "unknown field"]),
    ],
)
def test_bad_set_on_a_scenario(setting, words, capsys):
    assert main(["validate", str(ROOT / "scenarios" / "small.yaml"), "--set", setting]) == 2
    err = capsys.readouterr().err
    for word in words:
        assert word in err


def test_missing_and_malformed_files(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert "expected an existing scenario file" in capsys.readouterr().err
    broken = tmp_path / "broken.yaml"
    broken.write_text("caseload: [1, 2\n")
    assert main(["validate", str(broken)]) == 2
    assert "expected valid YAML" in capsys.readouterr().err


def test_empty_scenario_is_the_default():
    assert Scenario() == Scenario.model_validate({})


def test_a_note_belongs_to_its_own_field_even_when_the_definition_wraps():
    from jobcoach_model.caseloads.scenario import field_notes

    notes = field_notes()
    # these definitions wrap over lines; their comment ends the last line
    for path in ("services.offsite_share", "services.offsite_approved_share"):
        assert notes[path] == "assumption", path
    assert "Montana" not in notes["services.wrong_code_share"]
    assert notes["authorizations.length_weeks"].startswith("weeks one authorization runs")


def test_findings_say_the_benchmark_the_scenario_sets():
    from jobcoach_model.caseloads.runner import run
    from jobcoach_model.presentation import findings as fd

    small = Path(__file__).resolve().parents[1] / "scenarios" / "small.yaml"
    sc = load_scenario(small, {"benchmark.share": "0.7", "benchmark.window_days": "60"})
    said = " ".join(fd.findings(run(sc)))
    assert (
        "benchmark of 70% within 60 days" in said and "80%" not in said.split("benchmark")[1][:30]
    )
    default = " ".join(fd.findings(run(load_scenario(small))))
    assert "benchmark of 80% within 90 days" in default  # the rulebook's cited figures
