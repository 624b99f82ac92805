"""Claims are tests: each kind of sentence the brief prints, with a case where it must be
said and one where it must not (ties, inert reforms, too few draws, repeated names)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from toys import value_toy

from jobcoach_model.analysis.uncertainty import precision_note
from jobcoach_model.analysis.voi import cheapest, pairwise_findings, strict_winner, tied
from jobcoach_model.caseloads.budget import run_file
from jobcoach_model.presentation.findings import brief_bridges, difference, findings

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "scenarios" / "small.yaml"


# -- a difference between two totals ------------------------------------------------------


def test_a_difference_within_half_a_cent_in_every_replication_is_the_same():
    kind, (mean, lo, hi) = difference(np.array([0.0, 0.004, -0.004, 0.0]))
    assert kind == "same" and mean == pytest.approx(0.0)


def test_half_a_cent_is_no_longer_the_same():
    assert difference(np.array([0.005, 0.005]))[0] == "more"  # the boundary: not "same"
    assert difference(np.array([-0.005, -0.005]))[0] == "less"


def test_an_interval_that_includes_zero_is_no_clear_difference_never_a_ranking():
    values = np.array([-30.0, -10.0, 5.0, 20.0, 40.0])
    kind, (mean, lo, hi) = difference(values)
    assert kind == "unclear"
    assert mean == pytest.approx(5.0) and lo < 0 < hi


def test_an_interval_clear_of_zero_is_a_ranking_with_its_sign():
    up = difference(np.array([10.0, 12.0, 14.0, 11.0]))
    down = difference(np.array([-10.0, -12.0, -14.0, -11.0]))
    assert up[0] == "more" and up[1][0] == pytest.approx(11.75)
    assert down[0] == "less" and down[1][0] == pytest.approx(-11.75)


def test_an_interval_touching_zero_is_not_clear():
    """The 5th percentile exactly 0: the interval includes zero, so no ranking."""
    kind, (_, lo, _) = difference(np.array([0.0] * 6 + [10.0] * 94))
    assert lo == 0 and kind == "unclear"


# -- ties and probabilities ----------------------------------------------------------------


def test_a_tie_to_the_cent_is_nobodys_win():
    costs = pd.DataFrame({"A": [1.0, 1.0, 2.0, 3.0], "B": [1.0, 2.0, 1.0, 3.001], "C": 9.0})
    assert strict_winner(costs).tolist() == [-1, 0, 1, -1]  # 3.0 and 3.001 are one cent
    table = cheapest(costs).set_index("scheme")["p_cheapest"]
    assert table.to_dict() == {"A": 0.25, "B": 0.25, "C": 0.0}
    assert tied(costs).value == 0.5
    assert table.sum() + tied(costs).value == pytest.approx(1.0)


def test_two_schemes_equal_in_every_draw_are_never_said_to_cost_less():
    costs = pd.DataFrame({"hourly": [5.0, 6.0, 7.0], "cap 50": [5.0, 6.0, 7.0]})
    found = pairwise_findings(costs).set_index("finding")["probability"]
    assert found["hourly costs less than cap 50"] == 0.0
    assert found["cap 50 costs less than hourly"] == 0.0
    assert cheapest(costs)["p_cheapest"].tolist() == [0.0, 0.0] and tied(costs).value == 1.0


def test_a_share_from_two_draws_carries_a_warning_with_the_draws_needed():
    table = pd.DataFrame({"scheme": ["A", "B"], "p_cheapest": [1.0, 0.0], "se": [0.0, 0.0]})
    note = precision_note(table, 2)
    assert "from only 2 draws" in note
    # Laplace: p = 3/4, se = sqrt(3/16 / 2) = 30.6%; within 2% needs 3/16 / 0.0004 = 469
    assert "30.6%" in note and "about 469 draws" in note


def test_a_share_from_enough_draws_carries_no_warning():
    table = pd.DataFrame({"scheme": ["A", "B"], "p_cheapest": [0.68, 0.32], "se": [0.015] * 2})
    assert precision_note(table, 1000) == ""
    assert precision_note(table, 400) != ""  # se about 2.3% at 400 draws


# -- findings on whole scenarios -------------------------------------------------------------


def _scenario(tmp_path: Path, schemes: str, bridges: str = "") -> Path:
    path = tmp_path / "claims.yaml"
    text = SMALL.read_text().replace("replications: 20", "replications: 4")
    path.write_text(text + schemes + bridges)
    return path


INERT = """schemes:
  - {name: Iowa hourly, rules: IA}
  - {name: Iowa cap 50, rules: IA, overrides: {max_hourly_rate: 50}}
