"""Real billing exports: an Excel workbook with an agency's own headers, Y/N flags and US
dates, read through a column mapping, prices exactly as the same records in the CSV
contract; errors name the export's own header, sheet and row; the template loads."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from jobcoach_model.cli import EXAMPLES, main
from jobcoach_model.records.export_reader import load_column_map

EXPORT = EXAMPLES / "export" / "billing_export.xlsx"
MAP = EXAMPLES / "export" / "billing_export_columns.yaml"
CONTRACT = [f"--{n}={EXAMPLES / f'{n}.csv'}" for n in ("cases", "coaches", "services")]


def _export_args(path=EXPORT, mapping=MAP):
    return [f"--{n}={path}" for n in ("cases", "coaches", "services")] + ["--columns", str(mapping)]


@pytest.mark.parametrize("rules", ["KS", "IA"])
def test_an_excel_export_through_its_mapping_prices_as_the_csv_contract(tmp_path, capsys, rules):
    ours, theirs = tmp_path / "contract.csv", tmp_path / "export.csv"
    assert main(["adjudicate", "--rules", rules, *CONTRACT, "--out", str(ours)]) == 0
    assert main(["adjudicate", "--rules", rules, *_export_args(), "--out", str(theirs)]) == 0
    capsys.readouterr()
    assert theirs.read_bytes() == ours.read_bytes()  # byte for byte


def test_excel_output_holds_the_csv_result(tmp_path, capsys):
    assert main(["adjudicate", "--rules", "KS", *CONTRACT, "--out", str(tmp_path / "r.csv")]) == 0
    assert main(["adjudicate", "--rules", "KS", *CONTRACT, "--out", str(tmp_path / "r.xlsx")]) == 0
    capsys.readouterr()
    csv = pd.read_csv(tmp_path / "r.csv", dtype=str, keep_default_na=False)
    xlsx = pd.read_excel(tmp_path / "r.xlsx", engine="calamine", dtype=str, na_filter=False)
    assert list(xlsx.columns) == list(csv.columns)
    for column in ("payable_hours", "rate", "amount"):
        assert (xlsx[column].astype(float) == csv[column].astype(float)).all()
    for column in ("service_id", "status", "payee", "rule_ids"):
        assert xlsx[column].tolist() == csv[column].tolist()


def _broken_export(tmp_path, sheet, header, row, value):
    frames = pd.read_excel(EXPORT, sheet_name=None, engine="calamine", dtype=object)
    frames[sheet].loc[row, header] = value
    path = tmp_path / "export.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in frames.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    return path


@pytest.mark.parametrize(
    ("sheet", "header", "value", "expected"),
    [
        ("cases", "Auth Start", "31/03/2026", "expected a date written %m/%d/%Y"),
        (
            "services",
            "Consumer Present",
            "Maybe",
            "column 'Consumer Present' (contract column 'consumer_present')",
        ),
        ("services", "Units (hours)", -2, "column 'Units (hours)' (contract column 'hours')"),
    ],
)
def test_a_bad_cell_names_the_exports_own_header_sheet_and_row(
    tmp_path, capsys, sheet, header, value, expected
):
    path = _broken_export(tmp_path, sheet, header, 2, value)
    out = tmp_path / "result.csv"
    assert main(["adjudicate", "--rules", "KS", *_export_args(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert f"sheet {sheet}" in err and "row 3 (line 4)" in err and expected in err, err
    assert not out.exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "columns: {services: {'Service Date': when}}",
            "'when' is not a column of the services table",
        ),
        (
            "columns: {invoices: {a: b}}",
            "columns.invoices: expected one of cases, coaches, services",
        ),
        ("formats: {services: {hours: '%d'}}", "formats.services.hours: not a date column"),
        ("columns: {services: {'Svc': date}}\ncolumns: {}", "key 'columns' is given twice"),
    ],
)
def test_a_bad_mapping_is_one_line(tmp_path, capsys, text, expected):
    bad = tmp_path / "map.yaml"
    bad.write_text(text, encoding="utf-8")
    out = tmp_path / "r.csv"
    assert main(["adjudicate", "--rules", "KS", *_export_args(mapping=bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and expected in err, err


def test_a_mapped_header_missing_from_the_export_is_named(tmp_path, capsys):
    mapping = tmp_path / "map.yaml"
    text = MAP.read_text(encoding="utf-8").replace("Service Date:", "Date of Service:")
    mapping.write_text(text, encoding="utf-8")
    code = main(
        [
            "adjudicate",
            "--rules",
            "KS",
            *_export_args(mapping=mapping),
            "--out",
            str(tmp_path / "r.csv"),
        ]
    )
    err = capsys.readouterr().err.strip()
    assert (
        code == 2
        and "a column 'Date of Service' (mapped to date)" in err
        and "sheet services" in err
    )


def test_the_template_is_a_mapping_that_loads(tmp_path, capsys):
    assert main(["columns", "--template"]) == 0
    path = tmp_path / "map.yaml"
    path.write_text(capsys.readouterr().out, encoding="utf-8")
    mapping = load_column_map(path)
    assert mapping.columns["services"]["Service Date"] == "date"
    assert mapping.formats["services"]["date"] == "%m/%d/%Y"


def test_a_workbook_without_the_tables_sheet_is_one_line(tmp_path, capsys):
    path = tmp_path / "two.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        pd.DataFrame({"a": [1]}).to_excel(writer, sheet_name="one", index=False)
        pd.DataFrame({"a": [1]}).to_excel(writer, sheet_name="two", index=False)
    shutil.copy(EXAMPLES / "cases.csv", tmp_path / "cases.csv")
    args = [f"--cases={tmp_path / 'cases.csv'}", f"--coaches={path}", f"--services={path}"]
    assert main(["adjudicate", "--rules", "KS", *args, "--out", str(tmp_path / "r.csv")]) == 2
    err = capsys.readouterr().err.strip()
    assert "a sheet named 'coaches' (the workbook has one, two)" in err
