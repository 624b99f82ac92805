"""Providers' responses carried through every path that prices a scenario (issue 32): the
brief's run, the lean totals of the sensitivity and the joint draws, the sweep's shared
caseloads, the bridges and the budget's pilot; value for money and what to measure next
over the joint draws. With the responses on, each scheme is priced on its own caseload
(``responses.responded``) wherever it is priced, so the brief's totals, its value for
money, its bridges and its draws are the same money."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jobcoach_model.analysis.bridge import RESPONSES, bridge
from jobcoach_model.analysis.problem import inputs
from jobcoach_model.analysis.uncertainty import Draws
from jobcoach_model.analysis.value import acceptability, evpi, from_draws, value_for_money
from jobcoach_model.caseloads.responses import paid_on_outcomes, responded
from jobcoach_model.caseloads.runner import paid_totals, run
from jobcoach_model.caseloads.scenario import Value, load_scenario


def _design(replications: int = 4, consumers: int = 300):
    sc = load_scenario("payment_design")
    return sc.model_copy(
        update={
            "caseload": sc.caseload.model_copy(update={"consumers": consumers}),
            "simulation": sc.simulation.model_copy(update={"replications": replications}),
        }
    )


@pytest.fixture(scope="module")
def design():
    sc = _design()
    return sc, run(sc, keep_sample=False)


def test_run_prices_each_scheme_on_its_own_caseload(design):
    """Every scheme's money in the run equals that scheme run alone on its responded
    caseload, replication by replication, and its money per kept job divides by the jobs
    kept there; the caseload's own measures are the first scheme's caseload's."""
    sc, results = design
    per = results.per_replication
    for scheme in sc.schemes:
        alone = run(responded(sc, scheme), keep_sample=False).per_replication
        name = scheme.name
        for metric in ("total_paid", "denied_amount", "paid_per_retained_90d"):
            assert per[f"{name} | {metric}"].equals(alone[f"{name} | {metric}"]), metric
        for count in ("retained_90d", "stabilized"):  # the outcomes on its own caseload
            own = alone[f"caseload | {count}_share"] * sc.caseload.consumers
            assert np.allclose(per[f"{name} | {count}"], own), count
    first = run(responded(sc, sc.schemes[0]), keep_sample=False).per_replication
    assert per["caseload | retained_90d_share"].equals(first["caseload | retained_90d_share"])
    # the two kinds of pay really are priced on different caseloads
    outcome = next(s.name for s in sc.schemes if paid_on_outcomes(s))
    assert not per[f"{outcome} | retained_90d"].equals(per[f"{sc.schemes[0].name} | retained_90d"])
    assert list(results.summary["scheme"].unique())[:-1] == [s.name for s in sc.schemes]


def test_responses_off_give_no_per_scheme_outcomes_and_the_same_totals():
    sc = _design().model_copy(update={"responses": None})
    results = run(sc, keep_sample=False)
    assert "retained_90d" not in set(results.summary["metric"])
    totals = paid_totals(sc)
    assert {m for _, m in totals} == {"total_paid", "paid_per_retained_90d"}
    for (scheme, metric), values in totals.items():
        assert np.array_equal(
            values, results.per_replication[f"{scheme} | {metric}"].to_numpy(), equal_nan=True
        )


def test_lean_totals_equal_the_run_with_responses_on(design):
    """``paid_totals`` (each draw, each sensitivity point) gives the run's numbers exactly,
    with or without caseloads kept between calls and totals already known."""
    sc, results = design
    fresh = paid_totals(sc)
    kept, known = {}, {}
    first = paid_totals(sc, kept, known)
    again = paid_totals(sc, kept, known)  # every scheme known: only the caseloads counted
    assert set(kept) == {False, True} and len(known) == len(sc.schemes)
    for key, values in fresh.items():
        col = f"{key[0]} | {key[1]}"
        assert np.array_equal(values, results.per_replication[col].to_numpy(), equal_nan=True)
        assert np.array_equal(first[key], values, equal_nan=True)
        assert np.array_equal(again[key], values, equal_nan=True)


