"""The fiscal note: reforms dated by service day, money by state fiscal year that adds up
to the horizon's total, held money split into pending and never released, and the
bundled reform scenario (``scenarios/kansas_reform_2027.yaml``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import examples, record_sets

from jobcoach_model import adjudicate
from jobcoach_model.caseloads.runner import run
from jobcoach_model.caseloads.scenario import load_scenario
from jobcoach_model.engine.reference import adjudicate_reference

ROOT = Path(__file__).resolve().parents[1]
REFORM = ROOT / "scenarios" / "kansas_reform_2027.yaml"
BASE = dt.date(2026, 3, 1)


@pytest.mark.parametrize(
    ("code", "parameter", "value"),
    [("KS", "hourly_rate", 45.16), ("IA", "max_hourly_rate", 41.0), ("KY", "hourly_rate", 20.0)],
)
def test_a_reform_prices_lines_before_its_day_as_the_baseline_and_from_it_as_the_reform(
    code, parameter, value
):
    """Dated overrides are dated values: every line before D as the baseline, every line
    from D as the reform in force for the whole horizon, to the cent, in both engines."""

    @settings(
        max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    @given(records=record_sets(base=BASE), offset=st.integers(-3, 45))
    def check(records, offset):
        day = BASE + dt.timedelta(days=offset)
        dated = {parameter: {day.isoformat(): value}}
        for engine in (adjudicate, adjudicate_reference):
            reform = engine(*records, rules=code, overrides=dated)
            before = engine(*records, rules=code)
            after = engine(*records, rules=code, overrides={parameter: value})
            early = (pd.to_datetime(records[2]["date"]) < pd.Timestamp(day)).to_numpy()
            expected = pd.concat([before[early], after[~early]]).sort_index()
            expected["rule_ids"] = expected["rule_ids"].astype(str)
            got = reform.assign(rule_ids=reform["rule_ids"].astype(str))
            pd.testing.assert_frame_equal(got, expected, check_exact=True, check_categorical=False)

    check()


def test_a_dated_set_on_the_command_line_prices_by_service_date(tmp_path, capsys):
    from jobcoach_model.cli import EXAMPLES, main

    files = [f"--{n}={EXAMPLES / (n + '.csv')}" for n in ("cases", "coaches", "services")]
    out = tmp_path / "r.csv"
    args = ["adjudicate", "--rules", "KS", *files, "--out", str(out)]
    assert main([*args, "--set", "hourly_rate={2026-03-15: 45.16}"]) == 0
    result = pd.read_csv(out)
    services = pd.read_csv(EXAMPLES / "services.csv")
    paid = result["status"] == "paid"
    late = (services["date"] >= "2026-03-15").to_numpy()
    assert set(result.loc[paid & ~late, "rate"]) == {40.0}
    assert set(result.loc[paid & late, "rate"]) == {45.16}
    assert main([*args, "--set", "hourly_rate={2026-13-01: 45}", "--force"]) == 2
    assert "hourly_rate" in capsys.readouterr().err


@pytest.fixture(scope="module")
def reform_results():
    return run(load_scenario(REFORM, {"simulation.replications": "6"}))


def test_fiscal_years_add_up_to_the_horizons_total_to_the_cent(reform_results):
    r = reform_results
    per = r.per_replication
    for scheme in r.scenario.schemes:
        total = np.rint(per[f"{scheme.name} | total_paid"].to_numpy() * 100).astype(np.int64)
        for basis in ("cash", "service"):
            years = r.fiscal.cents[(scheme.name, basis, "total_paid")]
            assert np.array_equal(years.sum(axis=1), total), (scheme.name, basis)
        held = np.rint(per[f"{scheme.name} | held_amount"].to_numpy() * 100).astype(np.int64)
        split = sum(
            r.fiscal.cents[(scheme.name, "service", m)] for m in ("pending", "never_released")
        )
        assert np.array_equal(split.sum(axis=1), held), scheme.name


def test_the_reform_costs_nothing_before_its_day_and_its_cost_is_reported_per_year(
    reform_results,
):
    f = reform_results.fiscal_years
    cost = f[f["metric"] == "cost_vs_baseline"].set_index(["basis", "fiscal_year"])["mean"]
    assert cost[("service", "FY2027")] == 0 and cost[("cash", "FY2027")] == 0
    for year in ("FY2028", "FY2029", "FY2030"):
        assert cost[("service", year)] > 0
    assert set(f["fiscal_year"]) >= {"FY2027", "FY2028", "FY2029", "FY2030"}
    assert list(f.columns)[:7] == ["scheme", "fiscal_year", "basis", "metric", "mean", "p05", "p95"]


def test_late_reports_that_always_arrive_leave_nothing_held_for_reports():
    """Consumers start in the window's first three months only; coaching ends within two
    years, and every late report (at most 2 x 30 days late) is in before the window ends:
    nothing Kansas held for reports is still held. With consumers starting to the last
    month, the window's end leaves some pending, and none never released."""
    intake = [40, 40, 40] + [0] * 33
    sets = {
        "caseload.intake_per_month": str(intake),
        "window.last_year": "2029",
        "outcomes.report_late_share": "0.5",
        "services.max_weeks": "60",
        "simulation.replications": "4",
    }
    long = run(load_scenario(REFORM, sets))
    reasons = long.reasons[long.reasons["scheme"] == "Kansas hourly"]
    assert not reasons["rule_ids"].str.contains("KS-REPORTS").any()
    assert long.metric("Kansas hourly", "held_amount") == 0
    one_year = {"window.last_year": "2027", "caseload.intake_per_month": "40"}
    short = run(load_scenario(REFORM, {**sets, **one_year}))
    assert short.metric("Kansas hourly", "pending_amount") > 0
    assert short.metric("Kansas hourly", "never_released_amount") == 0


