"""Calibration is tested by recovery: simulate a caseload with known inputs, write its
records as `jobcoach simulate` does, calibrate, and compare with the truth.

Coverage is counted over 20 seeds. An honest 90% interval covers the truth in at least
17 of 20 seeds only with probability 0.87, so over 27 inputs some would fall short by
chance alone: the test asks at least 85% over all inputs and seeds together (540
intervals: a 90% interval falls below that with probability under 0.1%), at least 14 of
20 for each input (below that with probability 0.2% for a true 90% interval), and an
estimate without bias (the mean of 20 estimates within 3 standard errors of the truth).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from jobcoach_model.analysis.problem import inputs
from jobcoach_model.calibration.calibrate import calibrate
from jobcoach_model.caseloads.scenario import load_scenario
from jobcoach_model.caseloads.simulate import simulate_chunk
from jobcoach_model.cli import main
from jobcoach_model.records.lines import prepare

ROOT = Path(__file__).resolve().parents[1]
BASE = load_scenario(ROOT / "scenarios" / "baseline.yaml")
NAMES = {"cases": "cases.csv", "coaches": "coaches.csv", "services": "services.csv"}
SEEDS = range(20)


def _truth(seed: int):
    """The baseline at one need level (the records carry none), with its own seed."""
    return BASE.model_copy(
        update={
            "caseload": BASE.caseload.model_copy(
                update={"need_mix": {"low": 0.0, "medium": 1.0, "high": 0.0}}
            ),
            "simulation": BASE.simulation.model_copy(update={"seed": seed}),
        }
    )


def _records(scenario):
    tables = simulate_chunk(scenario, 0, 1).tables()
    return tables["cases"].drop(columns=["need"]), tables["coaches"], tables["services"]


def _at(data: dict, path: str):
    for part in path.split("."):
        data = data[part]
    return data


@pytest.fixture(scope="module")
def recoveries():
    out = []
    for seed in SEEDS:
        truth = _truth(seed)
        lines = prepare(*_records(truth), None, NAMES)
        out.append((truth.model_dump(mode="json"), calibrate(lines, BASE, NAMES)))
    return out


def _estimates(recoveries):
    """path -> list of (truth, estimate, low, high) over the seeds, intervals in units."""
    got: dict[str, list] = {}
    for truth, cal in recoveries:
        for fit in cal.fits:
            if fit.low is None:
                continue
            true, value, low, high = _at(truth, fit.path), fit.value, fit.low, fit.high
            if fit.per_need:
                true, value = true["medium"], value["medium"]
                low, high = low * value, high * value
            got.setdefault(fit.path, []).append((true, value, low, high))
    return got


def test_every_identified_input_is_fitted_with_an_interval(recoveries):
    _, cal = recoveries[0]
    paths = {f.path for f in cal.fits if f.low is not None}
    for path in (
        "services.group_share",
        "services.offsite_share",
        "services.wrong_code_share",
        "services.fade_per_week",
        "services.fade_spread",
        "services.initial_share",
        "services.stabilization_share",
        "outcomes.weekly_job_loss",
        "caseload.coaches.rate_mean",
        "caseload.coaches.provider_size_cv",
        "authorizations.hours",
    ):
        assert path in paths
    assert "caseload.work_hours_per_week" in cal.kept  # not in the records: an assumption
    assert "outcomes.objectives_median_days" in cal.kept


def test_intervals_cover_the_truth(recoveries):
    got = _estimates(recoveries)
    assert len(got) >= 25
    hits = {p: sum(lo - 1e-9 <= t <= hi + 1e-9 for t, _, lo, hi in rows) for p, rows in got.items()}
    total = sum(hits.values()) / sum(len(rows) for rows in got.values())
    assert total >= 0.85, hits
    short = {p: h for p, h in hits.items() if h < 14}
    assert not short, short


def test_estimates_are_unbiased(recoveries):
    for path, rows in _estimates(recoveries).items():
        true = rows[0][0]
        values = np.array([v for _, v, _, _ in rows])
        se = values.std(ddof=1) / math.sqrt(len(values))
        assert abs(values.mean() - true) <= 3 * se + 1e-3 * abs(true) + 1e-9, (path, values, true)


def test_counts_are_exact(recoveries):
    for truth, cal in recoveries:
        fits = {f.path: f.value for f in cal.fits}
        assert fits["caseload.consumers"] == truth["caseload"]["consumers"]
        assert fits["caseload.start_window_weeks"] == truth["caseload"]["start_window_weeks"]
        assert fits["caseload.coaches.providers"] == truth["caseload"]["coaches"]["providers"]
        assert fits["authorizations.length_weeks"] == truth["authorizations"]["length_weeks"]
        assert fits["services.sessions_per_week"] == truth["services"]["sessions_per_week"]


def test_fitted_ranges_replace_the_assumed_ones_in_sensitivity(recoveries):
    _, cal = recoveries[0]
    scenario = cal.scenario()
    swung = {i.name: i for i in inputs(scenario)}
    group = swung["services.group_share"]
    fit = scenario.fitted["services.group_share"]
    assert (group.low, group.high) == (fit.low, fit.high)
    assert group.source.startswith("fitted from services.csv: ")
    assert swung["caseload.work_hours_per_week"].source == "assumption"


def test_need_levels_come_from_the_need_column_and_are_never_invented():
    truth = BASE.model_copy(update={"simulation": BASE.simulation.model_copy(update={"seed": 7})})
    tables = simulate_chunk(truth, 0, 1).tables()
    records = (tables["cases"], tables["coaches"], tables["services"])
    with_need = calibrate(prepare(*records, None, NAMES), BASE, NAMES)
    mix = with_need.data["caseload"]["need_mix"]
    assert mix == pytest.approx(dict(truth.caseload.need_mix), abs=0.05)
    fade = with_need.data["services"]["fade_per_week"]
    assert fade == pytest.approx(truth.services.fade_per_week.model_dump(), rel=0.05)
    without = calibrate(
        prepare(records[0].drop(columns=["need"]), *records[1:], None, NAMES), BASE, NAMES
    )
    assert without.data["caseload"]["need_mix"] == {"low": 0.0, "medium": 1.0, "high": 0.0}
    assert any("no need column" in n for n in without.notes)


def test_calibrate_cli_writes_a_scenario_that_validates_with_its_provenance(tmp_path, capsys):
    truth = _truth(3)
    tables = simulate_chunk(truth, 0, 1).tables()
    for name in NAMES:
        tables[name].to_csv(tmp_path / f"{name}.csv", index=False)
    out = tmp_path / "mine.yaml"
    args = [f"--{n}={tmp_path / f'{n}.csv'}" for n in NAMES]
    assert main(["calibrate", *args, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "fitted (" in printed and "kept from baseline" in printed
    text = out.read_text()
    assert "group_share: " in text and "# fitted from services.csv: " in text and "; 90% " in text
    assert "rate_mean: " in text and "# fitted from coaches.csv: " in text
    assert "work_hours_per_week: {low: 25.0, medium: 20.0, high: 15.0}\n" in text  # kept, bare
    scenario = load_scenario(out, {"simulation.replications": "2"})
    assert scenario.fitted["services.offsite_share"].source.startswith("fitted from services.csv")
    assert yaml.safe_load(text)["caseload"]["consumers"] == truth.caseload.consumers
    # a second run never replaces a file the user edited
    out.write_text(text + "# my note\n")
    assert main(["calibrate", *args, "--out", str(out)]) == 2
    assert out.read_text().endswith("# my note\n")


def test_a_simulated_baseline_export_is_recovered_and_its_totals_reproduced(tmp_path):
    """`simulate` on the baseline (1,000 consumers, three need levels written in the need
    column), calibrated: group share, off-site share and mean rate within their
    intervals, and the calibrated scenario's simulated totals within 10% of the records'
    own paid totals under each rulebook."""
    import pandas as pd

    from jobcoach_model.caseloads.runner import run
    from jobcoach_model.engine.adjudication import adjudicate

    sim = tmp_path / "sim"
    assert (
        main(["simulate", "baseline", "--out", str(sim), "--set", "simulation.replications=2"]) == 0
    )
    paths = {n: sim / f"{n}.csv" for n in NAMES}
    out = tmp_path / "cal.yaml"
    assert main(["calibrate", *[f"--{n}={p}" for n, p in paths.items()], "--out", str(out)]) == 0
    fitted = load_scenario(out, {"simulation.replications": "40"})
    for path in ("services.group_share", "services.offsite_share", "caseload.coaches.rate_mean"):
        fit = fitted.fitted[path]
        assert fit.low <= _at(BASE.model_dump(mode="json"), path) <= fit.high, path
    frames = [pd.read_csv(p, dtype=str, keep_default_na=False) for p in paths.values()]
    summary = run(fitted).summary
    simulated = summary[summary["metric"] == "total_paid"].set_index("scheme")["mean"]
    for scheme in ("Kansas hourly", "Iowa hourly"):
        rules = next(s.rules for s in fitted.schemes if s.name == scheme)
        priced = adjudicate(*frames, rules=rules)
        paid = priced.loc[priced["status"] == "paid", "amount"].sum()
        assert simulated[scheme] == pytest.approx(paid, rel=0.10), scheme


def test_the_fit_report_finds_a_self_calibrated_export_within_its_band():
    """Records simulated from a known scenario, calibrated, then compared with the
    calibrated scenario's simulations: the curves sit inside the band almost everywhere."""
    from jobcoach_model.calibration.fit_report import fit_panels

    truth = _truth(11)
    lines = prepare(*_records(truth), None, NAMES)
    fitted = calibrate(lines, BASE, NAMES).scenario()
    panels = {p.name: p for p in fit_panels(lines, fitted, ("KS", "IA"), replications=20)}
    for name in ("hours per case", "case length (weeks)", "amount paid per case, KS"):
        assert panels[name].outside() <= 2, (name, panels[name].discrepancy())
    weekly = panels["weekly coach hours"]
    assert weekly.observed.iloc[0] == pytest.approx(weekly.mean.iloc[0], rel=0.05)
    assert "outside the simulated 90% band" in weekly.discrepancy()


