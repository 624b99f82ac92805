"""Where a finding flips (PRIM over the draws), on toy draws whose box is known: the
inputs that make the cases are found with their ranges, an input outside the rule is left
alone, a reading's option is named, and too few cases give no box."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jobcoach_model.analysis.flips import MAX_INPUTS, MIN_CASES, find_boxes, flips_table

N = 3000


def _draws(seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "rate": rng.uniform(30, 50, N),
            "share": rng.uniform(0, 1, N),
            "noise": rng.uniform(0, 1, N),
            "IA.timing": rng.choice(["on_report", "on_stabilization"], N),
        }
    )


def test_the_box_of_a_known_rule_is_found_with_its_ranges_and_reading():
    d = _draws()
    cases = (d["rate"] < 36) & (d["share"] > 0.5) & (d["IA.timing"] == "on_report")
    boxes = find_boxes(d, ["rate", "share", "noise"], ["IA.timing"], cases.to_numpy())
    assert boxes, "no box found"
    box = boxes[0]
    limits = box.limits.set_index("input")["range"]
    assert set(limits.index) == {"rate", "share", "IA.timing"}
    assert limits["IA.timing"] == "in {on_report}"
    assert limits["rate"].startswith("at most ") and 34 < float(limits["rate"][8:]) < 38
    assert limits["share"].startswith("at least ") and 0.3 < float(limits["share"][9:]) < 0.6
    assert box.density >= 0.8 and box.coverage >= 0.8
    assert box.draws == round(box.mass * N)
    said = box.sentence("it flips")
    assert said.startswith("it flips in ") and "IA.timing in {on_report}" in said
    assert "share (a factor on each need level) at least" in box.sentence("it flips", ["share"])
    table = flips_table(boxes)
    assert list(table.columns) == ["box", "input", "range", "coverage", "density", "draws"]
    assert box.limits.set_index("input").loc["IA.timing", "kept"] == ("on_report",)
    assert (table["box"] == 1).sum() == 3


def test_a_box_restricts_at_most_a_few_inputs():
    d = _draws(3)
    cases = (d["rate"] < 40) & (d["share"] > 0.3) & (d["noise"] > 0.2)
    cases &= d["IA.timing"] == "on_report"
    for box in find_boxes(d, ["rate", "share", "noise"], ["IA.timing"], cases.to_numpy()):
        assert len(box.limits) <= MAX_INPUTS


def test_too_few_cases_or_nothing_but_cases_give_no_box():
    d = _draws()
    few = np.zeros(N, dtype=bool)
    few[: MIN_CASES - 1] = True
    assert find_boxes(d, ["rate"], [], few) == []
    assert find_boxes(d, ["rate"], [], np.ones(N, dtype=bool)) == []