"""


def test_an_inert_reform_is_said_to_change_nothing_and_never_ranked(tmp_path):
    """A cap raised to 50 while the Medicaid rate (45.16) still caps every rate."""
    results = run_file(_scenario(tmp_path, INERT), 4, 7, {})
    said = findings(results, brief_bridges(results))
    text = " ".join(said)
    assert "Every scheme costs the same in every replication" in text
    assert "Iowa cap 50 costs the same as Iowa hourly in every replication" in text
    assert "costs most" not in text and "$0 more" not in text
    kept = next(s for s in said if s.startswith("Per consumer still employed"))
    assert "every scheme pays" in kept and "Iowa hourly" not in kept  # one name, once


def test_a_real_difference_is_ranked_with_its_interval(tmp_path):
    schemes = """schemes:
  - {name: Kansas hourly, rules: KS}
  - {name: Kansas at 45.16, rules: KS, overrides: {hourly_rate: 45.16}}
"""
    results = run_file(_scenario(tmp_path, schemes), 4, 7, {})
    text = " ".join(findings(results, brief_bridges(results)))
    assert "Kansas at 45.16 costs most" in text
    assert "Kansas at 45.16 costs $" in text and "more than Kansas hourly (90% interval" in text
    assert "the same" not in text and "No clear difference" not in text
    assert "Kansas at 45.16 pays" in text and "Kansas hourly $" in text  # two names, once each


def test_the_bridge_summary_row_names_each_rule_once():
    from jobcoach_model.presentation.why_figures import bridge_steps

    rows = [("total: A", "", 100.0)]
    rows += [(kind, rule, 1.0) for kind, rule in [("hours", "IA-AUTH-HOURS")] * 2]
    rows += [("refusal", "IA-AUTH-HOURS", 1.0), ("rate", "KS-RATE", 50.0), ("total: B", "", 153.0)]
    table = pd.DataFrame(rows, columns=["step", "rule_id", "mean"]).assign(p05=0.0, p95=0.0)
    shown = bridge_steps(table, top=1)
    other = shown[shown["step"] == "other"].iloc[0]
    assert other["rule_id"] == "3 other steps" and other["statement"] == "IA-AUTH-HOURS"
    assert other["mean"] == 3.0


def test_uncertainty_from_two_draws_warns_and_says_how_many_would_do(tmp_path, capsys):
    from jobcoach_model.cli import main

    args = ["uncertainty", str(SMALL), "--draws", "2", "--workers", "0", "--quiet"]
    assert main([*args, "--out", str(tmp_path / "u"), "--set", "caseload.consumers=40"]) == 0
    said = capsys.readouterr().out
    assert "from only 2 draws" in said and "draws would bring it within 2%" in said


# -- numbers pinned on inputs small enough to compute by hand ---------------------------------


def test_a_choice_nothing_can_change_is_worth_exactly_nothing():
    """A always costs 1 and B 2: no information changes the choice, so EVPI and every
    EVPPI are 0.0 exactly (not the floating-point floor below which a value is noise)."""
    from jobcoach_model.analysis.voi import evpi, evppi

    nb = -np.column_stack([np.ones(50), np.full(50, 2.0)])
    x = np.linspace(0, 1, 50)
    assert evpi(nb) == 0.0
    assert evppi(nb, x) == (0.0, 0.0)


def test_net_benefit_adds_the_value_of_the_jobs_kept():
    """NB = value x kept - cost: 50 x 2 - 100 = 0 and 50 x 3 - 200 = -50."""
    from jobcoach_model.analysis.voi import net_benefit

    costs = pd.DataFrame({"A": [100.0], "B": [200.0]})
    kept = pd.DataFrame({"A": [2.0], "B": [3.0]})
    assert net_benefit(costs, kept, 50.0).tolist() == [[0.0, -50.0]]
    assert net_benefit(costs).tolist() == [[-100.0, -200.0]]


def test_the_draws_table_gives_each_scheme_its_mean_and_90_percent_interval():
    """Twenty draws of 1..20 and 20..1: mean 10.5, the 5th and 95th percentiles (linear,
    numpy's default) 1.95 and 19.05; A is strictly cheapest in the first 10 draws."""
    from jobcoach_model.analysis.uncertainty import Draws, uncertainty_table

    up = np.arange(1.0, 21.0)
    table = pd.DataFrame({"A | total_paid": up, "B | total_paid": up[::-1].copy()})
    got = uncertainty_table(Draws(table, [], [], ["A", "B"])).set_index("scheme")
    assert got.loc["A", ["mean", "p05", "p95"]].tolist() == [10.5, 1.95, 19.05]
    assert got.loc["A", "p_cheapest"] == 0.5 and got.loc["B", "p_cheapest"] == 0.5
    assert got.loc["A", "se"] == round(math.sqrt(0.25 / 20), 4)


def test_a_replications_interval_is_its_5th_and_95th_percentile():
    from jobcoach_model.caseloads.results import mean_interval

    assert mean_interval(np.arange(1.0, 21.0)) == pytest.approx((10.5, 1.95, 19.05), abs=1e-12)
    assert mean_interval(np.array([np.nan, 2.0, 4.0])) == pytest.approx((3.0, 2.1, 3.9))


@pytest.fixture(scope="module")
def small_results():
    return run_file(SMALL, 3, 7, {})


def test_held_money_is_said_as_never_released_beside_pending_each_its_own(small_results):
    """Iowa hourly holds both kinds: the sentence's first figure is the never-released
    mean, the second the pending one (they differ, so a swap shows)."""
    from jobcoach_model.base.money import usd

    s = small_results.summary.set_index(["scheme", "metric"])["mean"]
    never, pending = (
        s[("Iowa hourly", "never_released_amount")],
        s[("Iowa hourly", "pending_amount")],
    )
    assert never > 0 and pending > 0 and usd(never) != usd(pending)
    said = next(f for f in findings(small_results) if f.startswith("Iowa hourly holds"))
    assert said.startswith(f"Iowa hourly holds {usd(never)} (90% interval")
    assert f"beside {usd(pending)} pending" in said


def test_the_benchmark_sentence_keeps_a_band_of_exactly_the_threshold(small_results):
    """Bands of fewer than 10 consumers are left out of the sentence; one of exactly 10
    is kept (the first band named)."""
    from dataclasses import replace

    bands = pd.DataFrame(
        {
            "persons_served": ["1-4", "5-9", "10-14"],
            "provider_quarters": [3, 4, 5],
            "pass_probability": [0.5, 0.6, 0.9],
            "binomial_pass_probability": [0.5, 0.6, 0.9],
            "consumers": [9.9, 10.0, 30.0],
        }
    )
    said = " ".join(findings(replace(small_results, benchmark=bands), threshold=10))
    assert "a provider serving 5-9 persons in a quarter passes 60% of the time" in said
    assert "one serving 10-14 90%" in said and "1-4 persons" not in said


def test_who_gains_counts_a_change_just_over_5_percent_and_bands_by_their_edges():
    """One replication, four providers (cents before -> after, consumers): +5.5% gains,
    +4.5% does not, -6% loses; a provider of exactly 10 consumers is in 1-10, one of 11
    in 11-50 (the bands' edges), one of 0 is not counted."""
    from jobcoach_model.analysis.gains import gains_by_band

    start = np.array([[10_000, 10_000, 10_000, 10_000, 500]])
    end = np.array([[10_550, 10_450, 9_400, 10_000, 900]])
    consumers = np.array([[10, 11, 11, 1, 0]])
    t = gains_by_band(start, end, consumers).set_index("band")
    assert t.loc["all providers", ["providers", "consumers"]].tolist() == [4.0, 33.0]
    assert t.loc["all providers", ["gain_over_5pct", "lose_over_5pct"]].tolist() == [1.0, 1.0]
    assert t.loc["all providers", "total_change"] == pytest.approx((550 + 450 - 600) / 100)
    assert t.loc["1-10 consumers", ["providers", "gain_over_5pct"]].tolist() == [2.0, 1.0]
    assert t.loc["11-50 consumers", ["providers", "lose_over_5pct"]].tolist() == [2.0, 1.0]


def test_the_fiscal_note_table_puts_each_kind_of_money_in_its_column():
    """A hand-made year of one scheme: services 100, cash 90, pending 7, never 3 (USD);
    each lands in its own column, pending apart from never released."""
    from dataclasses import replace

    from jobcoach_model.caseloads.scenario import load_scenario
    from jobcoach_model.presentation.fiscal_figures import fiscal_note_table

    scenario = load_scenario(SMALL)
    one = scenario.model_copy(update={"schemes": scenario.schemes[:1]})
    name = one.schemes[0].name
    rows = [
        ("service", "total_paid", 100.0),
        ("cash", "total_paid", 90.0),
        ("service", "pending", 7.0),
        ("service", "never_released", 3.0),
    ]
    years = pd.DataFrame(
        [
            {"scheme": name, "fiscal_year": "FY2027", "basis": b, "metric": m, "mean": v}
            | {"p05": v, "p95": v}
            for b, m, v in rows
        ]
    )
    results = run_file(SMALL, 2, 7, {})
    table = fiscal_note_table(replace(results, scenario=one, fiscal_years=years))
    assert table.iloc[0].tolist() == [name, "FY2027", "$100", "$90", "$7", "$3"]


def test_a_fit_report_point_on_the_band_is_inside_and_one_past_it_outside():
    from jobcoach_model.calibration.fit_report import Panel

    s = pd.Series
    panel = Panel(
        "weekly coach hours",
        observed=s([2.0, 2.5, 3.0, 4.0]),
        mean=s([1.5, 1.5, 3.6, 3.0]),
        low=s([1.0, 1.0, 3.5, 2.0]),
        high=s([2.0, 2.0, 4.0, 4.0]),
    )
    assert panel.outside() == 2  # 2.5 above its band's 2.0, 3.0 below 3.5; 2.0 and 4.0 on it


def test_a_share_of_cases_has_wilsons_90_percent_interval():
    """3 of 10 cases: Wilson's score interval at 90% (statsmodels as the oracle)."""
    from statsmodels.stats.proportion import proportion_confint

    from jobcoach_model.calibration.calibrate import Sums, _wilson

    sums = Sums(0, 10)
    sums.add("cases", np.ones(10))
    sums.add("late", np.arange(10) < 3)
    sums.compute()
    p, lo, hi = _wilson(sums, "late", "cases")
    low, high = proportion_confint(3, 10, alpha=0.10, method="wilson")
    assert p == 0.3 and lo == pytest.approx(low, abs=1e-12) and hi == pytest.approx(high, abs=1e-12)
    assert (round(lo, 4), round(hi, 4)) == (0.1269, 0.5583)


def test_a_rates_spread_has_its_chi_square_interval():
    """sd 2 from 10 rates: 2 sqrt(9 / chi2(0.95, 9)) to 2 sqrt(9 / chi2(0.05, 9))."""
    from jobcoach_model.calibration.calibrate import _sd_interval

    sd, lo, hi = _sd_interval(2.0, 10)
    assert (sd, round(lo, 4), round(hi, 4)) == (2.0, 1.4587, 3.2904)


def test_a_fitted_hours_share_is_known_no_closer_than_the_quarter_hour_allows():
    """Hours are recorded to the quarter hour: a share resting on 10 weekly hours is
    known to 0.125 / 10 of itself at best, so a point interval widens to 0.5 +- 0.00625."""
    from jobcoach_model.calibration.calibrate import _resolved

    assert _resolved((0.5, 0.5, 0.5), 10.0) == pytest.approx((0.5, 0.49375, 0.50625))
    assert _resolved((0.5, 0.4, 0.6), 10.0) == (0.5, 0.4, 0.6)  # wider already: kept


def test_how_sure_shows_a_share_with_one_standard_error_and_names_only_clear_inputs(monkeypatch):
    """A share of 68% with a standard error of 1.47% reads "68% (± 1.5%)"; an input worth
    $250 ± $100 is named, one worth $150 ± $100 (1.5 standard errors) is not."""
    from types import SimpleNamespace

    from jobcoach_model.presentation import likely_figures
    from jobcoach_model.presentation.likely_figures import totals_table, worth_sentence

    # toy inputs have no glossary entry: their names stand for their labels here
    monkeypatch.setattr(likely_figures, "input_words", lambda a, name: name)
    table = pd.DataFrame(
        [("A", 10.0, 8.0, 12.0, 9.0, 11.0, 0.68, 0.0147)],
        columns=["scheme", "mean", "p05", "p95", "sim_p05", "sim_p95", "p_cheapest", "se"],
    )
    assert totals_table(SimpleNamespace(table=table)).iloc[0]["Cheapest in"] == "68% (± 1.5%)"
    evppi = pd.DataFrame(
        [("x", 250.0, 100.0), ("y", 150.0, 100.0), ("EVPI", 400.0, 50.0)],
        columns=["input", "evppi", "se"],
    )
    a = SimpleNamespace(evppi=evppi, draws=SimpleNamespace(inputs=["x", "y"], readings=[]))
    said = worth_sentence(a)
    assert "x ($250 ± $100)" in said and "y (" not in said


def test_the_bridges_other_steps_add_up_with_their_signs():
    from jobcoach_model.presentation.why_figures import bridge_steps

    rows = [("total: A", "", 100.0), ("rate", "KS-RATE", 50.0), ("hours", "IA-AUTH-HOURS", 1.0)]
    rows += [("refusal", "IA-REPORT", -2.0), ("group", "IA-GROUP", 1.0), ("total: B", "", 150.0)]
    table = pd.DataFrame(rows, columns=["step", "rule_id", "mean"]).assign(p05=0.0, p95=0.0)
    other = bridge_steps(table, top=1).set_index("step").loc["other"]
    assert other["mean"] == 0.0 and other["rule_id"] == "3 other steps"


def test_a_providers_size_band_is_decided_at_each_edge_by_its_consumers():
    from jobcoach_model.analysis.gains import band_of

    got = band_of(np.array([[0, 1, 10, 11], [50, 51, 200, 201]]))
    assert got.tolist() == [
        ["", "1-10 consumers", "1-10 consumers", "11-50 consumers"],
        ["11-50 consumers", "51-200 consumers", "51-200 consumers", "over 200 consumers"],
    ]


# -- value for money and access (issue 32) -------------------------------------------------


def test_the_same_kept_jobs_say_cheapest_is_the_whole_answer_and_name_no_best_buy():
    from jobcoach_model.presentation.value_figures import value_sentence

    text = value_sentence(value_toy([10.0, 10.0]))
    assert "the cheapest scheme is the best buy whatever a kept job is worth" in text
    assert "best buy at" not in text and "changes at" not in text


def test_a_best_buy_says_how_likely_over_what_and_where_it_changes():
    """B keeps 20 jobs for 200 against A's 10 for 100: B is best above 10 a kept job. At
    10.5 over the replications B is best in every one; over joint draws in half, and then
    the sentence says so, and what knowing everything would be worth."""
    from jobcoach_model.presentation.value_figures import value_sentence

    sure = value_sentence(value_toy([20.0, 20.0]))
    assert "B is the best buy at $10 a kept job (in 100% of simulated caseloads)" in sure
    assert "the best buy changes at $10 (A to B)" in sure
    assert "knowing which caseload comes would be worth $0" in sure
    drawn = value_sentence(value_toy([20.0, 20.0]), value_toy([19.0, 21.0], over="joint draws"))
    assert "(in 50% of joint draws)" in drawn
    assert "knowing every assumption and reading exactly would be worth $3" in drawn
    # a range of values that stops below the switch: no change to report
    from dataclasses import replace

    low = replace(
        value_toy([20.0, 20.0]),
        value=value_toy([20.0, 20.0]).value.model_copy(update={"high": 9.0}),
    )
    never = value_sentence(low)
    assert "changes at" not in never


def test_losing_a_provider_is_said_only_with_the_responses_on():
    from jobcoach_model.analysis.access import provider_access
    from jobcoach_model.caseloads.scenario import Costs, Responses, Scheme, load_scenario
    from jobcoach_model.presentation.access_figures import access_sentence

    sc = load_scenario("small")
    sc = sc.model_copy(
        update={
            "costs": Costs(),
            "schemes": (Scheme(name="Kansas hourly", kind="hourly", rules="KS"),),
            "simulation": sc.simulation.model_copy(update={"replications": 3}),
        }
    )
    off = access_sentence(provider_access(sc))
    assert "lose their provider" not in off
    assert "pays the fewest" not in off  # one scheme: nothing to compare it with
    on = access_sentence(provider_access(sc.model_copy(update={"responses": Responses()})))
    assert "of consumers would lose their provider (an estimate by analogy" in on