def test_the_shipped_sample_export_calibrates_to_its_own_shares():
    """The sample workbook through its mapping: the fitted shares are the records' own
    (counted here from the contract CSVs the workbook stands for), and a share the
    records hold too few events for keeps the base's value."""
    import pandas as pd

    from jobcoach_model.cli import EXAMPLES
    from jobcoach_model.records.inputs import read_lines

    export = EXAMPLES / "export" / "billing_export.xlsx"
    mapping = EXAMPLES / "export" / "billing_export_columns.yaml"
    lines = read_lines(export, export, export, mapping)
    cal = calibrate(lines, BASE, {n: export.name for n in NAMES})
    fitted = cal.scenario()
    services = pd.read_csv(EXAMPLES / "services.csv", dtype=str, keep_default_na=False)
    coaches = pd.read_csv(EXAMPLES / "coaches.csv", dtype=str, keep_default_na=False)
    # 3 group lines and 2 off-site lines of 24: too few events for a share of lines
    # (MIN_INFO), so the base's shares stay; shares of cases and coaches are fitted
    groups = services["group_size"].replace("", "1").astype(int) > 1
    offsite = services["setting"] == "off_site"
    assert (groups.sum(), offsite.sum(), len(services)) == (3, 2, 24)
    assert fitted.services.group_share == BASE.services.group_share
    assert fitted.services.offsite_share == BASE.services.offsite_share
    placement = pd.read_csv(EXAMPLES / "cases.csv", dtype=str)["with_placement"] == "true"
    assert fitted.services.placement_share == pytest.approx(placement.mean(), abs=1e-4)
    rates = pd.to_numeric(coaches["hourly_rate"])
    assert fitted.caseload.coaches.rate_mean == pytest.approx(rates.mean(), abs=0.005)
    assert fitted.caseload.consumers == len(pd.read_csv(EXAMPLES / "cases.csv"))
    assert any("consumer absent" in n for n in cal.notes)  # the example has such a line


