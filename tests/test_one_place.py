"""One concept, one place: a new caseload measure is one row of ``metrics.py`` and a new
explorer control one row of ``controls.py``; nothing else is edited for either to reach
the summary, the caseload table, the memory estimate, the widgets and the exported
scenario."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from jobcoach_model.caseloads import metrics
from jobcoach_model.caseloads.budget import _accumulator_bytes
from jobcoach_model.caseloads.scenario import load_scenario
from jobcoach_model.explorer import controls
from jobcoach_model.law.jurisdictions import Control

SMALL = Path(__file__).resolve().parents[1] / "scenarios" / "small.yaml"


def test_a_new_measure_is_one_row(monkeypatch):
    from jobcoach_model.caseloads.runner import run
    from jobcoach_model.presentation.figures import caseload_table

    scenario = load_scenario(SMALL, {"simulation.replications": "3"})
    before = _accumulator_bytes(scenario)
    row = metrics.Metric(
        "coached_over_a_year",
        "Coached for more than 52 weeks",
        lambda cl, bench: cl.outcomes["coach_weeks"] > 52,
    )
    monkeypatch.setattr(metrics, "CORE", (*metrics.CORE, row))
    results = run(scenario)
    summary = results.summary.set_index(["scheme", "metric"])
    share = summary.loc[("caseload", "coached_over_a_year_share"), "mean"]
    assert 0 <= share <= 1
    assert "Coached for more than 52 weeks" in set(caseload_table(results)["Measure"])
    assert _accumulator_bytes(scenario) > before


def test_a_new_control_is_one_row(monkeypatch):
    from jobcoach_model.explorer.panel import Explorer

    row = Control(
        "reports_late", "Share of cases with late reports", 0, 1, 0.05, "caseload",
        path="outcomes.report_late_share", resimulates=True,
    )  # fmt: skip
    monkeypatch.setattr(controls, "CORE", (*controls.CORE, row))
    ex = Explorer(consumers=100, debounce=0)
    assert "jc-reports-late" in ex.controls["reports_late"]._dom_classes
    assert ex.controls["reports_late"] in ex._control_column()
    chunks = ex.model.chunks
    ex.controls["reports_late"].value = 0.5
    assert ex.last_update["kind"] == "caseload" and ex.model.chunks is not chunks
    assert np.isclose(ex.scenario().outcomes.report_late_share, 0.5)
