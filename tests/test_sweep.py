"""Sweeps on Dask: the points of a grid and a sample, results identical with 0, 1 and 2
workers and through an external scheduler on 127.0.0.1, a point equal to `jobcoach
simulate` with the same --set values, and failing points reported while others run."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import external_cluster

from jobcoach_model.analysis.sweep import (
    SweepError,
    expand,
    load_sweep,
    results_frame,
    run_points,
    sample_points,
)
from jobcoach_model.caseloads.runner import run
from jobcoach_model.caseloads.scenario import load_scenario
from jobcoach_model.cli import main

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "scenarios" / "small.yaml"
DASK = Path(sys.executable).parent / "dask"


def _sweep_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sweep.yaml"
    path.write_text(f"scenario: {os.path.relpath(SMALL, tmp_path)}\n{text}", encoding="utf-8")
    return path


GRID = """grid:
  caseload.consumers: [60, 90]
  schemes.1.overrides.hourly_payment_timing: [on_stabilization, on_report]
sample:
  services.group_share: [0.05, 0.3]
points: 2
method: lhs
"""


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    path = _sweep_file(tmp_path_factory.mktemp("sweep"), GRID + "\n")
    spec, base, source = load_sweep(path)
    points = [{**p, "simulation.replications": 3} for p in expand(spec)]
    return base, source, points


@pytest.fixture(scope="module")
def in_process(spec):
    base, source, points = spec
    return results_frame(points, run_points(base, source, points, workers=0))


def test_grid_is_a_cartesian_product_crossed_with_the_sample(spec):
    _, _, points = spec
    assert len(points) == 2 * 2 * 2
    assert {p["caseload.consumers"] for p in points} == {60, 90}
    shares = {p["services.group_share"] for p in points}
    assert len(shares) == 2 and all(0.05 <= s <= 0.3 for s in shares)


@pytest.mark.parametrize("method", ["sobol", "lhs"])
def test_samples_stay_in_their_ranges_and_repeat_with_the_seed(method):
    ranges = {"a": (1.0, 2.0), "b": (-5.0, 5.0)}
    first = sample_points(ranges, 8, method, seed=3)
    assert first == sample_points(ranges, 8, method, seed=3)
    assert all(1 <= p["a"] <= 2 and -5 <= p["b"] <= 5 for p in first)


def test_results_have_the_issue_columns_and_every_point(in_process):
    cols = list(in_process.columns)
    assert cols[0] == "point" and cols[-5:] == ["scheme", "metric", "mean", "p05", "p95"]
    assert "caseload.consumers" in cols and "services.group_share" in cols
    assert sorted(in_process["point"].unique()) == list(range(8))


@pytest.mark.parametrize("workers", [1, 2])
def test_results_do_not_depend_on_the_number_of_workers(spec, in_process, workers):
    base, source, points = spec
    got = results_frame(points, run_points(base, source, points, workers=workers))
    pd.testing.assert_frame_equal(got, in_process, check_exact=True)


def test_results_through_an_external_scheduler_on_loopback(spec, in_process, tmp_path):
    base, source, points = spec
    with external_cluster(tmp_path) as address:
        assert address.startswith("tcp://127.0.0.1:")
        got = results_frame(points, run_points(base, source, points, scheduler=address))
    pd.testing.assert_frame_equal(got, in_process, check_exact=True)


def test_a_point_equals_simulate_with_the_same_sets(spec, in_process):
    _, _, points = spec
    point = points[5]
    sets = {k: str(v) for k, v in point.items()}
    expected = run(load_scenario(SMALL, sets), keep_sample=False).summary
    got = in_process[in_process["point"] == 5][["scheme", "metric", "mean", "p05", "p95"]]
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected, check_exact=True)


def test_cli_sweep_reports_a_failing_point_and_runs_the_others(tmp_path, capsys):
    path = _sweep_file(
        tmp_path,
        "grid:\n  caseload.consumers: [40, -3]\n  simulation.replications: [2]\n",
    )
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "0", "--quiet"]) == 0
    captured = capsys.readouterr()
    assert "point 1 failed" in captured.err and "caseload.consumers" in captured.err
    assert "1 of 2 points ran" in captured.out
    results = pd.read_parquet(out / "results.parquet")
    assert set(results["point"]) == {0} and set(results["caseload.consumers"]) == {40}
    failures = pd.read_csv(out / "failures.csv")
    assert failures["point"].tolist() == [1]


@pytest.mark.parametrize(
    "text, message",
    [
        ("grid: {}\n", "a sweep needs a grid: or a sample:"),
        ("sample:\n  services.group_share: [0.3, 0.1]\npoints: 4\n", "low < high"),
        ("sample:\n  services.group_share: [0.1, 0.3]\n", "needs points:"),
        ("grid:\n  a: [1]\nmethod: grid\n", "method"),
        ("grid:\n  a: [1]\nextra: 1\n", "extra"),
    ],
)
def test_bad_sweep_files_are_one_line(tmp_path, text, message):
    with pytest.raises(SweepError, match=message):
        load_sweep(_sweep_file(tmp_path, text))
