"""The bridge: steps named by rule id that add up, to the cent and in every replication,
to the difference between two schemes' totals; the attribution of lines refused by
several rules; and the command."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import examples

from jobcoach_model.analysis.bridge import Steps, bridge
from jobcoach_model.caseloads.runner import run, simulate_all
from jobcoach_model.caseloads.scenario import load_scenario, scenario_from_dict
from jobcoach_model.cli import main

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "scenarios" / "small.yaml"

SCHEMES = [
    {"name": "KS", "kind": "hourly", "rules": "KS"},
    {"name": "IA", "kind": "hourly", "rules": "IA"},
    {"name": "IA outcome", "kind": "outcome", "rules": "IA"},
    {"name": "IA unit", "kind": "unit_rate", "rules": "IA"},
]


@st.composite
def scenarios(draw):
    """Small scenarios with random shares and schemes with random overrides."""
    share = st.floats(0.0, 0.4)
    ks = {
        "hourly_rate": draw(st.sampled_from([None, 33.333, 45.16])),
        "notice_period": draw(st.sampled_from([None, "cease_on_notice"])),
        "group_billing": draw(st.sampled_from([None, "per_person"])),
    }
    ia = {
        "hourly_payment_timing": draw(st.sampled_from([None, "on_report"])),
        "rate_above_cap": draw(st.sampled_from([None, "deny"])),
        "medicaid_hourly_rate": draw(st.sampled_from([None, 41.5])),
        "plan_approval": draw(st.sampled_from([None, "before_service", "not_required"])),
    }
    extra = [
        {"name": "KS what-if", "rules": "KS", "overrides": {k: v for k, v in ks.items() if v}},
        {"name": "IA what-if", "rules": "IA", "overrides": {k: v for k, v in ia.items() if v}},
    ]
    data = {
        "name": "generated",
        "caseload": {
            "consumers": draw(st.integers(5, 60)),
            "weeks": draw(st.integers(6, 40)),
            "start_window_weeks": draw(st.integers(1, 10)),
            "coaches": {
                "providers": draw(st.integers(1, 4)),
                "coaches_per_provider": draw(st.integers(1, 3)),
                "cco_share": draw(share),
                "independent_share": draw(st.floats(0, 1)),
                "w9_share": draw(st.floats(0.5, 1)),
                "rate_mean": draw(st.floats(30, 50)),
            },
        },
        "services": {
            "group_share": draw(share),
            "offsite_share": draw(share),
            "plan_late_share": draw(share),
            "wrong_code_share": draw(share),
            "concurrent_assessment_share": draw(share),
        },
        "outcomes": {"report_late_share": draw(share), "withdrawal_share": draw(share)},
        "authorizations": {"hours": {"low": 10, "medium": draw(st.integers(5, 60)), "high": 30}},
        "schemes": SCHEMES + extra,
        "simulation": {"seed": draw(st.integers(0, 10**6)), "replications": 3, "chunk": 2},
    }
    return scenario_from_dict(data, "generated")


@settings(max_examples=examples(12), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios())
def test_bridge_steps_add_up_to_the_difference_in_every_replication(scenario):
    chunks = simulate_all(scenario)
    names = [s.name for s in scenario.schemes]
    results = run(scenario, simulated=chunks, keep_sample=False)
    for a in names:
        for b in names:
            if a == b:
                continue
            br = bridge(scenario, a, b, simulated=chunks)
            steps = br.per_replication.sum(axis=1).to_numpy() if len(br.steps) else 0
            assert np.array_equal(steps + br.from_total, br.to_total), (a, b)
            # the totals are the ones every other table reports
            for name, total in ((a, br.from_total), (b, br.to_total)):
                assert total.mean() / 100 == pytest.approx(
                    results.metric(name, "total_paid"), abs=0.01
                )


def test_a_bridge_to_itself_has_no_steps():
    sc = load_scenario(SMALL)
    br = bridge(sc, "Kansas hourly", "Kansas hourly")
    assert br.steps.empty and np.array_equal(br.from_total, br.to_total)


def test_payment_timing_is_one_step_named_by_its_rule():
    sc = load_scenario(
        SMALL,
        {
            "schemes": "[{name: default, rules: IA}, {name: on_report, rules: IA, "
            "overrides: {hourly_payment_timing: on_report}}]"
        },
    )
    br = bridge(sc, "default", "on_report")
    assert list(br.steps["rule_id"]) == ["IA-STABILIZATION"]
    assert br.steps["step"].iloc[0] == "refusal"
    assert br.steps["mean"].iloc[0] > 0  # payment no longer waits for stabilization
    # and it is the difference of the totals
    assert br.steps["mean"].iloc[0] == pytest.approx(
        (br.to_total - br.from_total).mean() / 100, abs=0.01
    )


def test_a_rate_change_is_one_rate_step():
    sc = load_scenario(
        ROOT / "scenarios" / "kansas_at_iowa_rate.yaml", {"simulation.replications": "4"}
    )
    names = [s.name for s in sc.schemes]
    br = bridge(sc, names[0], names[1])
    assert set(br.steps["step"]) == {"rate"} and set(br.steps["rule_id"]) == {"KS-RATE"}
    assert (br.to_total > br.from_total).all()


def test_kansas_to_iowa_names_iowa_rules_that_refuse_and_kansas_rules_that_no_longer_do():
    sc = load_scenario(SMALL)
    br = bridge(sc, "Kansas hourly", "Iowa hourly")
    refusal = br.steps[br.steps["step"] == "refusal"].set_index("rule_id")["mean"]
    assert refusal.get("IA-STABILIZATION", 0) < 0  # Iowa holds what Kansas pays
    assert all(refusal[r] >= 0 for r in refusal.index if r.startswith("KS-"))
    assert all(refusal[r] <= 0 for r in refusal.index if r.startswith("IA-"))
    assert br.steps["statement"].str.len().gt(0).all()


def test_outcome_bridge_adds_milestones_and_removes_hourly_pay():
    sc = load_scenario(SMALL)
    br = bridge(sc, "Iowa hourly", "Iowa outcome (D codes)")
    kinds = dict(zip(br.steps["rule_id"], br.steps["step"], strict=True))
    assert kinds["IA-RATE"] == "basis" and kinds["D21"] == "milestone"
    assert br.steps.set_index("rule_id").loc["IA-RATE", "mean"] < 0


def test_refusal_by_several_rules_is_split_equally_remainder_to_the_first():
    steps = Steps(2)
    rep = np.array([0, 0, 1])
    code = np.array([3, 3, 3])
    cents = np.array([100, -7, 5])
    steps.add_by_rules("refusal", {3: ["A", "B", "C"]}, code, rep, cents)
    a, b, c = (steps.cents[("refusal", r)] for r in "ABC")
    # rep 0: 100 -> 34, 33, 33 and -7 -> -3, -2, -2; rep 1: 5 -> 2, 2, 1
    assert a.tolist() == [31, 2] and b.tolist() == [31, 2] and c.tolist() == [31, 1]
    assert (a + b + c).tolist() == [93, 5]


def test_cli_bridge_writes_csv_and_chart(tmp_path, capsys):
    out, chart = tmp_path / "bridge.csv", tmp_path / "bridge.png"
    code = main(
        [
            "bridge",
            str(SMALL),
            "--from",
            "Kansas hourly",
            "--to",
            "Iowa hourly",
            "--out",
            str(out),
            "--chart",
            str(chart),
            "--set",
            "simulation.replications=4",
        ]
    )
    assert code == 0
    table = pd.read_csv(out, keep_default_na=False)
    assert list(table.columns[:2]) == ["step", "rule_id"]
    assert {"mean", "p05", "p95"} <= set(table.columns)
    inner = table.iloc[1:-1]
    assert inner["mean"].sum() == pytest.approx(
        table["mean"].iloc[-1] - table["mean"].iloc[0], abs=0.02
    )
    assert chart.stat().st_size > 1000
    assert "add up to the difference in every replication: yes" in capsys.readouterr().out


def test_cli_bridge_unknown_scheme_is_one_line(capsys):
    assert main(["bridge", str(SMALL), "--from", "Texas", "--to", "Iowa hourly"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "scheme 'Texas' is not in scenario" in err[0]


def test_a_scenario_names_the_pairs_its_brief_explains(tmp_path):
    from jobcoach_model.base.errors import ScenarioError
    from jobcoach_model.presentation.findings import brief_bridges, findings

    sets = {
        "simulation.replications": "3",
        "bridges": '[["Iowa hourly", "Iowa SE unit rate"], ["Kansas hourly", "Iowa outcome (D codes)"]]',
    }
    results = run(load_scenario(SMALL, sets), keep_sample=False)
    bridges = brief_bridges(results)
    assert [(b.source, b.target) for b in bridges] == [
        ("Iowa hourly", "Iowa SE unit rate"),
        ("Kansas hourly", "Iowa outcome (D codes)"),
    ]
    sentences = findings(results, bridges)
    assert any(s.startswith("Iowa SE unit rate costs") for s in sentences)
    # by default, the first two schemes
    plain = run(load_scenario(SMALL, {"simulation.replications": "3"}), keep_sample=False)
    assert [(b.source, b.target) for b in brief_bridges(plain)] == [
        ("Kansas hourly", "Iowa hourly")
    ]
    with pytest.raises(ScenarioError, match="bridges: 'Texas' is not a scheme"):
        load_scenario(SMALL, {"bridges": '[["Texas", "Iowa hourly"]]'})


@pytest.mark.parametrize("target", ["Iowa hourly", "Iowa outcome (D codes)"])
def test_providers_changes_add_up_to_the_bridge_in_every_replication(target):
    from jobcoach_model.analysis.gains import gains_by_band

    sc = load_scenario(ROOT / "scenarios" / "small.yaml", {"simulation.replications": "6"})
    b = bridge(sc, "Kansas hourly", target)
    change = (b.provider_to - b.provider_from).sum(axis=1)
    assert np.array_equal(change, b.to_total - b.from_total)
    table = gains_by_band(b.provider_from, b.provider_to, b.provider_consumers).set_index("band")
    everyone = table.loc["all providers"]
    assert everyone["total_change"] == pytest.approx((b.to_total - b.from_total).mean() / 100)
    assert everyone["consumers"] == pytest.approx(sc.caseload.consumers)
    assert everyone["gain_over_5pct"] + everyone["lose_over_5pct"] <= everyone["providers"]