def _sample_lines():
    from jobcoach_model.cli import EXAMPLES
    from jobcoach_model.records.inputs import read_lines

    export = EXAMPLES / "export" / "billing_export.xlsx"
    mapping = EXAMPLES / "export" / "billing_export_columns.yaml"
    return read_lines(export, export, export, mapping), export.name


def test_thin_records_keep_the_base_value_with_a_note_saying_how_thin():
    """The shipped sample (10 cases, 6 coached two weeks or more, 7 rated coaches, 4
    providers): fading, the first week's share and its spread, the rates' spread and the
    providers' spread keep the base's values, each with a note giving the count and the
    minimum; what 10 cases do identify (shares of cases, Wilson intervals) is fitted."""
    from jobcoach_model.calibration.calibrate import MIN_INFO, MIN_UNITS

    lines, name = _sample_lines()
    cal = calibrate(lines, BASE, dict.fromkeys(NAMES, name))
    fitted = {f.path for f in cal.fits}
    kept = {
        "services.fade_per_week": "the records hold 6 cases coached two weeks or more",
        "services.initial_share": "the records hold 6 cases coached two weeks or more",
        "services.fade_spread": "the records hold 6 cases coached two weeks or more",
        "caseload.coaches.rate_sd": "the records hold 7 coaches with a rate",
        "caseload.coaches.provider_size_cv": "the records hold 4 providers",
        "services.group_share": "the records hold 3 group lines (events)",
        "services.offsite_share": "the records hold 2 off-site lines (events)",
    }
    for path, says in kept.items():
        assert path not in fitted and path in cal.kept, path
        least = MIN_UNITS["providers"] if "providers" in says else MIN_INFO[path][0]
        note = next(n for n in cal.notes if n.startswith(f"{path} kept from baseline"))
        assert says in note and f"a fit needs at least {least}" in note, note
    scenario = cal.scenario()
    assert scenario.services.fade_spread == BASE.services.fade_spread  # the prior, as it was
    assert "services.placement_share" in fitted and "caseload.coaches.rate_mean" in fitted


