"""Claims are tests: each kind of sentence the brief prints, with a case where it must be
said and one where it must not (ties, inert reforms, too few draws, repeated names)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jobcoach_model.findings import brief_bridges, difference, findings
from jobcoach_model.runner import run_file
from jobcoach_model.uncertainty import precision_note
from jobcoach_model.voi import cheapest, pairwise_findings, strict_winner, tied

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
    from jobcoach_model.why_figures import bridge_steps

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
