"""Value of information and the probability of findings, checked on toy models whose
answers are known (as DESIGN.md asks): an input that does not enter the model is worth
nothing, a decisive one is worth all there is to know (EVPPI = EVPI), a reading decides
by its option, and a finding's probability lies within its standard error of the truth."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from jobcoach_model.voi import (
    cheapest,
    evpi,
    evppi,
    pairwise_findings,
    probability,
    value_of_information,
)

N = 2000


def _toy(seed: int = 1):
    rng = np.random.default_rng(seed)
    theta = rng.uniform(0, 1, N)  # decides which scheme is cheaper
    noise = rng.uniform(0, 1, N)  # enters neither cost
    reading = rng.choice(["a", "b"], N)
    costs = pd.DataFrame({"A": theta, "B": np.full(N, 0.5)})
    draws = pd.DataFrame({"theta": theta, "noise": noise, "reading": reading})
    return draws, costs


def test_an_input_that_does_not_enter_the_model_is_worth_nothing():
    draws, costs = _toy()
    value, se = evppi(-costs.to_numpy(), draws["noise"].to_numpy())
    assert value < 3 * se + 1e-3 * evpi(-costs.to_numpy())
    option, option_se = evppi(-costs.to_numpy(), draws["reading"].to_numpy(), categorical=True)
    assert option < 3 * option_se + 1e-3


def test_a_decisive_input_is_worth_all_there_is_to_know():
    """cost A = theta ~ U(0, 1), cost B = 0.5: EVPI = E[max(-theta, -0.5)] + 0.5 = 0.125."""
    draws, costs = _toy()
    nb = -costs.to_numpy()
    total = evpi(nb)
    assert total == pytest.approx(0.125, abs=0.01)
    value, se = evppi(nb, draws["theta"].to_numpy())
    assert value == pytest.approx(total, abs=max(3 * se, 0.005))


def test_a_reading_that_decides_is_worth_its_evpi():
    rng = np.random.default_rng(3)
    reading = rng.choice(["cap", "deny"], N)
    costs = pd.DataFrame({"A": np.where(reading == "cap", 1.0, 3.0), "B": np.full(N, 2.0)})
    nb = -costs.to_numpy()
    value, _ = evppi(nb, reading, categorical=True)
    assert value == pytest.approx(evpi(nb), abs=1e-9)
    assert evpi(nb) == pytest.approx(0.5, abs=0.05)  # half the draws save 1.0


def test_the_probability_of_a_finding_lies_within_its_standard_error_of_the_truth():
    """A ~ N(0, 1), B ~ N(0.5, 1): P(A < B) = Phi(0.5 / sqrt 2) = 0.638."""
    truth = 0.5 * (1 + math.erf(0.5 / math.sqrt(2) / math.sqrt(2)))
    within = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        costs = pd.DataFrame({"A": rng.normal(0, 1, N), "B": rng.normal(0.5, 1, N)})
        row = pairwise_findings(costs).set_index("finding").loc["A costs less than B"]
        within += abs(row["probability"] - truth) <= 2 * row["se"]
        assert abs(row["probability"] - truth) <= 4 * row["se"]
    assert within >= 17  # about 95% of 20 within two standard errors


def test_cheapest_probabilities_add_up_to_one_and_their_errors_shrink_with_draws():
    draws, costs = _toy()
    table = cheapest(costs)
    assert table["p_cheapest"].sum() == pytest.approx(1.0)
    assert table.set_index("scheme").loc["A", "p_cheapest"] == pytest.approx(0.5, abs=0.04)
    assert probability(np.arange(400) % 2 == 0).se == pytest.approx(0.025)


def test_the_table_ranks_inputs_and_ends_with_evpi():
    draws, costs = _toy()
    table = value_of_information(draws, ["theta", "noise"], ["reading"], costs)
    assert (
        list(table["input"]) == ["theta", "noise", "reading", "EVPI"]
        or list(table["input"])[0] == "theta"
    )
    assert table["input"].iloc[-1] == "EVPI" and (table["se"] > 0).all()
    assert list(table.columns) == ["input", "evppi", "se"]


def test_a_group_holding_the_decisive_input_is_worth_evpi_and_no_less_than_its_members():
    draws, costs = _toy()
    nb = -costs.to_numpy()
    together, se = evppi(nb, [draws["noise"].to_numpy(), draws["theta"].to_numpy()])
    assert together == pytest.approx(evpi(nb), abs=3 * se + 0.005)
    table = value_of_information(
        draws, ["theta", "noise"], ["reading"], costs, groups={"both": ["noise", "reading"]}
    ).set_index("input")
    assert table.loc["both", "evppi"] < 3 * table.loc["both", "se"] + 1e-3
    assert table.loc["theta", "evppi"] > 10 * table.loc["both", "evppi"]


def test_two_inputs_that_decide_only_together_are_worth_more_together():
    rng = np.random.default_rng(4)
    a, b = rng.uniform(0, 1, N), rng.uniform(0, 1, N)
    # the second scheme costs less only when both inputs are high: neither alone moves
    # the expected choice far, together they settle it
    costs = pd.DataFrame({"A": np.full(N, 0.2), "B": 1.0 - 1.2 * a * b})
    draws = pd.DataFrame({"a": a, "b": b})
    table = value_of_information(draws, ["a", "b"], [], costs, groups={"a and b": ["a", "b"]})
    t = table.set_index("input")["evppi"]
    assert t["a and b"] > t["a"] + t["b"]
    assert t["a and b"] <= t["EVPI"] + 1e-9