def test_one_case_fits_no_interval_of_its_own():
    """One case: nothing estimated over cases, lines or coaches is fitted (a bootstrap of
    one case is a point); the counts are still counted."""
    one = _records(_truth(1))
    keep = one[0].iloc[:1]
    services = one[2][one[2]["case_id"] == keep["case_id"].iloc[0]]
    coaches = one[1][one[1]["coach_id"].isin(services["coach_id"])]
    cal = calibrate(prepare(keep, coaches, services, None, NAMES), BASE, NAMES)
    assert [f.path for f in cal.fits if f.low is not None] == []
    assert sum("kept from baseline: the records hold 1 " in n for n in cal.notes) >= 10


def test_a_fit_no_simulated_caseload_could_give_is_refused_in_one_line(tmp_path, capsys):
    """Records coached at a job's full hours and more, calibrated against a base whose
    jobs are a quarter as long: the first week's share comes out far above 1.5, and the
    calibration is refused naming the input, the plausible range and what it is read from."""
    truth = _truth(3)
    tables = simulate_chunk(truth, 0, 1).tables()
    for name in NAMES:
        frame = tables[name].drop(columns=["need"]) if name == "cases" else tables[name]
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    short = BASE.model_dump(mode="json")
    short["caseload"]["work_hours_per_week"] = {"low": 2.0, "medium": 2.0, "high": 2.0}
    base = tmp_path / "short_jobs.yaml"
    base.write_text(yaml.safe_dump(short, sort_keys=False))
    args = [f"--{n}={tmp_path / f'{n}.csv'}" for n in NAMES]
    out = tmp_path / "fitted.yaml"
    assert main(["calibrate", *args, "--base", str(base), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "services.initial_share between 0 and 1.5" in err[0], err
    assert "the first week's coach hours over the job's hours" in err[0]
    assert not out.exists()


def test_a_base_with_a_budget_window_keeps_its_window_and_takes_the_records_intake():
    """--base semantics with a window: the window (horizon, starts) is the base's; the
    records set consumers per month (10 cases, all starting in one month: 10 a month), and
    a note says so, where before the base's own intake ran unannounced."""
    base = load_scenario(ROOT / "scenarios" / "kansas_reform_2027.yaml")
    lines, name = _sample_lines()
    cal = calibrate(lines, base, dict.fromkeys(NAMES, name))
    scenario = cal.scenario()
    assert scenario.window == base.window
    assert scenario.caseload.intake_per_month == 10.0
    assert scenario.caseload.consumers == 10 * 48  # FY2027 to FY2030: 48 months
    note = next(n for n in cal.notes if "has a budget window" in n)
    assert "10 consumers a month (10 cases over 1 month)" in note


def test_a_span_longer_than_the_simulator_runs_is_cut_with_a_note():
    truth = _truth(2)
    cases, coaches, services = _records(truth)
    services = services.copy()
    services.loc[services.index[-1], "date"] = "2036-06-01"  # ten years and more later
    cases = cases.copy()
    last = services.loc[services.index[-1], "case_id"]
    cases.loc[cases["case_id"] == last, "authorized_to"] = "2036-12-31"
    cal = calibrate(prepare(cases, coaches, services, None, NAMES), BASE, NAMES)
    assert cal.scenario().caseload.weeks == 520
    assert any("horizon is cut to the simulator's longest, 520 weeks" in n for n in cal.notes)


@pytest.mark.parametrize("cases", [10, 30, 100])
def test_intervals_cover_the_truth_on_small_exports(cases):
    """Recovery on small exports: 40 seeds of a caseload of ``cases`` consumers. Over every
    input fitted (an input the records hold too little for keeps its prior and is not
    counted), the 90% intervals cover the truth at least 85% of the time; an input fitted
    in 10 seeds or more covers it in at least 60% of them (a true 90% interval falls
    below that with probability under 1e-6 in 40)."""
    recs = []
    for seed in range(40):
        truth = _truth(seed)
        small = truth.caseload.model_copy(update={"consumers": cases})
        truth = truth.model_copy(update={"caseload": small})
        lines = prepare(*_records(truth), None, NAMES)
        recs.append((truth.model_dump(mode="json"), calibrate(lines, BASE, NAMES)))
    got = _estimates(recs)
    hits = {p: sum(lo - 1e-9 <= t <= hi + 1e-9 for t, _, lo, hi in rows) for p, rows in got.items()}
    total = sum(hits.values()) / sum(len(rows) for rows in got.values())
    assert total >= 0.85, (total, hits)
    short = {
        p: (h, len(got[p])) for p, h in hits.items() if len(got[p]) >= 10 and h < 0.6 * len(got[p])
    }
    assert not short, short
    assert len(got) >= 20  # most inputs are still fitted from 10 cases
