"""Joint draws over every assumption and reading: reproducible, the same whatever the
number of workers, each draw equal to ``jobcoach simulate`` with its values, and the
command's four files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import external_cluster

from jobcoach_model.analysis.problem import inputs, interpretation_points
from jobcoach_model.analysis.sweep import run_batched
from jobcoach_model.analysis.uncertainty import draw_points, run_draws
from jobcoach_model.base.errors import SensitivityError
from jobcoach_model.caseloads.runner import run
from jobcoach_model.caseloads.scenario import (
    ScenarioError,
    load_scenario,
    load_scenario_data,
    scenario_from_dict,
)
from jobcoach_model.cli import main

SMALL = Path(__file__).resolve().parents[1] / "scenarios" / "small.yaml"
SETS = {"caseload.consumers": "60"}


@pytest.fixture(scope="module")
def small():
    base, source = load_scenario_data(SMALL, SETS)
    return base, source, load_scenario(SMALL, SETS)


def test_draws_are_reproducible_and_a_draw_does_not_depend_on_how_many(small):
    _, _, scenario = small
    five, points = draw_points(scenario, 5)
    again, _ = draw_points(scenario, 5)
    pd.testing.assert_frame_equal(five, again)
    pd.testing.assert_frame_equal(draw_points(scenario, 3)[0], five.iloc[:3])
    for inp in inputs(scenario):
        assert five[inp.name].between(inp.low, inp.high).all(), inp.name
    options = {}
    for code, name, option, _, _ in interpretation_points(scenario):
        options.setdefault(f"{code}.{name}", set()).add(option)
    for name, allowed in options.items():
        assert set(five[name]) <= allowed, name
    assert len(set(five["seed"])) == 5 and all(p["simulation.replications"] == 1 for p in points)


@pytest.fixture(scope="module")
def four(small):
    base, source, scenario = small
    return run_draws(base, source, scenario, 4, workers=0).table


@pytest.mark.parametrize("workers", [1, 2])
def test_draws_are_the_same_with_0_1_and_2_workers(small, four, workers):
    base, source, scenario = small
    there = run_draws(base, source, scenario, 4, workers=workers).table
    pd.testing.assert_frame_equal(four, there, check_exact=True)


def test_draws_are_the_same_through_an_external_scheduler(small, four, tmp_path):
    base, source, scenario = small
    with external_cluster(tmp_path) as address:
        there = run_draws(base, source, scenario, 4, scheduler=address).table
    pd.testing.assert_frame_equal(four, there, check_exact=True)


def test_draws_do_not_depend_on_the_batch_size(small, four):
    base, source, scenario = small
    _, points = draw_points(scenario, 4)
    for size in (1, 3):
        rows = run_batched(base, source, points, workers=0, batch=size)
        for column in rows.columns:
            assert rows[column].tolist() == four[column].tolist(), (size, column)


def test_every_draw_equals_simulate_with_its_values(small, four):
    base, source, scenario = small
    _, points = draw_points(scenario, 4)
    for i, point in enumerate(points):
        alone = run(load_scenario(SMALL, {**SETS, **{k: str(v) for k, v in point.items()}}))
        for name in (s.name for s in scenario.schemes):
            for metric in ("total_paid", "paid_per_retained_90d"):
                assert four.loc[i, f"{name} | {metric}"] == alone.metric(name, metric), (i, name)


def test_the_command_writes_draws_probabilities_findings_and_evppi(tmp_path, capsys):
    out = tmp_path / "unc"
    args = ["uncertainty", str(SMALL), "--draws", "12", "--workers", "0", "--quiet"]
    assert main([*args, "--out", str(out), "--set", "caseload.consumers=60"]) == 0
    said = capsys.readouterr().out
    assert "cheapest in" in said and "draws would bring it within" in said
    table = pd.read_csv(out / "uncertainty.csv")
    assert list(table.columns) == [
        "scheme", "mean", "p05", "p95", "sim_p05", "sim_p95", "p_cheapest", "se",
    ]  # fmt: skip
    assert table["p_cheapest"].sum() == pytest.approx(1.0, abs=1e-3)
    findings = pd.read_csv(out / "findings.csv")
    assert list(findings.columns) == ["finding", "probability", "se"] and len(findings) == 12
    evppi = pd.read_csv(out / "evppi.csv")
    assert list(evppi.columns) == ["input", "evppi", "se"] and evppi["input"].iloc[-1] == "EVPI"
    draws = pd.read_parquet(out / "draws.parquet")
    assert len(draws) == 12 and "Kansas hourly | total_paid" in draws.columns
    flips = pd.read_csv(out / "flips.csv")
    assert list(flips.columns) == ["box", "input", "range", "coverage", "density", "draws"]
    assert main([*args[:3], "1", "--workers", "0", "--out", str(tmp_path / "x")]) == 2


def test_reading_weights_are_honoured_and_a_zero_weight_is_never_drawn(small):
    base, source, _ = small
    weights = {"IA.rate_above_cap": {"cap": 3, "deny": 1}, "IA.rounding": {"half_up": 1}}
    scenario = scenario_from_dict({**base, "uncertainty": {"reading_weights": weights}}, source)
    values, _ = draw_points(scenario, 400)
    assert set(values["IA.rounding"]) == {"half_up"}
    share = (values["IA.rate_above_cap"] == "cap").mean()
    assert abs(share - 0.75) < 3 * (0.75 * 0.25 / 400) ** 0.5
    # the other readings keep their own equal chances
    plain, _ = draw_points(load_scenario(SMALL, SETS), 400)
    assert 0.35 < (plain["IA.rate_above_cap"] == "cap").mean() < 0.65


@pytest.mark.parametrize(
    "weights, says",
    [
        ({"IA.no_such": {"a": 1}}, "IA.no_such: no such reading"),
        ({"IA.rounding": {"bankers": 1}}, "'bankers' is not an option"),
    ],
)
def test_a_weight_for_an_unknown_reading_or_option_is_one_clear_line(small, weights, says):
    base, source, _ = small
    scenario = scenario_from_dict({**base, "uncertainty": {"reading_weights": weights}}, source)
    with pytest.raises(SensitivityError, match=says):
        draw_points(scenario, 3)


def test_negative_or_all_zero_weights_are_refused_by_the_scenario(small):
    base, source, _ = small
    overflow = {"IA.rounding": {"half_up": 1e308, "half_even": 1e308}}  # sums to inf
    for bad in ({"IA.rounding": {"half_up": -1}}, {"IA.rounding": {"half_up": 0}}, overflow):
        with pytest.raises(ScenarioError, match="reading_weights: IA.rounding"):
            scenario_from_dict({**base, "uncertainty": {"reading_weights": bad}}, source)


def test_a_calibrated_input_is_drawn_from_its_fit_and_never_leaves_its_domain(small):
    base, source, _ = small
    fitted = {
        "services.group_share": {"low": 0.08, "high": 0.13, "source": "fit"},
        "services.wrong_code_share": {"low": 0.0, "high": 0.02, "source": "fit"},
    }
    data = {**base, "fitted": fitted}
    data["services"] = {**base.get("services", {}), "group_share": 0.1, "wrong_code_share": 0.001}
    scenario = scenario_from_dict(data, source)
    values, _ = draw_points(scenario, 2000)
    group = values["services.group_share"]
    # median its fitted value, 5th and 95th percentiles its interval (within sampling error)
    assert abs(group.median() - 0.1) < 0.003
    assert abs(group.quantile(0.05) - 0.08) < 0.004 and abs(group.quantile(0.95) - 0.13) < 0.005
    assert group.min() < 0.08 and group.max() > 0.13  # the tails beyond the interval remain
    assert values["services.wrong_code_share"].min() >= 0.0  # a share is never negative
    # an input that is not fitted stays uniform over its range
    plain = next(i for i in inputs(scenario) if i.name == "services.offsite_share")
    assert not plain.fitted
    share = values["services.offsite_share"]
    assert abs(share.mean() - (plain.low + plain.high) / 2) < 0.01 * (plain.high - plain.low) * 5


def _toy_analysis(cost_b):
    from jobcoach_model.analysis.uncertainty import Draws, analyse

    rng = np.random.default_rng(5)
    n = 1500
    table = pd.DataFrame({"draw": range(n), "seed": range(n)})
    table["x"], table["noise"] = rng.uniform(0, 1, n), rng.uniform(0, 1, n)
    table["R.reading"] = rng.choice(["one", "two"], n)
    table["A | total_paid"] = np.full(n, 50_000.0)  # dollars
    table["B | total_paid"] = 100_000.0 * cost_b(table)
    for s in "AB":
        table[f"{s} | paid_per_retained_90d"] = table[f"{s} | total_paid"]
    return analyse(Draws(table, ["x", "noise"], ["R.reading"], ["A", "B"]))


def test_how_sure_names_the_inputs_worth_measuring_and_says_when_none_alone_would(monkeypatch):
    from jobcoach_model.presentation import likely_figures
    from jobcoach_model.presentation.likely_figures import opening_html, worth_sentence

    # toy inputs have no glossary entry: their names stand for their labels here
    monkeypatch.setattr(likely_figures, "input_words", lambda a, name: name)

    decisive = _toy_analysis(lambda t: t["x"])
    said = worth_sentence(decisive)
    assert said.index("Most worth measuring, one at a time: x (") < said.index("No other")
    assert "noise (" not in said  # worth nothing, never named
    assert "is the cheapest scheme in" in opening_html(decisive)
    # B is cheaper only when x is high under reading "two": x alone or the reading alone
    # never moves the expected choice (B is dearer on average either way), both together do
    jointly = _toy_analysis(lambda t: np.where(t["R.reading"] == "two", 1.3 - 1.2 * t["x"], 0.95))
    said = worth_sentence(jointly)
    assert "No single input or reading, measured alone, is clearly worth anything" in said
    assert "Known together, x and R.reading would be worth" in said
