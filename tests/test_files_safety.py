"""Never lose a user's file: each failure a new user met, now refused through the CLI with
exit 2 and one line, leaving every file as it was."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from jobcoach_model.base.outputs import MARKER
from jobcoach_model.cli import main

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "scenarios" / "small.yaml"
EXAMPLES = ROOT / "jobcoach_model" / "examples"


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "Traceback" not in err[0]
    return err[0]


def _tiny(tmp_path: Path, text: str = "") -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(
        SMALL.read_text().replace("replications: 20", "replications: 2") + text, encoding="utf-8"
    )
    return path


def test_adjudicate_refuses_to_overwrite_an_input(tmp_path, capsys):
    for name in ("cases", "coaches", "services"):
        shutil.copy(EXAMPLES / f"{name}.csv", tmp_path / f"{name}.csv")
    before = (tmp_path / "services.csv").read_bytes()
    args = ["adjudicate", "--rules", "KS"]
    for name in ("cases", "coaches", "services"):
        args += [f"--{name}", str(tmp_path / f"{name}.csv")]
    assert main([*args, "--out", str(tmp_path / "services.csv")]) == 2
    assert "is one of the inputs" in _one_line(capsys)
    assert (tmp_path / "services.csv").read_bytes() == before
    # the same file by another path is still the input
    other = tmp_path / "." / "sub" / ".." / "services.csv"
    (tmp_path / "sub").mkdir()
    assert main([*args, "--out", str(other)]) == 2
    assert (tmp_path / "services.csv").read_bytes() == before


def test_simulate_refuses_a_folder_of_the_users_own_files(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    (data / "services.csv").write_text("my own export\n")
    scenario = _tiny(tmp_path)
    assert main(["simulate", str(scenario), "--out", str(data)]) == 2
    line = _one_line(capsys)
    assert "holds files this tool did not write (services.csv)" in line and "--force" in line
    assert (data / "services.csv").read_text() == "my own export\n"
    assert main(["simulate", str(scenario), "--out", str(data), "--force"]) == 0
    capsys.readouterr()


def test_a_folder_we_wrote_is_reused_and_stale_partial_output_is_removed(tmp_path, capsys):
    out = tmp_path / "out"
    scenario = _tiny(tmp_path)
    assert main(["simulate", str(scenario), "--out", str(out)]) == 0
    assert (out / MARKER).is_file()
    # a run killed mid-write leaves a partial folder and a temporary file behind
    (out / ".partial-killed").mkdir()
    (out / ".partial-killed" / "summary.csv").write_text("half")
    (out / ".summary.csv.abc.tmp").write_text("half")
    assert main(["simulate", str(scenario), "--out", str(out)]) == 0
    assert not list(out.glob(".partial-*")) and not list(out.glob(".*.tmp"))
    capsys.readouterr()


@pytest.mark.notebook
@pytest.mark.parametrize("name", ["../../escaped", "/tmp/absolute_escape", "..", "a/../../b"])
def test_a_scenario_name_is_a_label_never_a_path(tmp_path, monkeypatch, capsys, name):
    monkeypatch.chdir(tmp_path)
    scenario = _tiny(tmp_path).read_text().replace("name: small", f'name: "{name}"')
    path = tmp_path / "named.yaml"
    path.write_text(scenario)
    assert main(["brief", str(path), "--quiet"]) == 0
    html = Path(capsys.readouterr().out.strip())
    assert html.parent.parent == (tmp_path / "reports").resolve()
    assert html.is_file()
    assert [p.name for p in tmp_path.iterdir() if p.is_dir()] == ["reports"]


def test_duplicate_keys_and_empty_scenarios_are_refused(tmp_path, capsys):
    dup = tmp_path / "dup.yaml"
    dup.write_text("name: a\ncaseload:\n  consumers: 10\nname: b\n")
    assert main(["validate", str(dup)]) == 2
    assert "key 'name' is given twice (lines 1 and 4)" in _one_line(capsys)
    for text in ("", "# a comment only\n", "\n\n"):
        empty = tmp_path / "empty.yaml"
        empty.write_text(text)
        assert main(["validate", str(empty)]) == 2
        assert "the file is empty or holds only comments" in _one_line(capsys)


@pytest.mark.parametrize("bad", ["=HYPERLINK(1)", "+1", "-x", "@SUM(A1)", "\tx"])
def test_a_scheme_name_a_spreadsheet_would_run_is_refused(tmp_path, capsys, bad):
    text = f"schemes:\n  - {{name: {bad!r}, rules: KS}}\n"
    path = tmp_path / "bad.yaml"
    path.write_text(text.replace("'", '"'))
    assert main(["validate", str(path)]) == 2
    assert "formula" in _one_line(capsys)


def test_an_unwritable_output_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    scenario = _tiny(tmp_path)
    assert main(["simulate", str(scenario), "--out", str(blocker / "sub")]) == 2
    assert "cannot write" in _one_line(capsys)
    assert main(["bridge", str(scenario), "--from", "Kansas hourly", "--to", "Iowa hourly",
                 "--out", str(blocker / "b.csv")]) == 2  # fmt: skip
    assert "cannot write" in _one_line(capsys)


def test_an_interrupt_is_one_line(monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("jobcoach_model.presentation.brief.make_brief", interrupted)
    assert main(["brief", str(SMALL), "--quiet"]) == 130
    assert "stopped (SIGINT)" in _one_line(capsys)


@pytest.mark.parametrize("bad", ["=1+1", "+SUM(A1)", "-2", "@cmd", "\tS1"])
@pytest.mark.parametrize("table, column", [("services", "service_id"), ("cases", "case_id"), ("coaches", "provider_id")])  # fmt: skip
def test_an_id_a_spreadsheet_would_run_is_refused_through_the_cli(tmp_path, capsys, bad, table, column):  # fmt: skip
    import pandas as pd

    frames = {n: pd.read_csv(EXAMPLES / f"{n}.csv", dtype=str, keep_default_na=False) for n in ("cases", "coaches", "services")}  # fmt: skip
    old = frames[table].loc[1, column]
    frames[table].loc[1, column] = bad
    if column == "case_id":  # keep the lines linked
        frames["services"].loc[frames["services"]["case_id"] == old, "case_id"] = bad
    for name, frame in frames.items():
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    args = ["adjudicate", "--rules", "KS", "--out", str(tmp_path / "out.csv")]
    for name in frames:
        args += [f"--{name}", str(tmp_path / f"{name}.csv")]
    assert main(args) == 2
    line = _one_line(capsys)
    assert f"{table}.csv, row 2 (line 3), column '{column}'" in line and "formula" in line
    assert not (tmp_path / "out.csv").exists()
