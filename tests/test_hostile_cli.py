"""Each case a new user met (issue: real exports never priced silently wrong), through the
command line: refused with exit 2 and one line naming the place, nothing written or
replaced, or, where the input means the same records, priced as the clean contract."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_processes import _gone, _jobcoach, _wait_for

from jobcoach_model.base.outputs import MARKER
from jobcoach_model.cli import EXAMPLES, main

ROOT = Path(__file__).resolve().parents[1]
EXPORT = EXAMPLES / "export" / "billing_export.xlsx"
MAP = EXAMPLES / "export" / "billing_export_columns.yaml"
SMALL = ROOT / "scenarios" / "small.yaml"
CONTRACT = {n: EXAMPLES / f"{n}.csv" for n in ("cases", "coaches", "services")}


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "Traceback" not in err[0]
    return err[0]


def _adjudicate(paths: dict, out: Path, *extra: str, rules: str = "KS") -> int:
    args = [f"--{n}={paths[n]}" for n in ("cases", "coaches", "services")]
    return main(["adjudicate", "--rules", rules, *args, "--out", str(out), *extra])


def _export(tmp_path: Path, edit) -> dict:
    book = openpyxl.load_workbook(EXPORT)
    edit(book)
    path = tmp_path / "export.xlsx"
    book.save(path)
    return dict.fromkeys(("cases", "coaches", "services"), path)


def _column(book, sheet: str, header: str) -> int:
    return [c.value for c in book[sheet][1]].index(header) + 1


# -- 1. wrong money with exit 0 ---------------------------------------------------------


@pytest.mark.parametrize(
    ("sheet", "header", "value", "found"),
    [
        ("services", "Consumer Present", "#N/A", "an error cell #N/A"),
        ("services", "Group Size", "#DIV/0!", "an error cell #DIV/0!"),
        ("services", "Group Size", "=2+1", "a formula with no stored value"),
        ("coaches", "Rate", "=40*1", "a formula with no stored value"),
    ],
)
def test_an_unreadable_excel_cell_is_refused_not_defaulted(
    tmp_path, capsys, sheet, header, value, found
):
    def edit(book):
        book[sheet].cell(3, _column(book, sheet, header), value)

    out = tmp_path / "r.csv"
    assert _adjudicate(_export(tmp_path, edit), out, "--columns", str(MAP)) == 2
    line = _one_line(capsys)
    assert f"sheet {sheet}, row 2 (line 3), column '{header}'" in line and found in line
    assert not out.exists()


def test_a_merged_group_size_is_refused(tmp_path, capsys):
    def edit(book):
        col = _column(book, "services", "Group Size")
        book["services"].merge_cells(start_row=5, start_column=col, end_row=7, end_column=col)

    assert _adjudicate(_export(tmp_path, edit), tmp_path / "r.csv", "--columns", str(MAP)) == 2
    line = _one_line(capsys)
    assert "row 4 (line 5), column 'Group Size'" in line and "merged" in line


def test_ten_trillion_hours_and_a_billion_dollar_rate_are_refused(tmp_path, capsys):
    def edit(book):
        book["services"].cell(3, _column(book, "services", "Units (hours)"), 1e13)

    assert _adjudicate(_export(tmp_path, edit), tmp_path / "r.csv", "--columns", str(MAP)) == 2
    assert "expected a number > 0 and <= 24" in _one_line(capsys)
    out = tmp_path / "r2.csv"
    assert _adjudicate(CONTRACT, out, "--set", "hourly_rate=1e9") == 2
    assert "--set hourly_rate: expected a number in USD/hour > 0 and <= 1,000" in _one_line(capsys)
    assert not out.exists()


@pytest.mark.parametrize(
    ("value", "ok"),
    [(24, True), (24.000001, False), (1e6, False)],
)
def test_hours_at_the_edge_of_their_domain(tmp_path, capsys, value, ok):
    services = pd.read_csv(CONTRACT["services"], dtype=str, keep_default_na=False)
    services.loc[0, "hours"] = str(value)
    services.to_csv(tmp_path / "services.csv", index=False)
    paths = {**CONTRACT, "services": tmp_path / "services.csv"}
    assert _adjudicate(paths, tmp_path / "r.csv") == (0 if ok else 2)
    capsys.readouterr()


# -- 4. crashes on near-valid input ----------------------------------------------------


def test_a_stray_cell_at_xfd1048576_is_refused_before_reading(tmp_path, capsys):
    def edit(book):
        book["services"]["XFD1048576"] = "x"

    assert _adjudicate(_export(tmp_path, edit), tmp_path / "r.csv", "--columns", str(MAP)) == 2
    assert "a cell at XFD1048576" in _one_line(capsys)


def test_a_sheet_with_broken_xml_is_one_line(tmp_path, capsys):
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(EXPORT) as src, zipfile.ZipFile(broken, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]
            dst.writestr(info, data)
    paths = dict.fromkeys(CONTRACT, broken)
    assert _adjudicate(paths, tmp_path / "r.csv", "--columns", str(MAP)) == 2
    assert "broken.xlsx" in _one_line(capsys)


def test_a_list_parquet_column_is_one_line(tmp_path, capsys):
    services = pd.read_csv(CONTRACT["services"], dtype=str, keep_default_na=False)
    table = pa.Table.from_pandas(services, preserve_index=False)
    table = table.set_column(
        table.column_names.index("hours"), "hours", pa.array([[1.0]] * len(services))
    )
    pq.write_table(table, tmp_path / "services.parquet")
    paths = {**CONTRACT, "services": tmp_path / "services.parquet"}
    assert _adjudicate(paths, tmp_path / "r.csv") == 2
    assert "column 'hours': expected a column of single values" in _one_line(capsys)


def test_a_csv_with_a_header_given_twice_is_one_line(tmp_path, capsys):
    text = CONTRACT["services"].read_text().replace("group_size", "hours", 1)
    (tmp_path / "services.csv").write_text(text)
    paths = {**CONTRACT, "services": tmp_path / "services.csv"}
    assert _adjudicate(paths, tmp_path / "r.csv") == 2
    assert "'hours' heads columns 5 and 8" in _one_line(capsys)


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        (("Location: setting", "Location: hours"), "are both mapped to hours"),
        (("Y: true\n      N: false", "Y: [true]\n      N: false"), "expected one value"),
        (("'%m/%d/%Y'", "'%m/%Q/%Y'"), "expected a strptime date format"),
        (("'%m/%d/%Y'", "'%m/%d'"), "with the day, month and year"),
    ],
)
def test_a_mapping_that_could_only_be_guessed_is_one_line(tmp_path, capsys, replace, message):
    mapping = tmp_path / "map.yaml"
    mapping.write_text(MAP.read_text().replace(*replace, 1))
    paths = dict.fromkeys(CONTRACT, EXPORT)
    assert _adjudicate(paths, tmp_path / "r.csv", "--columns", str(mapping)) == 2
    assert message in _one_line(capsys)


def test_an_id_with_a_control_character_is_refused(tmp_path, capsys):
    text = CONTRACT["services"].read_text().replace("S02,", "S\x0702,", 1)
    (tmp_path / "services.csv").write_text(text)
    paths = {**CONTRACT, "services": tmp_path / "services.csv"}
    assert _adjudicate(paths, tmp_path / "r.xlsx") == 2
    assert "row 2 (line 3), column 'service_id': expected an id without control" in _one_line(
        capsys
    )


def test_an_xlsx_result_is_the_same_bytes_every_run(tmp_path, capsys):
    assert _adjudicate(CONTRACT, tmp_path / "a.xlsx") == 0
    time.sleep(1.1)  # a clock in the file would now differ
    assert _adjudicate(CONTRACT, tmp_path / "b.xlsx") == 0
    capsys.readouterr()
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_an_xlsx_result_longer_than_a_sheet_is_refused_before_writing(tmp_path, capsys):
    services = pd.read_csv(CONTRACT["services"], dtype=str, keep_default_na=False)
    n = 1_048_576  # one more line than a sheet holds after its header
    big = services.iloc[np.arange(n) % len(services)].copy()
    big["service_id"] = [f"S{i}" for i in range(n)]
    big.to_csv(tmp_path / "services.csv", index=False)
    paths = {**CONTRACT, "services": tmp_path / "services.csv"}
    assert _adjudicate(paths, tmp_path / "r.xlsx") == 2
    assert "1,048,576 lines do not fit one Excel sheet" in _one_line(capsys)
    assert list(tmp_path.iterdir()) == [tmp_path / "services.csv"]


# -- 5. misleading or inconsistent -------------------------------------------------------


def test_a_bad_row_after_blank_lines_and_a_quoted_break_names_its_own_line(tmp_path, capsys):
    lines = CONTRACT["services"].read_text().splitlines()
    lines[1] = lines[1].replace("S01,", '"S0\n1",', 1)  # a quoted line break in row 1
    lines.insert(2, "")  # a blank line before row 2
    lines[3] = lines[3].replace(",3.5,", ",-3.5,", 1)  # row 2 is bad
    (tmp_path / "services.csv").write_text("\n".join(lines) + "\n")
    paths = {**CONTRACT, "services": tmp_path / "services.csv"}
    assert _adjudicate(paths, tmp_path / "r.csv") == 2
    assert "row 2 (line 5), column 'hours'" in _one_line(capsys)


def test_a_date_after_2262_means_the_same_in_every_format(tmp_path, capsys):
    cases = pd.read_csv(CONTRACT["cases"], dtype=str, keep_default_na=False)
    cases.loc[0, "authorized_to"] = "9999-12-31"
    cases.to_csv(tmp_path / "cases.csv", index=False)
    assert _adjudicate({**CONTRACT, "cases": tmp_path / "cases.csv"}, tmp_path / "a.csv") == 0
    table = pa.Table.from_pandas(cases, preserve_index=False)
    days = [dt.datetime.fromisoformat(d) for d in cases["authorized_to"]]
    i = table.column_names.index("authorized_to")
    for kind in (pa.timestamp("us"), pa.timestamp("s"), pa.date32()):
        typed = table.set_column(i, "authorized_to", pa.array(days, type=pa.timestamp("us")))
        typed = typed.set_column(i, "authorized_to", typed.column(i).cast(kind))
        pq.write_table(typed, tmp_path / "cases.parquet")
        out = tmp_path / f"b_{kind}.csv".replace("[", "").replace("]", "")
        assert _adjudicate({**CONTRACT, "cases": tmp_path / "cases.parquet"}, out) == 0
        assert out.read_bytes() == (tmp_path / "a.csv").read_bytes(), kind
    capsys.readouterr()


def test_a_spelling_on_a_date_column_leaves_excel_dates_as_dates(tmp_path, capsys):
    mapping = tmp_path / "map.yaml"
    text = MAP.read_text().replace(
        "  services:\n    consumer_present:",
        "  services:\n    date: {'n/a': ''}\n    consumer_present:",
        1,
    )
    mapping.write_text(text)
    paths = dict.fromkeys(CONTRACT, EXPORT)
    assert _adjudicate(paths, tmp_path / "a.csv", "--columns", str(MAP)) == 0
    assert _adjudicate(paths, tmp_path / "b.csv", "--columns", str(mapping)) == 0
    capsys.readouterr()
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


# -- 2. a user's files never replaced ----------------------------------------------------


def test_a_second_init_keeps_the_users_edits(tmp_path, capsys):
    folder = tmp_path / "work"
    assert main(["init", str(folder)]) == 0
    edited = folder / "scenarios" / "baseline.yaml"
    edited.write_text(edited.read_text() + "# my edit\n")
    before = edited.read_bytes()
    assert main(["init", str(folder)]) == 2
    line = _one_line(capsys)
    assert "scenarios/baseline.yaml" in line and "--force" in line
    assert edited.read_bytes() == before
    assert main(["init", str(folder), "--force"]) == 0
    assert b"# my edit" not in edited.read_bytes()


def test_adjudicate_never_replaces_a_file_it_did_not_write(tmp_path, capsys):
    out = tmp_path / "result.csv"
    out.write_text("my own notes\n")
    assert _adjudicate(CONTRACT, out) == 2
    assert "exists and was not written by this tool" in _one_line(capsys)
    assert out.read_text() == "my own notes\n"
    assert _adjudicate(CONTRACT, out, "--force") == 0
    assert _adjudicate(CONTRACT, out) == 0  # ours, unchanged: replaced
    out.write_text(out.read_text() + "edited\n")
    assert _adjudicate(CONTRACT, out) == 2  # ours, but edited since
    capsys.readouterr()


def test_explain_out_never_replaces_a_file_it_did_not_write(tmp_path, capsys):
    out = tmp_path / "statement.md"
    out.write_text("mine\n")
    args = [f"--{n}={CONTRACT[n]}" for n in CONTRACT]
    assert main(["explain", "--rules", "KS", *args, "--line", "S01", "--out", str(out)]) == 2
    assert "was not written by this tool" in _one_line(capsys)
    assert out.read_text() == "mine\n"


def test_brief_all_refuses_two_scenarios_that_share_a_folder(tmp_path, capsys, monkeypatch):
    (tmp_path / "scenarios").mkdir()
    for name in ("a", "b"):
        shutil.copy(SMALL, tmp_path / "scenarios" / f"{name}.yaml")
    monkeypatch.chdir(tmp_path)
    assert main(["brief", "--all", "--quiet"]) == 2
    line = _one_line(capsys)
    assert "a.yaml and " in line and "b.yaml both write reports/" in line
    assert not (tmp_path / "reports").exists()


def test_a_second_run_into_a_folder_in_use_is_refused(tmp_path, capsys):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / MARKER).write_text("Written by jobcoach\n")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            f"fd = os.open({str(folder / MARKER)!r}, os.O_RDWR)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('held', flush=True)\ntime.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        (folder / ".partial-running").mkdir()  # the first run's working folder
        assert main(["simulate", str(SMALL), "--out", str(folder)]) == 2
        assert "another jobcoach run is writing here" in _one_line(capsys)
        assert (folder / ".partial-running").is_dir()  # left alone
    finally:
        holder.kill()
        holder.wait()


# -- 3. runs bounded before they start ----------------------------------------------------


def _sweep(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sweep.yaml"
    path.write_text(f"scenario: {os.path.relpath(SMALL, tmp_path)}\n{text}")
    return path


@pytest.mark.parametrize(
    ("text", "extra", "message"),
    [
        (
            "grid:\n  caseload.consumers: ["
            + ", ".join(str(100 + i) for i in range(10_000))
            + "]\n  services.group_share: ["
            + ", ".join(["0.1"] * 10_000)
            + "]\n",
            [],
            "100,000,000 points",
        ),
        (
            "grid:\n  caseload.consumers: ["
            + ", ".join(str(100 + i) for i in range(10_000))
            + "]\n",
            ["--time-limit", "60"],
            "would take about",
        ),
        (  # 2,000 tiny points: each costs its fixed overhead, not nothing
            "grid:\n  caseload.consumers: ["
            + ", ".join(str(10 + i) for i in range(40))
            + "]\n  services.group_share: ["
            + ", ".join(f"{i / 100:.2f}" for i in range(50))
            + "]\n",
            ["--time-limit", "30"],
            "2,000 points would take about",
        ),
        ("grid:\n  caseload.consumer: [10, 20]\n", [], "caseload.consumer: not a field"),
        (
            "grid:\n  caseload.consumers: [10]\ngrid:\n  caseload.consumers: [20]\n",
            [],
            "given twice",
        ),
    ],
)
def test_a_sweep_that_cannot_run_is_refused_up_front(tmp_path, capsys, text, extra, message):
    out = tmp_path / "out"
    started = time.perf_counter()
    code = main(["sweep", str(_sweep(tmp_path, text)), "--out", str(out), "--quiet", *extra])
    assert code == 2 and message in _one_line(capsys)
    assert not out.exists()
    assert time.perf_counter() - started < 120  # refused, not run


def test_a_brief_whose_joint_draws_would_run_too_long_is_refused_up_front(tmp_path, capsys):
    out = tmp_path / "brief"
    started = time.perf_counter()
    code = main(
        ["brief", "baseline", "--out", str(out), "--set", "uncertainty.draws=100000"]
        + ["--time-limit", "60", "--quiet"]
    )
    assert code == 2
    line = _one_line(capsys)
    assert "would take about" in line and "shrink uncertainty.draws" in line
    assert not out.exists() and time.perf_counter() - started < 120


def test_a_sensitivity_run_over_its_time_limit_is_refused_up_front(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(
        ["sensitivity", str(SMALL), "--out", str(out), "--replications", "50000"]
        + ["--sobol", "1024", "--time-limit", "600", "--quiet"]
    )
    assert code == 2
    line = _one_line(capsys)
    assert "would take about" in line and "--replications or --sobol" in line
    assert not out.exists()


# -- 4. SIGINT, also in the background ---------------------------------------------------


def test_sigint_stops_a_command_started_in_the_background(tmp_path):
    """A shell script's background job inherits SIGINT ignored; we handle it anyway."""
    code = (
        "import signal, sys\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"  # as `cmd &` in a script leaves it
        "from jobcoach_model.cli import main\n"
        f"sys.exit(main(['simulate', {str(SMALL)!r}, '--set', 'caseload.consumers=100000',"
        " '--set', 'simulation.replications=400', '--time-limit', '0', '--out', 'out']))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stderr=subprocess.PIPE, text=True, cwd=tmp_path
    )
    for _ in range(600):  # until the run has started writing
        if (tmp_path / "out" / MARKER).exists() or proc.poll() is not None:
            break
        time.sleep(0.1)
    time.sleep(1)
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1].startswith("jobcoach: stopped (SIGINT)"), err


