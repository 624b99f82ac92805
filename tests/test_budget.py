"""Bounded memory and time: estimates printed by validate, runs that cannot fit refused up
front in one line naming the fields to shrink, and large caseloads simulated in blocks."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobcoach_model.caseloads.budget import estimate
from jobcoach_model.caseloads.scenario import load_scenario
from jobcoach_model.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in err[0], err
    return err[0]


def test_validate_prints_estimated_memory_and_time(capsys):
    assert main(["validate", "baseline"]) == 0
    out = capsys.readouterr().out
    assert "estimated peak memory" in out and "GiB available" in out and "estimated time" in out


def test_a_billion_consumers_is_refused_up_front_naming_the_fields(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(
        ["simulate", "baseline", "--set", "caseload.consumers=1000000000", "--out", str(out)]
    )
    assert code == 2
    line = _one_line(capsys)
    assert "caseload.consumers" in line and "simulation.replications" in line
    assert "--time-limit" in line
    assert not out.exists()  # refused before anything was written


def test_a_hundred_million_replications_is_refused_for_memory(tmp_path, capsys):
    code = main(
        ["simulate", "baseline", "--set", "simulation.replications=100000000", "--out",
         str(tmp_path / "o")]
    )  # fmt: skip
    assert code == 2
    line = _one_line(capsys)
    assert "GiB available" in line and "shrink simulation.replications" in line


def test_the_time_limit_is_an_option(tmp_path, capsys):
    sets = ["--set", "caseload.consumers=300000", "--set", "simulation.replications=20"]
    assert main(["validate", "baseline", *sets, "--time-limit", "1"]) == 2
    assert "limit 1 s" in _one_line(capsys)
    assert main(["brief", "baseline", *sets, "--time-limit", "1", "--out", str(tmp_path)]) == 2
    assert "--time-limit" in _one_line(capsys)


def test_peak_memory_estimate_does_not_grow_with_the_caseload():
    small = estimate(load_scenario(ROOT / "scenarios" / "baseline.yaml",
                                   {"caseload.consumers": "30000", "simulation.replications": "1"}))  # fmt: skip
    large = estimate(load_scenario(ROOT / "scenarios" / "baseline.yaml",
                                   {"caseload.consumers": "3000000", "simulation.replications": "1"}))  # fmt: skip
    assert large.chunk_lines == pytest.approx(small.chunk_lines, rel=0.2)
    # the time estimate scales with the work: each against its own pilot's time, so a
    # pilot slowed by a busy machine moves both sides alike (100x the consumers)
    assert large.seconds / large.pilot_seconds > 50 * small.seconds / small.pilot_seconds