def test_a_sweep_point_with_responses_is_the_run_at_that_point():
    """Points sharing a caseload share each kind of pay's caseload, and a point's totals
    equal the scenario run at that point."""
    from jobcoach_model.analysis.sweep import run_shared
    from jobcoach_model.caseloads.scenario import scenario_yaml

    sc = _design(replications=3, consumers=200)
    import yaml

    base = yaml.safe_load(scenario_yaml(sc))
    points = [{}, {"schemes.0.overrides.hourly_rate": 45.0}]
    got = run_shared(base, "payment_design", {"points": points})
    for sets, result in zip(points, got, strict=True):
        assert result.error is None
        moved = sc
        if sets:
            first = sc.schemes[0].model_copy(update={"overrides": {"hourly_rate": 45.0}})
            moved = sc.model_copy(update={"schemes": (first, *sc.schemes[1:])})
        want = run(moved, keep_sample=False).summary.set_index(["scheme", "metric"])
        rows = result.summary.set_index(["scheme", "metric"])
        for key in rows.index:
            assert rows.loc[key, "mean"] == pytest.approx(want.loc[key, "mean"], abs=1e-6), key


def test_the_responses_are_swung_only_when_they_are_on():
    names = {i.name for i in inputs(_design())}
    assert {
        "responses.creaming",
        "responses.milestone_gain",
        "responses.faster_stabilization",
        "responses.slower_fading",
    } <= names
    off = {i.name for i in inputs(_design().model_copy(update={"responses": None}))}
    assert not any(n.startswith("responses.") for n in off)


def test_bridges_with_responses_add_up_to_each_schemes_own_total(design):
    """Two hourly schemes bridge on their shared caseload with no response step; hourly to
    outcome pay ends with the response step; the steps add up to the run's totals, and
    the providers' money to the target's total, in every replication."""
    sc, results = design
    per = results.per_replication
    names = [s.name for s in sc.schemes]
    outcome = next(s.name for s in sc.schemes if paid_on_outcomes(s))
    hourly = [n for n in names if n != outcome]
    for source, target, crosses in (
        (hourly[0], hourly[1], False),
        (hourly[0], outcome, True),
        (outcome, hourly[0], True),
    ):
        b = bridge(sc, source, target)
        assert np.allclose(b.from_total / 100, per[f"{source} | total_paid"], atol=0.006)
        assert np.allclose(b.to_total / 100, per[f"{target} | total_paid"], atol=0.006)
        steps = b.per_replication.sum(axis=1).to_numpy()
        assert (steps == b.to_total - b.from_total).all()
        assert (b.provider_to.sum(axis=1) == b.to_total).all()
        assert (b.steps["rule_id"] == RESPONSES).any() == crosses
    # the caseloads a run kept, by kind of pay, give the same bridge without simulating
    kept: dict = {}
    run(sc, keep_sample=False, simulated=kept)
    again = bridge(sc, hourly[0], outcome, simulated=kept)
    assert (again.to_total == bridge(sc, hourly[0], outcome).to_total).all()
    assert set(kept) == {False, True}
    with pytest.raises(ValueError, match="responses"):
        bridge(sc, hourly[0], outcome, simulated=[])


def test_the_budget_counts_one_caseload_per_kind_of_pay():
    from jobcoach_model.caseloads.budget import estimate

    sc = _design(replications=2, consumers=200)
    assert estimate(sc).seconds > 0
    with pytest.raises(ValueError, match="responses"):
        run(sc, simulated=[])


def _draws(paid_b: list[float], kept_b: list[float], with_kept: bool = True) -> Draws:
    """A pays 100 and keeps 10 jobs in every draw; B pays and keeps what it is given; the
    input ``x`` is B's kept jobs, so knowing it is knowing which scheme is best."""
    n = len(paid_b)
    table = {
        "draw": range(n),
        "seed": range(n),
        "x": kept_b,
        "A | total_paid": [100.0] * n,
        "B | total_paid": paid_b,
    }
    if with_kept:
        table |= {"A | retained_90d": [10.0] * n, "B | retained_90d": kept_b}
    return Draws(pd.DataFrame(table), ["x"], [], ["A", "B"])


