"""The command line: rules table, adjudication of CSV files, and every kind of bad input
ending in one line, exit code 2, and no output file."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from jobcoach_model.cli import EXAMPLES, main


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name in ("cases", "coaches", "services"):
        out[name] = tmp_path / f"{name}.csv"
        shutil.copy(EXAMPLES / f"{name}.csv", out[name])
    out["out"] = tmp_path / "result.csv"
    return out


def _args(files, rules="KS", extra=()):
    return [
        "adjudicate",
        "--rules",
        rules,
        "--cases",
        str(files["cases"]),
        "--coaches",
        str(files["coaches"]),
        "--services",
        str(files["services"]),
        "--out",
        str(files["out"]),
        *extra,
    ]


def _edit(path: Path, row: int, column: str, value: str) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[row, column] = value
    frame.to_csv(path, index=False)


def test_rules_prints_the_side_by_side_table(capsys):
    assert main(["rules", "--no-citations"]) == 0
    out = capsys.readouterr().out
    assert "Kansas" in out and "Iowa" in out and "KS-RATE" in out and "IA-RATE-CAP" in out
    assert "silent" in out


def test_rules_csv_has_citations(capsys):
    assert main(["rules", "--format", "csv"]) == 0
    frame = pd.read_csv(__import__("io").StringIO(capsys.readouterr().out))
    assert list(frame.columns) == ["topic", "Kansas", "Iowa", "Kentucky", "Texas"]
    assert "000_86a311f16011d7dc.txt" in frame.to_string()


@pytest.mark.parametrize("rules", ["KS", "IA"])
def test_adjudicate_writes_one_row_per_line_in_input_order(files, rules, capsys):
    assert main(_args(files, rules)) == 0
    result = pd.read_csv(files["out"], dtype=str, keep_default_na=False)
    services = pd.read_csv(files["services"], dtype=str)
    assert result["service_id"].tolist() == services["service_id"].tolist()
    assert list(result.columns) == [
        "service_id",
        "status",
        "payable_hours",
        "rate",
        "amount",
        "payee",
        "rule_ids",
    ]
    assert set(result["status"]) == {"paid", "held", "denied"}


def test_set_overrides_a_parameter(files):
    assert main(_args(files, "KS", ["--set", "hourly_rate=45"])) == 0
    result = pd.read_csv(files["out"])
    assert set(result["rate"]) == {45.0}
    assert main(_args(files, "IA", ["--set", "medicaid_hourly_rate=42.00"])) == 0
    assert pd.read_csv(files["out"])["rate"].max() == 42.0


BAD = [
    # (file, row, column, value, words the message must contain)
    (
        "services",
        2,
        "setting",
        "onsite",
        ["services.csv", "row 3", "'setting'", "on_site, off_site", "'onsite'"],
    ),
    ("services", 0, "date", "2026-13-01", ["services.csv", "row 1", "'date'", "YYYY-MM-DD"]),
    ("services", 1, "date", "03/09/2026", ["services.csv", "row 2", "'date'", "YYYY-MM-DD"]),
    ("services", 4, "hours", "-2", ["services.csv", "row 5", "'hours'", "> 0"]),
    ("services", 4, "hours", "two", ["services.csv", "row 5", "'hours'", "a number"]),
    ("services", 3, "group_size", "0", ["services.csv", "row 4", "'group_size'", ">= 1"]),
    ("services", 3, "group_size", "1.5", ["services.csv", "row 4", "'group_size'", "whole number"]),
    ("services", 5, "case_id", "C99", ["services.csv", "row 6", "'case_id'", "cases.csv", "'C99'"]),
    ("services", 5, "coach_id", "K99", ["services.csv", "row 6", "'coach_id'", "coaches.csv"]),
    ("services", 6, "service_id", "S01", ["services.csv", "row 7", "'service_id'", "unique"]),
    ("services", 6, "consumer_present", "yes", ["services.csv", "row 7", "true or false"]),
    ("cases", 1, "case_id", "C01", ["cases.csv", "row 2", "'case_id'", "unique"]),
    ("cases", 0, "authorized_hours", "", ["cases.csv", "row 1", "'authorized_hours'", "required"]),
    ("cases", 0, "authorized_hours", "-1", ["cases.csv", "row 1", ">= 0"]),
    (
        "cases",
        2,
        "authorized_to",
        "2026-01-01",
        ["cases.csv", "row 3", "'authorized_to'", "authorized_from"],
    ),
    (
        "coaches",
        1,
        "credential",
        "phd",
        ["coaches.csv", "row 2", "'credential'", "apse_certificate"],
    ),
    ("coaches", 1, "coach_id", "K01", ["coaches.csv", "row 2", "unique"]),
]


@pytest.mark.parametrize(("table", "row", "column", "value", "words"), BAD)
def test_bad_cell_is_one_line_exit_2_and_no_output(files, capsys, table, row, column, value, words):
    _edit(files[table], row, column, value)
    assert main(_args(files, "IA")) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    for word in words:
        assert word in err, (word, err)
    assert not files["out"].exists()
    assert not list(files["out"].parent.glob(".result.csv.*"))


def test_missing_column(files, capsys):
    frame = pd.read_csv(files["services"], dtype=str).drop(columns="hours")
    frame.to_csv(files["services"], index=False)
    assert main(_args(files)) == 2
    err = capsys.readouterr().err
    assert "services.csv" in err and "column 'hours'" in err
    assert not files["out"].exists()


def test_missing_file(files, capsys):
    files["coaches"].unlink()
    assert main(_args(files)) == 2
    assert "coaches.csv: expected an existing CSV file" in capsys.readouterr().err


def test_iowa_needs_a_negotiated_rate(files, capsys):
    _edit(files["coaches"], 2, "hourly_rate", "")
    assert main(_args(files, "KS")) == 0  # Kansas pays its own rate
    files["out"].unlink()
    assert main(_args(files, "IA")) == 2
    err = capsys.readouterr().err
    assert "coaches.csv, row 3" in err and "'hourly_rate'" in err and "Iowa" in err


@pytest.mark.parametrize(
    ("setting", "words"),
    [
        ("colour=blue", ["--set colour", "unknown name"]),
        ("hourly_rate=cheap", ["--set hourly_rate", "expected a number", "'cheap'"]),
        ("notice_period=maybe", ["--set notice_period", "pay_through_notice"]),
        ("hourly_rate", ["expected NAME=VALUE"]),
    ],
)
def test_bad_set_is_refused(files, capsys, setting, words):
    assert main(_args(files, "KS", ["--set", setting])) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    for word in words:
        assert word in err


def test_a_failed_run_keeps_the_previous_result(files, capsys):
    assert main(_args(files)) == 0
    before = files["out"].read_bytes()
    _edit(files["services"], 0, "setting", "onsite")
    assert main(_args(files)) == 2
    assert files["out"].read_bytes() == before


def test_real_process_exit_code_and_no_traceback(files):
    _edit(files["services"], 2, "setting", "onsite")
    proc = subprocess.run(
        [sys.executable, "-m", "jobcoach_model.cli", *_args(files)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not files["out"].exists()


def test_usage_error_is_one_line(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["adjudicate", "--rules", "TX"])
    assert exc.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_example_command_writes_both_results(tmp_path, capsys):
    assert main(["example", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "example_KS.csv").is_file() and (tmp_path / "example_IA.csv").is_file()
    assert "KS-RATE" not in capsys.readouterr().err


def test_excel_style_csv_with_bom_and_crlf_is_read(files):
    for name in ("cases", "coaches", "services"):
        text = files[name].read_text()
        files[name].write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    assert main(_args(files, "IA")) == 0
    result = pd.read_csv(files["out"], dtype=str)
    assert (
        result["service_id"].tolist()
        == pd.read_csv(EXAMPLES / "services.csv", dtype=str)["service_id"].tolist()
    )


def test_columns_lists_the_contract_and_template_prints_a_mapping(capsys):
    from jobcoach_model.records.contract import TABLES

    assert main(["columns"]) == 0
    listed = capsys.readouterr().out
    for table in TABLES.values():
        for col in table.columns:
            assert f" {col.name} " in listed, col.name
    assert "<= 24" in listed  # hours per line, with its domain
    assert main(["columns", "--template"]) == 0
    template = capsys.readouterr().out
    assert template.startswith("# A column mapping for jobcoach") and "columns:" in template


def test_a_result_csv_writes_money_with_two_decimals_and_counts_agree_in_number(tmp_path, capsys):
    """Issue 31: ``rate`` and ``amount`` read "38.00" and "152.00" in the result CSV (never
    "152.0"), Parquet keeps numbers, and a count of one says "1 line"."""
    import pyarrow.parquet as pq

    from jobcoach_model.base.words import counted

    ex = EXAMPLES
    files = [f"--{n}={ex / f'{n}.csv'}" for n in ("cases", "coaches", "services")]
    assert main(["adjudicate", "--rules", "IA", *files, "--out", str(tmp_path / "r.csv")]) == 0
    text = (tmp_path / "r.csv").read_text().splitlines()
    assert text[1] == "S01,paid,4.0,38.00,152.00,provider,IA-RATE"
    for row in text[1:]:
        rate, amount = row.split(",")[3:5]
        assert len(rate.split(".")[1]) == 2 and len(amount.split(".")[1]) == 2, row
    assert main(["adjudicate", "--rules", "IA", *files, "--out", str(tmp_path / "r.parquet")]) == 0
    assert pq.read_table(tmp_path / "r.parquet").column("amount").type == "double"
    assert "IA: 24 lines ->" in capsys.readouterr().out
    assert (counted(1, "line"), counted(0, "line"), counted(1024, "case")) == (
        "1 line",
        "0 lines",
        "1,024 cases",
    )