def test_iowa_money_of_jobs_lost_before_stabilization_is_never_released_and_said_so(
    reform_results,
):
    from jobcoach_model.presentation.figures import headline_table
    from jobcoach_model.presentation.findings import findings

    r = reform_results
    never = r.metric("Iowa hourly", "never_released_amount")
    assert never > 0
    assert r.metric("Iowa hourly", "pending_amount") + never == pytest.approx(
        r.metric("Iowa hourly", "held_amount"), abs=0.01
    )
    assert r.metric("Kansas hourly", "never_released_amount") == 0
    assert "Never released" in headline_table(r).columns
    said = [s for s in findings(r) if s.startswith("Iowa hourly holds")]
    assert said and "never released" in said[0] and "ended before stabilization" in said[0]
    # on_report pays as the reports come: nothing is held for stabilization, so none is lost
    on_report = load_scenario(
        REFORM,
        {"simulation.replications": "2", "schemes.2.overrides.hourly_payment_timing": "on_report"},
    )
    assert run(on_report).metric("Iowa hourly", "never_released_amount") == 0


def test_a_window_is_whole_fiscal_years_of_each_state():
    sc = load_scenario(REFORM)
    assert sc.caseload.start_date == dt.date(2026, 7, 1)
    assert sc.caseload.end_date == dt.date(2030, 7, 1)
    assert sc.caseload.consumers == 25 * 48
    texas = load_scenario(
        REFORM,
        {
            "window.rules": "TX",
            "schemes": "[{name: Texas, rules: TX, overrides: {max_hourly_rate: 37.5}}]",
        },
    )
    assert texas.caseload.start_date == dt.date(2026, 9, 1)
    with pytest.raises(Exception, match="intake_per_month"):
        load_scenario(REFORM, {"caseload.intake_per_month": "[1, 2, 3]"})
    with pytest.raises(Exception, match="last_year"):
        load_scenario(REFORM, {"window.last_year": "2040"})


def test_the_bridge_and_explain_say_which_value_a_line_used():
    from conftest import BASE_CASE, BASE_COACH, BASE_SERVICE

    from jobcoach_model.analysis.bridge import bridge
    from jobcoach_model.engine.explain import explain_lines

    sc = load_scenario(REFORM, {"simulation.replications": "2"})
    steps = bridge(sc, "Kansas hourly", "Kansas at 45.16 from 2027-07-01").steps
    rate = steps[steps["rule_id"] == "KS-RATE"].iloc[0]
    assert "40 from 2016-02-01 to 2027-06-30, 45.16 from 2027-07-01" in rate["statement"]
    frames = (
        pd.DataFrame([{**BASE_CASE, "authorized_to": "2027-12-31"}]),
        pd.DataFrame([BASE_COACH]),
        pd.DataFrame([{**BASE_SERVICE, "date": "2027-07-02"}]),
    )
    (line,) = explain_lines(
        *frames, rules="KS", overrides={"hourly_rate": {"2027-07-01": 45.16}}, line="S1"
    )
    reads = [r for s in line.steps for r in s.reads if r[0] == "hourly_rate"]
    assert reads and reads[0][1] == 45.16 and reads[0][2] == "2027-07-01", reads