def test_value_for_money_over_joint_draws_on_a_toy_with_a_known_answer():
    """At 10.5 a kept job, A's net benefit is 5 in each draw; B's is 10.5 x kept - 200:
    -0.5 and 20.5. B is best in half the draws, perfect information is worth 2.75 (the
    mean of the best, 12.75, less the best mean, 10), and all of it is the input's."""
    sc = load_scenario("payment_design").model_copy(
        update={"value": Value(per_kept_job=10.5, low=0, high=40)}
    )
    sc = sc.model_copy(
        update={
            "schemes": tuple(
                s.model_copy(update={"name": n}) for s, n in zip(sc.schemes[:2], "AB", strict=True)
            )
        }
    )
    drawn = from_draws(_draws([200.0, 200.0], [19.0, 21.0]), sc)
    assert drawn.over == "joint draws"
    assert acceptability(drawn, np.array([10.5]))["probability"].tolist() == [0.5, 0.5]
    assert evpi(drawn, 10.5) == pytest.approx(2.75)
    worth = drawn.evppi.set_index("input")["evppi"]
    assert worth["EVPI"] == pytest.approx(2.75)
    assert worth["x"] == pytest.approx(2.75)
    assert from_draws(_draws([200.0, 200.0], [19.0, 21.0], with_kept=False), sc) is None


def test_value_for_money_reuses_the_briefs_run(design):
    sc, results = design
    given = value_for_money(sc, results=results)
    again = value_for_money(sc)
    pd.testing.assert_frame_equal(given.table(), again.table())
    outcome = next(s.name for s in sc.schemes if paid_on_outcomes(s))
    assert np.array_equal(given.kept[outcome], results.per_replication[f"{outcome} | retained_90d"])


def test_the_uncertainty_command_writes_value_for_money_only_with_responses(tmp_path, capsys):
    """``jobcoach uncertainty`` on a scenario with responses prints the best buy over its
    draws and writes the acceptability curve (a probability per scheme adding up to one
    at each value) and the value of measuring each input; without them, neither."""
    import pandas as pd

    from jobcoach_model.cli import main

    small = ["--set", "caseload.consumers=150", "--set", "simulation.replications=2"]
    out = tmp_path / "design"
    assert main(["uncertainty", "payment_design", "--draws", "6", *small, "--out", str(out)]) == 0
    assert "the best buy at 4,008 USD a kept job" in capsys.readouterr().out
    curve = pd.read_csv(out / "acceptability.csv")
    assert set(curve["scheme"]) == {s.name for s in load_scenario("payment_design").schemes}
    assert curve.groupby("value")["probability"].sum().round(9).eq(1).all()
    worth = pd.read_csv(out / "value_evppi.csv")
    assert "responses.creaming" in set(worth["input"]) and worth["input"].iloc[-1] == "EVPI"
    plain = tmp_path / "plain"
    assert main(["uncertainty", "small", "--draws", "4", *small, "--out", str(plain)]) == 0
    assert not (plain / "acceptability.csv").exists()
    assert not (plain / "value_evppi.csv").exists()


def test_simulate_says_whose_caseload_its_records_are_only_with_responses(tmp_path, capsys):
    from jobcoach_model.cli import main

    small = ["--set", "caseload.consumers=150", "--set", "simulation.replications=2"]
    assert main(["simulate", "payment_design", *small, "--out", str(tmp_path / "d")]) == 0
    said = capsys.readouterr().out
    assert "records: replication 0 of Kansas hourly's caseload" in said
    assert main(["simulate", "small", *small, "--out", str(tmp_path / "s")]) == 0
    assert "records: replication 0" not in capsys.readouterr().out
