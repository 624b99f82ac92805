"""Sensitivity: every interpretation and option re-adjudicated on the same lines, a tornado
over every input with a cited or assumed range, Sobol indices, and the command's files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jobcoach_model.analysis.problem import inputs
from jobcoach_model.analysis.sensitivity import SOBOL_COLUMNS, run_sensitivity
from jobcoach_model.caseloads.runner import run
from jobcoach_model.caseloads.scenario import load_scenario, read_scenario_data, scenario_from_dict
from jobcoach_model.cli import main
from jobcoach_model.law.rulebook import load_rulebook
from jobcoach_model.presentation.why_figures import interpretation_table, overturn_sentences

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "scenarios" / "small.yaml"
BASELINE = ROOT / "scenarios" / "baseline.yaml"


def _load(path: Path):
    base = read_scenario_data(path)
    base.setdefault("name", path.stem)
    return base, str(path), scenario_from_dict(base, str(path))


@pytest.fixture(scope="module")
def baseline():
    base, source, sc = _load(BASELINE)
    return run_sensitivity(base, source, sc, replications=6, workers=0)


def test_every_interpretation_and_option_of_both_rulebooks(baseline):
    t = baseline.interpretations
    for code in ("KS", "IA"):
        for name, item in load_rulebook(code).interpretations.items():
            got = set(t.loc[(t["rules"] == code) & (t["interpretation"] == name), "option"])
            assert got == set(item.options), name
    assert (t.loc[t["default"], "delta"] == 0).all()
    # a reading of one rulebook never touches the other's schemes
    schemes = {s.name: s.rules for s in baseline.scenario.schemes}
    assert all(schemes[s] == r for s, r in zip(t["scheme"], t["rules"], strict=True))


def test_baseline_names_hourly_payment_timing_and_its_effect(baseline):
    t = baseline.interpretations.set_index(["interpretation", "option", "scheme"])
    row = t.loc[("hourly_payment_timing", "on_report", "Iowa hourly")]
    # paying on report instead of at stabilization releases the held hours: +15-35%
    assert 0.15 < row["delta"] / row["default_mean"] < 0.35
    material = baseline.material()
    assert "hourly_payment_timing" in set(material["interpretation"])
    assert any(
        s.startswith("Reading When hourly coaching is paid: on each written report (Iowa)")
        for s in overturn_sentences(baseline)
    )
    table = interpretation_table(baseline)
    flagged = table[table["Moves >= 5%"] == "yes"]
    assert "When hourly coaching is paid" in set(flagged["Question the sources leave open"])
    assert "on each written report" in set(flagged["Other reading"])


def test_interpretation_point_equals_a_run_with_that_override(baseline):
    sets = {"simulation.replications": "6", "schemes.1.overrides.w9_scope": "all_coaches"}
    for i, s in enumerate(baseline.scenario.schemes):
        if s.rules == "IA":
            sets[f"schemes.{i}.overrides.w9_scope"] = "all_coaches"
    direct = run(load_scenario(BASELINE, sets), keep_sample=False)
    t = baseline.interpretations.set_index(["interpretation", "option", "scheme"])
    assert t.loc[("w9_scope", "all_coaches", "Iowa hourly"), "mean"] == pytest.approx(
        direct.metric("Iowa hourly", "total_paid"), abs=1e-4
    )


def test_tornado_swings_at_least_ten_inputs_each_with_a_source(baseline):
    t = baseline.tornado
    assert t["input"].nunique() >= 10
    assert (t["low"] <= t["value"]).all() and (t["value"] <= t["high"]).all()
    assert t["source"].str.len().gt(0).all()
    assert "IA.medicaid_hourly_rate" in set(t["input"])
    np.testing.assert_allclose(t["swing"], t["total_high"] - t["total_low"], atol=1e-3)
    # the Kansas rate is fixed by rule: the coaches' negotiated rates do not move it
    ks = t[(t["input"] == "caseload.coaches.rate_mean") & (t["scheme"] == "Kansas hourly")]
    assert ks["swing"].iloc[0] == 0
    ia = t[(t["input"] == "caseload.coaches.rate_mean") & (t["scheme"] == "Iowa hourly")]
    assert ia["swing"].iloc[0] > 0
    # sorted: the largest swing first
    first = t.groupby("input", sort=False)["swing"].apply(lambda s: s.abs().max())
    assert list(first) == sorted(first, reverse=True)


def test_every_range_is_cited_or_an_assumption():
    sc = load_scenario(BASELINE)
    for inp in inputs(sc):
        assert inp.low < inp.high, inp.name
        assert "assumption" in inp.source or "published_figures.md" in inp.source, inp.name


def test_a_range_stretches_to_include_the_scenarios_own_value():
    sc = load_scenario(SMALL, {"services.group_share": "0.6"})
    share = next(i for i in inputs(sc) if i.name == "services.group_share")
    assert share.high == 0.6 and share.value == 0.6


def test_sobol_indices_with_salib(tmp_path):
    base, source, sc = _load(SMALL)
    sens = run_sensitivity(
        base, source, sc, replications=2, sobol=4, sobol_replications=2, workers=0
    )
    s = sens.sobol
    assert list(s.columns) == SOBOL_COLUMNS and s["ST_at_half_n"].notna().all()
    assert set(s["input"]) == {i.name for i in inputs(sc)}
    assert np.isfinite(s[["S1", "ST"]].to_numpy()).all()
    ks = s[(s["scheme"] == "Kansas hourly") & (s["input"] == "caseload.coaches.rate_mean")]
    assert ks["ST"].iloc[0] == 0  # Kansas pays its own rate, whatever coaches negotiate
    again = run_sensitivity(
        base, source, sc, replications=2, sobol=4, sobol_replications=2, workers=0
    )
    pd.testing.assert_frame_equal(again.sobol, s)  # bootstrap intervals included


def test_cli_sensitivity_writes_every_file(tmp_path, capsys):
    out = tmp_path / "sens"
    code = main(
        [
            "sensitivity",
            str(SMALL),
            "--out",
            str(out),
            "--replications",
            "2",
            "--workers",
            "0",
            "--quiet",
        ]
    )
    assert code == 0
    for name in (
        "interpretations.csv",
        "tornado.csv",
        "tornado.png",
        "interpretations.png",
        "notes.txt",
    ):
        assert (out / name).is_file(), name
    interp = pd.read_csv(out / "interpretations.csv")
    assert list(interp.columns[:8]) == [
        "rules",
        "interpretation",
        "option",
        "scheme",
        "mean",
        "p05",
        "p95",
        "delta",
    ]
    tornado = pd.read_csv(out / "tornado.csv")
    assert list(tornado.columns[:7]) == [
        "input",
        "low",
        "high",
        "scheme",
        "total_low",
        "total_high",
        "swing",
    ]
    assert "2 replications per point" in capsys.readouterr().out


def test_a_briefs_sensitivity_is_the_same_read_once_and_on_two_workers():
    """What the cost brief asks for (the scenario read once, ``load_once``) gives the
    tables a file gives, in the kernel or on 2 local workers (``brief --workers 2``)."""
    from jobcoach_model.analysis.sensitivity import sensitivity_for
    from jobcoach_model.caseloads.scenario import load_once

    loaded = load_once(SMALL, 4, 3, {})
    here = sensitivity_for(loaded, per_point=2)
    file = sensitivity_for(SMALL, 4, 3, {}, per_point=2)
    two = sensitivity_for(loaded, per_point=2, workers=2)
    for other in (file, two):
        pd.testing.assert_frame_equal(other.interpretations, here.interpretations)
        pd.testing.assert_frame_equal(other.tornado, here.tornado)


@pytest.mark.parametrize("bad", ["-1", "9", "two"])
def test_a_bad_number_of_brief_workers_is_one_line(tmp_path, capsys, bad):
    with pytest.raises(SystemExit) as exc:
        main(["brief", str(SMALL), "--out", str(tmp_path / "b"), "--workers", bad])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--workers" in err[0] and "0 to 8" in err[0], err
    assert not (tmp_path / "b").exists()


def test_points_sharing_a_caseload_equal_each_run_alone():
    """The sensitivity's work done once (``sweep.run_lean``): points that change only a
    scheme share one simulated caseload and price each distinct setting once, yet every
    point's total paid and paid per job kept 90 days, with their intervals, equal a run of
    that point alone; a point that cannot run fails alone."""
    from jobcoach_model.analysis.sweep import run_lean, run_point, run_shared

    base, source, _ = _load(SMALL)
    reps = {"simulation.replications": 4}
    points = [
        dict(reps),
        {**reps, "schemes.0.overrides.hourly_rate": 30.0},
        {**reps, "schemes.0.overrides.hourly_rate": 30.0},  # the same setting again
        {**reps, "caseload.coaches.rate_mean": 44.0},  # a caseload of its own
        {**reps, "schemes.0.overrides.rounding": "sideways"},  # not an option: fails alone
        {**reps, "caseload.coaches.rate_mean": 44.0, "schemes.0.overrides.hourly_rate": 45.16},
    ]
    lean = run_lean(base, source, points, workers=0)
    assert len(lean) == len(points)
    assert lean[4].summary is None and "sideways" in lean[4].error
    moved = []
    for sets, got in zip(points, lean, strict=True):
        alone = run_point(base, source, sets)
        if alone.error:
            assert got.error == alone.error
            continue
        want = alone.summary.set_index(["scheme", "metric"])
        got = got.summary.set_index(["scheme", "metric"])
        assert set(got.index.get_level_values("metric")) == {"total_paid", "paid_per_retained_90d"}
        pd.testing.assert_frame_equal(got, want.loc[got.index])
        moved.append(got.loc[(slice(None), "total_paid"), "mean"].to_numpy())
    # the points differ, so sharing cannot pass by pricing every point like the first
    assert not np.array_equal(moved[0], moved[1]) and not np.array_equal(moved[0], moved[3])
    # the grouping: the caseload change and the scheme-only points are separate tasks
    assert len(run_shared(base, source, {"points": points[:3]})) == 3


def test_a_briefs_analyses_share_one_set_of_workers(monkeypatch):
    """``brief --workers 2``: the sensitivity and the joint draws run on one local cluster
    (one start, not two), closed when the block ends, with the numbers the kernel gives."""
    import jobcoach_model.analysis.sweep as sweep
    from jobcoach_model.analysis.sensitivity import sensitivity_for
    from jobcoach_model.analysis.uncertainty import uncertainty_for
    from jobcoach_model.caseloads.budget import run_file
    from jobcoach_model.caseloads.scenario import load_once

    started = []
    real = sweep._client
    monkeypatch.setattr(sweep, "_client", lambda *a: started.append(a) or real(*a))
    loaded = load_once(SMALL, 4, 3, {})
    summary = run_file(loaded).summary
    with sweep.shared_workers(2):
        sens = sensitivity_for(loaded, per_point=2, workers=2)
        likely = uncertainty_for(loaded, summary, draws=20, workers=2)
        assert 2 in sweep._SHARED
    assert started == [(2, None)] and not sweep._SHARED
    here = sensitivity_for(loaded, per_point=2)
    pd.testing.assert_frame_equal(sens.tornado, here.tornado)
    pd.testing.assert_frame_equal(likely.table, uncertainty_for(loaded, summary, draws=20).table)


def test_a_brief_starts_workers_only_where_they_pay(monkeypatch):
    """``brief`` without --workers: the baseline's sensitivity and draws (1,000 consumers,
    1,000 draws and 90 points of 20 replications) go to 2 workers, the small scenario's
    (150 consumers) stay in the kernel, and a one-core machine never starts them."""
    import jobcoach_model.presentation.brief as brief

    baseline, small = load_scenario(BASELINE), load_scenario(SMALL)
    monkeypatch.setattr(brief.os, "cpu_count", lambda: 2)
    assert brief.brief_workers(baseline) == 2 and brief.brief_workers(small) == 0
    # the threshold itself: the baseline with a tenth of its consumers stays in the kernel
    fewer = load_scenario(BASELINE, {"caseload.consumers": "100"})
    assert brief.brief_workers(fewer) == 0
    monkeypatch.setattr(brief.os, "cpu_count", lambda: 1)
    assert brief.brief_workers(baseline) == 0


def test_a_dated_reform_shares_a_caseload_like_any_setting():
    """A scheme whose override takes dated values (a reform: ``hourly_rate: {2027-07-01:
    45.16}``) has a key of its own, so the sensitivity of a reform scenario runs and prices
    it apart from the same scheme undated (the reform brief's sensitivity)."""
    from jobcoach_model.analysis.sweep import run_lean, run_point
    from jobcoach_model.caseloads.runner import scheme_key
    from jobcoach_model.caseloads.scenario import Scheme

    undated = Scheme(name="K", rules="KS", overrides={"hourly_rate": 45.16})
    dated = Scheme(name="K", rules="KS", overrides={"hourly_rate": {"2026-03-01": 45.16}})
    assert scheme_key(undated) != scheme_key(dated)
    base, source, _ = _load(SMALL)
    points = [
        {"simulation.replications": 2, "schemes.0.overrides.hourly_rate": {"2026-03-01": 45.16}},
        {"simulation.replications": 2},
    ]
    lean = run_lean(base, source, points, workers=0)
    for sets, got in zip(points, lean, strict=True):
        want = run_point(base, source, sets).summary.set_index(["scheme", "metric"])
        got = got.summary.set_index(["scheme", "metric"])
        pd.testing.assert_frame_equal(got, want.loc[got.index])
