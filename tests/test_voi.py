"""Value of information and the probability of findings, checked on toy models whose
answers are known (as DESIGN.md asks): an input that does not enter the model is worth
nothing, a decisive one is worth all there is to know (EVPPI = EVPI), a reading decides
by its option, and a finding's probability lies within its standard error of the truth."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from jobcoach_model.analysis.voi import (
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
    costs = costs * 1000  # in dollars: a tie is to the cent, and none of these draws ties
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


# Exact group values. Two numbers that decide only together: A costs 0.2, B costs
# 1 - 1.2 a b with a, b ~ U(0, 1). E[B] = 0.7, so without information A is chosen; with
# a and b known, B is chosen when 1.2 a b > 0.8, and
# EVPI = 1.2 E[(ab - c)+] with c = 2/3, E[(ab - c)+] = (1 - c^2)/4 - c(1 - c) + (c^2/2) ln(1/c)
C = 2 / 3
EXACT_NUMBERS = 1.2 * ((1 - C**2) / 4 - C * (1 - C) + C**2 / 2 * math.log(1 / C))
# Two readings that decide only together: B costs 0.5 more than A when the readings agree
# and 0.5 less when they differ, each reading a fair coin: neither alone moves E[B] off
# E[A], together they settle it; EVPI = P(differ) x 0.5 = 0.25.
EXACT_READINGS = 0.25
BIG = 10_000


def test_exact_value_of_the_numbers_toy():
    assert abs(EXACT_NUMBERS - 0.008124) < 5e-7  # the figure the issue quotes


def test_a_group_of_two_numbers_that_decide_only_together_is_worth_its_exact_evppi():
    rng = np.random.default_rng(11)
    a, b = rng.uniform(0, 1, BIG), rng.uniform(0, 1, BIG)
    nb = -np.column_stack([np.full(BIG, 0.2), 1.0 - 1.2 * a * b])
    together, se = evppi(nb, [a, b])
    assert together == pytest.approx(EXACT_NUMBERS, rel=0.10)
    assert together == pytest.approx(evpi(nb), rel=0.02)  # a and b settle everything
    alone = max(evppi(nb, a)[0], evppi(nb, b)[0])
    assert alone < 0.5 * together  # what only the combination carries


def test_a_group_of_two_readings_that_decide_only_together_is_worth_its_exact_evppi():
    rng = np.random.default_rng(12)
    r1, r2 = rng.choice(["cap", "deny"], BIG), rng.choice(["on_report", "on_stabilization"], BIG)
    agree = (r1 == "cap") == (r2 == "on_report")
    nb = -np.column_stack([np.full(BIG, 1.0), np.where(agree, 1.5, 0.5)])
    together, _ = evppi(nb, [r1, r2], categorical=[True, True])
    assert together == pytest.approx(EXACT_READINGS, rel=0.10)
    assert together == pytest.approx(evpi(nb), abs=1e-9)  # a mean per pair of options
    for reading in (r1, r2):  # each alone leaves B's mean at A's: worth about nothing
        value, se = evppi(nb, reading, categorical=True)
        assert value < 0.05 * together + 3 * se


def test_a_reading_and_a_number_that_decide_together_are_worth_the_evpi():
    """B beats A by ``x - 0.5`` under one reading and by ``0.5 - x`` under the other."""
    rng = np.random.default_rng(13)
    x, reading = rng.uniform(0, 1, BIG), rng.choice(["p", "q"], BIG)
    b = 1.0 + np.where(reading == "p", x - 0.5, 0.5 - x)
    nb = -np.column_stack([np.full(BIG, 1.0), b])
    together, _ = evppi(nb, [x, reading], categorical=[False, True])
    assert together == pytest.approx(0.125, rel=0.10)  # E[(x - 0.5)+] = 1/8
    assert together == pytest.approx(evpi(nb), rel=0.02)


def test_a_large_group_on_few_draws_keeps_to_its_main_effects_and_by_smooths():
    """Past DRAWS_PER_COLUMN the pairwise terms are left out (they would chase noise):
    twelve two-option readings on 200 draws give 1 + 12 main columns, no cross terms."""
    from jobcoach_model.analysis.voi import _design

    rng = np.random.default_rng(14)
    readings = [rng.choice(["a", "b"], 200) for _ in range(12)]
    assert _design(readings, [True] * 12, 6).shape == (200, 13)
    pair = _design(readings[:2], [True, True], 6)
    assert pair.shape == (200, 4)  # intercept, two main effects, their cross
