"""A growing corpus of hostile inputs: broken, extreme and adversarial billing exports
written as real CSV, Parquet and Excel files. The property for every one: the command
either exits 2 with one line naming the file (and writes nothing), or prices exactly as
the same records written cleanly as the contract's CSV.

Two families: (1) boundary and odd values (domain edges, odd dates, blank lines) written
in every format, whose result must equal the clean CSV's, refusal for refusal; (2) cells
that do not mean a value (Excel error cells, formulas with no stored value, merged
regions), which must be refused wherever they sit in a contract column and ignored
elsewhere.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import tempfile
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import examples

from jobcoach_model.cli import EXAMPLES, main

TABLES = ("cases", "coaches", "services")
CLEAN = {t: pd.read_csv(EXAMPLES / f"{t}.csv", dtype=str, keep_default_na=False) for t in TABLES}

#: values at and beyond the edges of each declared domain, and odd spellings
EDGES = {
    ("services", "hours"): [
        "24",
        "24.000001",
        "0.000001",
        "0",
        "-0",
        "1e13",
        "nan",
        "inf",
        "1e308",
    ],
    ("services", "group_size"): ["1", "100", "101", "0", "1.5", "-1"],
    ("cases", "authorized_hours"): ["0", "1000000", "1000000.5", "1e13", "-1"],
    ("coaches", "hourly_rate"): ["1000", "1000.01", "0", "0.01", "1e9", "-5"],
    ("services", "date"): [
        "1900-01-01",
        "1899-12-31",
        "9999-12-31",
        "2262-04-12",
        "10000-01-01",
        "2026-02-30",
        " 2026-03-02",
    ],
    ("cases", "plan_approved_on"): ["1900-01-01", "9999-12-31", "1899-12-31", "2300-01-01"],
}
ERRORS = ["#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!"]


def _run(
    folder: Path, paths: dict[str, Path], out: str, rules: str = "KS"
) -> tuple[int, list[str], bytes | None]:
    args = ["adjudicate", "--rules", rules, *(f"--{t}={paths[t]}" for t in TABLES)]
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main([*args, "--out", str(folder / out)])
    result = (folder / out).read_bytes() if (folder / out).exists() else None
    return code, err.getvalue().strip().splitlines(), result


def _write_csv(frames, folder: Path, blank_lines: bool = False) -> dict[str, Path]:
    paths = {}
    for t, frame in frames.items():
        text = frame.to_csv(index=False, lineterminator="\n")
        if blank_lines:  # a blank line after the header and between rows: skipped
            head, *rows = text.splitlines()
            text = "\n\n".join([head, *rows]) + "\n"
        paths[t] = folder / f"{t}.csv"
        paths[t].write_text(text, encoding="utf-8")
    return paths


def _typed(column: str, value: str):
    """A cell as a typed workbook or Parquet value where it has one type, else text."""
    if column in ("date", "plan_approved_on", "authorized_from", "authorized_to"):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return value
        return day if day.year >= 1900 else value
    try:
        number = float(value)
    except ValueError:
        return value
    return number if value.strip() == value and number == number else value


def _write_xlsx(frames, folder: Path) -> dict[str, Path]:
    path = folder / "export.xlsx"
    book = openpyxl.Workbook()
    book.remove(book.active)
    for t, frame in frames.items():
        sheet = book.create_sheet(t)
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append(
                [None if v == "" else _typed(c, v) for c, v in zip(frame.columns, row, strict=True)]
            )
    book.save(path)
    return dict.fromkeys(TABLES, path)


def _write_parquet(frames, folder: Path) -> dict[str, Path]:
    paths = {}
    for t, frame in frames.items():
        columns = {}
        for c in frame.columns:
            cells = [_typed(c, v) if v != "" else None for v in frame[c]]
            kinds = {type(v) for v in cells if v is not None}
            columns[c] = pa.array(cells) if len(kinds) == 1 else pa.array(frame[c].tolist())
        paths[t] = folder / f"{t}.parquet"
        pq.write_table(pa.table(columns), paths[t])
    return paths


@st.composite
def edited_records(draw):
    """The example records with one to three cells set to edge values."""
    frames = {t: f.copy() for t, f in CLEAN.items()}
    for _ in range(draw(st.integers(1, 3))):
        table, column = draw(st.sampled_from(sorted(EDGES)))
        row = draw(st.integers(0, len(frames[table]) - 1))
        frames[table].loc[row, column] = draw(st.sampled_from(EDGES[(table, column)]))
    return frames


def _same_or_one_line(reference, other, name: str) -> None:
    (code_a, err_a, out_a), (code_b, err_b, out_b) = reference, other
    for code, err, out in (reference, other):
        assert code in (0, 2), (code, err)
        if code == 2:
            assert len(err) == 1 and "Traceback" not in err[0], err
            assert out is None  # nothing half-written
    assert code_a == code_b, (name, err_a, err_b)
    if code_a == 0:
        assert out_a == out_b, name  # the same result, byte for byte
    else:  # the same cell refused: the same column named
        column_a = err_a[0].split("column '")[1].split("'")[0] if "column '" in err_a[0] else ""
        assert column_a in err_b[0], (err_a, err_b)


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames=edited_records(), fmt=st.sampled_from(["csv_blank_lines", "xlsx", "parquet"]))
def test_edge_values_price_as_the_clean_csv_or_are_one_line(frames, fmt):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "ref").mkdir()
        reference = _run(folder, _write_csv(frames, folder / "ref"), "ref.csv")
        writers = {
            "csv_blank_lines": lambda: _write_csv(frames, folder, blank_lines=True),
            "xlsx": lambda: _write_xlsx(frames, folder),
            "parquet": lambda: _write_parquet(frames, folder),
        }
        other = _run(folder, writers[fmt](), "other.csv")
        _same_or_one_line(reference, other, fmt)
        if fmt == "csv_blank_lines" and reference[0] == 2 and "line " in reference[1][0]:
            # the file's own line: every data row sits one blank line further down
            row = int(reference[1][0].split("row ")[1].split(" ")[0])
            assert f"row {row} (line {2 * row + 1})" in other[1][0], other[1]


#: consumer ids: shared, numbers, spaces, other scripts, blank (each case its own person)
CONSUMER_IDS = ["U1", "U1", "U2", "12345", "7", " U1", "U1 ", "ß", "Ünïcode-ид", "", ""]


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ids=st.lists(st.sampled_from(CONSUMER_IDS), min_size=10, max_size=10),
    hours=st.sampled_from(["9", "16", "23.75"]),
    fmt=st.sampled_from(["csv_blank_lines", "xlsx", "parquet"]),
)
def test_consumer_ids_in_any_format_price_kentucky_as_the_clean_csv(ids, hours, fmt):
    """Any mix of consumer ids (numbers, padding, other scripts, blanks), the hours of every
    line raised so Kentucky's cap per consumer binds: every format prices as the clean
    CSV (a padded id is trimmed as every text cell is) or is one line."""
    frames = {t: f.copy() for t, f in CLEAN.items()}
    frames["cases"]["consumer_id"] = ids[: len(frames["cases"])]
    frames["services"]["hours"] = hours
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "ref").mkdir()
        reference = _run(folder, _write_csv(frames, folder / "ref"), "ref.csv", "KY")
        writers = {
            "csv_blank_lines": lambda: _write_csv(frames, folder, blank_lines=True),
            "xlsx": lambda: _write_xlsx(frames, folder),
            "parquet": lambda: _write_parquet(frames, folder),
        }
        _same_or_one_line(reference, _run(folder, writers[fmt](), "other.csv", "KY"), fmt)
        assert reference[0] == 0, reference[1]


@st.composite
def unreadable_cells(draw):
    """A sheet, a contract column or an extra one, a data row, and what is put there."""
    table = draw(st.sampled_from(TABLES))
    frame = CLEAN[table]
    column = draw(st.integers(0, len(frame.columns) - 1))
    row = draw(st.integers(0, len(frame) - 1))
    kind = draw(st.sampled_from(["error", "formula", "merged"]))
    code = draw(st.sampled_from(ERRORS))
    return table, column, row, kind, code


@settings(max_examples=examples(40), deadline=None)
@given(case=unreadable_cells(), extra=st.booleans())
def test_a_cell_with_no_readable_value_is_refused_in_a_contract_column_only(case, extra):
    table, column, row, kind, code = case
    frames = {t: f.copy() for t, f in CLEAN.items()}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        clean = _run(folder, _write_csv(frames, folder), "clean.csv")
        path = _write_xlsx(frames, folder)["cases"]
        book = openpyxl.load_workbook(path)
        sheet = book[table]
        headers = list(frames[table].columns)
        # a contract column, or a new column beyond the table that the contract ignores
        col = len(headers) + 2 if extra else column + 1
        if extra:
            sheet.cell(1, col, "Remarks")
        cell = sheet.cell(row + 2, col)
        if kind == "error":
            cell.value = code
        elif kind == "formula":
            cell.value = "=1+1"  # openpyxl stores no value for it, as a script writing one does
        else:
            last = min(row + 3, len(frames[table]) + 1)
            sheet.merge_cells(start_row=row + 2, start_column=col, end_row=last, end_column=col)
        book.save(path)
        code_, err, out = _run(folder, dict.fromkeys(TABLES, path), "hostile.csv")
        header = "Remarks" if extra else headers[column]
        contract = header in {c for c in frames[table].columns if c != "note"} and not extra
        if not contract:  # the contract never reads it: the clean result
            assert (code_, out) == (0, clean[2]), err
            return
        assert code_ == 2 and out is None, err
        assert len(err) == 1 and "Traceback" not in err[0], err
        assert f"sheet {table}" in err[0] and f"'{header}'" in err[0], err
        assert f"(line {row + 2})" in err[0], err