def _started(folder: Path, proc: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not (folder / MARKER).exists():  # the run holds the folder
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline
        time.sleep(0.1)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_sweep_stopped_while_its_workers_run_prints_one_line(tmp_path, sig):
    import psutil

    grid = ", ".join(str(2000 + 100 * i) for i in range(41))
    path = _sweep(tmp_path, f"grid:\n  caseload.consumers: [{grid}]\n")
    out = tmp_path / "out"
    proc = _jobcoach(
        "sweep", str(path), "--out", str(out), "--workers", "2", "--quiet", cwd=tmp_path
    )
    try:
        _started(out, proc)
        time.sleep(4)  # the workers are running points
        family = psutil.Process(proc.pid).children(recursive=True)
        assert family, "no workers started"
        os.kill(proc.pid, sig)
        _, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    lines = err.strip().splitlines()
    assert lines == [f"jobcoach: stopped ({sig.name}); nothing half-written was left"], err
    assert proc.returncode == 130
    assert not (out / "results.parquet").exists()  # nothing half-written
    # the workers end as their nanny does, within seconds
    assert _wait_for(lambda: not _gone(family), 30), _gone(family)


@pytest.mark.notebook
def test_a_second_brief_into_a_folder_in_use_leaves_the_first_to_finish(tmp_path):
    out = tmp_path / "brief"
    first = _jobcoach("brief", str(SMALL), "--out", str(out), "--quiet", cwd=tmp_path)
    try:
        _started(out, first)
        second = _jobcoach("brief", str(SMALL), "--out", str(out), "--quiet", cwd=tmp_path)
        _, err = second.communicate(timeout=120)
        assert second.returncode == 2
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "another jobcoach run is writing here" in lines[0], err
        _, err = first.communicate(timeout=300)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    assert first.returncode == 0, err
    assert (out / "brief.html").is_file()


@pytest.mark.parametrize("kind", ["silent", "garbage"])
def test_a_scheduler_that_never_answers_or_is_no_address_is_one_line(
    tmp_path, capsys, monkeypatch, kind
):
    import socket
    import threading

    # the deadline's mechanism, not its length, is under test: 1 s instead of 20 s
    monkeypatch.setattr("jobcoach_model.analysis.sweep.CONNECT_SECONDS", 1.0)

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    held = []  # accepted and never answered
    threading.Thread(target=lambda: held.append(server.accept()), daemon=True).start()
    address = f"tcp://127.0.0.1:{server.getsockname()[1]}" if kind == "silent" else "no:such:addr"
    path = _sweep(tmp_path, "grid:\n  caseload.consumers: [10]\n")
    started = time.perf_counter()
    try:
        code = main(
            ["sweep", str(path), "--out", str(tmp_path / "o"), "--scheduler", address, "--quiet"]
        )
    finally:
        server.close()
    assert code == 2 and f"--scheduler {address}" in _one_line(capsys)
    assert time.perf_counter() - started < 40  # the deadline holds


def test_failures_csv_holds_no_cell_a_spreadsheet_runs(tmp_path):
    from jobcoach_model.analysis.sweep import PointResult, failures_frame

    frame = failures_frame([{"a": 1}], [PointResult(None, "=HYPERLINK(1)")])
    assert frame["error"].tolist() == ["'=HYPERLINK(1)"]


@pytest.mark.parametrize(
    "extra, words",
    [
        (["--only", "no_such_notebook"], "--only no_such_notebook: no such notebook"),
        (["--param", "replications"], "--param 'replications': expected NAME=VALUE"),
        (["--param", "not a name=3"], "expected NAME=VALUE"),
        (["--param", "sets=[1, 2]"], "the value must be one number, word or null"),
        (["--param", "seed=: :"], "the value is not a YAML scalar"),
    ],
)
def test_notebooks_refuses_an_unknown_notebook_or_a_bad_parameter_before_running(
    tmp_path, capsys, extra, words
):
    out = tmp_path / "suite"
    assert main(["notebooks", "--out", str(out), "--quiet", *extra]) == 2
    assert words in _one_line(capsys)
    assert not out.exists()  # refused before any folder or notebook is written


def test_calibrate_refuses_to_write_over_its_base_or_into_a_report_folder_not_ours(
    tmp_path, capsys
):
    """--base X --out X would replace the scenario it reads; a --report folder holding a
    user's files is refused before the calibrated scenario is written, not after."""
    export = [f"--{n}={EXAMPLES / (n + '.csv')}" for n in ("cases", "coaches", "services")]
    base = tmp_path / "base.yaml"
    base.write_text(SMALL.read_text())
    before = base.read_bytes()
    assert main(["calibrate", *export, "--base", str(base), "--out", str(base)]) == 2
    assert "--out" in _one_line(capsys) and base.read_bytes() == before
    report = tmp_path / "report"
    report.mkdir()
    (report / "mine.txt").write_text("a user's file")
    out = tmp_path / "fitted.yaml"
    assert main(["calibrate", *export, "--out", str(out), "--report", str(report)]) == 2
    assert "--report" in _one_line(capsys)
    assert not out.exists() and [p.name for p in report.iterdir()] == ["mine.txt"]
    assert main(["calibrate", *export, "--out", str(out), "--report", str(out)]) == 2
    assert "is the --out file" in _one_line(capsys) and not out.exists()


@pytest.mark.parametrize(
    "setting, words",
    [
        ("hourly_rate={2026-03-15 10:00:00: 45.16}", "a day, not a time of day"),
        ("hourly_rate={2027-02-29: 45}", "expected dated values such as"),
        ("rounding={2026-03-01: half_even}", "expected one of half_up, half_even"),
        ("hourly_rate=1.7e308", "expected a number in USD/hour"),
    ],
)
def test_a_dated_or_huge_set_is_one_line(tmp_path, capsys, setting, words):
    paths = {n: EXAMPLES / f"{n}.csv" for n in ("cases", "coaches", "services")}
    out = tmp_path / "result.csv"
    assert _adjudicate(paths, out, "--set", setting) == 2
    assert words in _one_line(capsys) and not out.exists()


@pytest.mark.parametrize(
    "scenario, setting, words",
    [
        ("kansas_reform_2027", "caseload.intake_per_month=0", "expected between 1 and"),
        ("kansas_reform_2027", "caseload.intake_per_month=1.7e308", "got inf"),
        ("small", "caseload.intake_per_month=10", "needs a budget window"),
    ],
)
def test_an_intake_that_starts_nobody_or_has_no_window_is_one_line(
    tmp_path, capsys, scenario, setting, words
):
    path = ROOT / "scenarios" / f"{scenario}.yaml"
    out = tmp_path / "sim"
    assert main(["simulate", str(path), "--set", setting, "--out", str(out)]) == 2
    assert words in _one_line(capsys) and not out.exists()


def test_a_window_before_a_rulebook_takes_effect_names_the_scenario_and_the_window(
    tmp_path, capsys
):
    path = tmp_path / "early.yaml"
    text = (ROOT / "scenarios" / "kansas_reform_2027.yaml").read_text()
    path.write_text(
        text.replace("first_year: 2027, last_year: 2030", "first_year: 2012, last_year: 2014")
    )
    assert main(["simulate", str(path), "--out", str(tmp_path / "out")]) == 2
    line = _one_line(capsys)
    assert str(path) in line and "window FY2012 to FY2014 starts 2011-07-01" in line
    assert "the Kansas rulebook" in line and "takes effect on 2016-02-01" in line
