"""The fit report as a gate (issue 29, item 3): ``calibrate`` checks that the calibrated
scenario reproduces the records' amount paid per case under each rulebook, writes the
verdict into the scenario, and every brief of that scenario opens with it."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy.stats import norm

from jobcoach_model.calibration.fit_report import fit_check
from jobcoach_model.caseloads.runner import run
from jobcoach_model.caseloads.scenario import FitCheck, FitState, load_scenario
from jobcoach_model.cli import EXAMPLES, main
from jobcoach_model.engine.adjudication import adjudicate
from jobcoach_model.presentation.findings import findings, fit_sentence
from jobcoach_model.records.inputs import read_lines
from jobcoach_model.records.lines import prepare

CONTRACT = {n: EXAMPLES / f"{n}.csv" for n in ("cases", "coaches", "services")}


def _state(records_low: float, records_high: float, low: float, high: float) -> FitState:
    return FitState(
        records=(records_low + records_high) / 2, records_low=records_low,
        records_high=records_high, simulated=(low + high) / 2, low=low, high=high,
    )  # fmt: skip


def test_a_fit_holds_when_the_two_intervals_overlap_and_only_then():
    assert _state(100, 200, 200, 300).holds  # they touch at 200
    assert _state(100, 200, 50, 120).holds
    assert not _state(100, 199.99, 200, 300).holds
    assert not _state(301, 400, 200, 300).holds
    both = FitCheck(cases=5, replications=2, states={"KS": _state(1, 2, 1, 2),
                                                     "IA": _state(1, 2, 3, 4)})  # fmt: skip
    assert not both.holds
    assert not FitCheck(cases=1, replications=2).holds  # nothing checked: no verdict of fit


def test_the_records_side_of_the_check_is_the_mean_paid_per_case_with_a_normal_interval():
    """By hand from ``adjudicate``'s own lines: the mean over cases of the money paid,
    plus or minus 1.645 standard errors (never below zero)."""
    lines = read_lines(*CONTRACT.values())
    check = fit_check(lines, load_scenario("small"), ["KS", "IA"], replications=2)
    frames = [pd.read_csv(p, dtype=str, keep_default_na=False) for p in CONTRACT.values()]
    case_of = frames[2].set_index("service_id")["case_id"]
    for code in ("KS", "IA"):
        paid = adjudicate(*frames, rules=code)
        paid["case_id"] = paid["service_id"].map(case_of)
        per_case = (
            paid.assign(paid=np.where(paid["status"] == "paid", paid["amount"].astype(float), 0.0))
            .groupby("case_id")["paid"]
            .sum()
        )
        n = len(per_case)
        half = norm.ppf(0.95) * per_case.std(ddof=1) / math.sqrt(n)
        s = check.states[code]
        assert check.cases == n == 10
        assert s.records == pytest.approx(per_case.mean(), abs=0.005)
        assert s.records_high == pytest.approx(per_case.mean() + half, abs=0.005)
        assert s.records_low == pytest.approx(max(0.0, per_case.mean() - half), abs=0.005)
        assert s.low <= s.simulated <= s.high


def test_one_case_cannot_be_checked_and_the_sentence_says_so():
    check = FitCheck(records="mine.csv", cases=1, replications=20)
    text = fit_sentence(check)
    assert "too few cases to check" in text and "mine.csv (1 cases)" in text


def test_calibrate_writes_the_verdict_and_prints_it(tmp_path, capsys):
    """The shipped sample: Kansas's amount per case is not reproduced (the scenario keeps
    the baseline's fading and caseload shape, which the 10 cases cannot fit)."""
    args = [f"--{n}={p}" for n, p in CONTRACT.items()]
    out = tmp_path / "mine.yaml"
    assert main(["calibrate", *args, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "fit check (20 replications): Caution: " in printed
    data = yaml.safe_load(out.read_text())["fit_check"]
    assert data["records"] == "services.csv" and data["cases"] == 10
    assert set(data["states"]) == {"KS", "IA"}
    scenario = load_scenario(out)
    assert scenario.fit_check is not None and not scenario.fit_check.holds
    assert not scenario.fit_check.states["KS"].holds
    bare = tmp_path / "bare.yaml"
    assert main(["calibrate", *args, "--out", str(bare), "--check-replications", "0"]) == 0
    assert "fit_check" not in yaml.safe_load(bare.read_text())
    # a calibrated base's verdict is never carried into a new calibration
    again = tmp_path / "again.yaml"
    base = ["--base", str(out), "--check-replications", "0"]
    assert main(["calibrate", *args, *base, "--out", str(again)]) == 0
    assert "fit_check" not in yaml.safe_load(again.read_text())


@pytest.mark.parametrize("bad", ["-1", "1001", "ten", "2.5"])
def test_a_bad_number_of_check_replications_is_one_line(tmp_path, capsys, bad):
    args = [f"--{n}={p}" for n, p in CONTRACT.items()]
    out = tmp_path / "mine.yaml"
    with pytest.raises(SystemExit) as exc:
        main(["calibrate", *args, "--out", str(out), "--check-replications", bad])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--check-replications" in err[0] and "0 to 1000" in err[0], err
    assert not out.exists()


def test_a_brief_of_a_calibrated_scenario_opens_with_the_verdict():
    small = load_scenario("small", {"simulation.replications": "3"})
    holds = FitCheck(records="mine.csv", cases=40, replications=20,
                     states={"KS": _state(10, 20, 15, 25)})  # fmt: skip
    fails = FitCheck(records="mine.csv", cases=40, replications=20,
                     states={"KS": _state(10, 20, 25, 35)})  # fmt: skip
    plain = findings(run(small))
    for check, word in ((holds, "reproduces their amount"), (fails, "Caution: ")):
        got = findings(run(small.model_copy(update={"fit_check": check})))
        assert got[0] == fit_sentence(check) and word in got[0]
        assert got[1:] == plain  # the rest as before
    assert not any("calibrated" in s for s in plain)


def test_the_records_interval_never_goes_below_zero():
    """Two cases, one paid and one paid nothing: the normal interval's lower end would be
    negative (mean x/2, half-width 1.645 x / 2 > x / 2), so it is 0."""
    frames = [pd.read_csv(p, dtype=str, keep_default_na=False) for p in CONTRACT.values()]
    paid = adjudicate(*frames, rules="KS")
    paid["case_id"] = frames[2]["case_id"].to_numpy()
    per_case = (
        paid.assign(paid=np.where(paid["status"] == "paid", paid["amount"].astype(float), 0.0))
        .groupby("case_id")["paid"]
        .sum()
    )
    two = [per_case.idxmax(), per_case.idxmin()]
    assert per_case[two[1]] == 0 < per_case[two[0]]
    cases, coaches, services = frames
    lines = prepare(
        cases[cases["case_id"].isin(two)], coaches, services[services["case_id"].isin(two)], None
    )
    s = fit_check(lines, load_scenario("small"), ["KS"], replications=2).states["KS"]
    assert s.records == pytest.approx(per_case[two[0]] / 2, abs=0.005)
    assert s.records_low == 0.0 and s.records_high > s.records
