"""Real billing exports read into the CSV contract: CSV, Parquet or Excel, with a column
mapping for an export's own headers, value spellings and date formats.

A mapping file (``--columns MAP.yaml``) says, per table, which export header holds which
contract column, how the export spells a value (``Y``/``N``, ``On site``) and in which
format it writes a date (``%m/%d/%Y``). Mapped frames go through the same checks as the
contract's own files; an error then names the export's own header and row. Excel
workbooks are read with python-calamine (a sheet named after the table, or a workbook of
one sheet); Parquet with pyarrow, its typed columns judged as their CSV text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from jobcoach_model.base.errors import ColumnMapError, InputError
from jobcoach_model.base.strict_yaml import DuplicateKeyError, StrictLoader
from jobcoach_model.records.contract import TABLES, Table, read_table, refuse_duplicate_headers
from jobcoach_model.records.workbooks import EXCEL, read_sheet, refuse_findings

#: a row's own line in its file (None: the header line plus the row)
LineMap = Callable[[int], int | None]
#: a date that every format in use writes with a distinct day, month and year
_PROBE = dt.datetime(2026, 3, 31)


class ColumnMap(BaseModel):
    """An export's headers, value spellings and date formats, per contract table."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    #: table -> export header -> contract column
    columns: dict[str, dict[str, str]] = {}
    #: table -> contract column -> export spelling -> contract value
    values: dict[str, dict[str, dict[str, Any]]] = {}
    #: table -> contract date column -> strptime format (e.g. "%m/%d/%Y")
    formats: dict[str, dict[str, str]] = {}

    def header(self, table: str, column: str) -> str:
        """The export's own header for a contract column (the column if unmapped)."""
        for export, contract in self.columns.get(table, {}).items():
            if contract == column:
                return export
        return column


TEMPLATE = """\
# A column mapping for jobcoach: how a billing export's own headers, spellings and date
# formats map to the CSV contract (README, "The CSV contract"). Use it with
#   jobcoach adjudicate --rules CODE --cases export.xlsx --coaches export.xlsx \\
#       --services export.xlsx --columns this_file.yaml --out result.csv
# Only what differs from the contract needs a line; unmapped headers keep their names.
columns:                      # table -> export header: contract column
  cases:
    "Authorization #": case_id
    "Auth Start": authorized_from
    "Auth End": authorized_to
    "Hours Authorized": authorized_hours
    "Plan Approved": plan_approved_on
  coaches:
    "Vendor ID": coach_id
    "Rate": hourly_rate
  services:
    "Line #": service_id
    "Authorization #": case_id
    "Vendor ID": coach_id
    "Service Date": date
    "Units (hours)": hours
    "Location": setting
    "Consumer Present": consumer_present
values:                       # table -> contract column -> export spelling: contract value
  services:
    consumer_present: {"Y": true, "N": false}
    setting: {"On site": on_site, "Off site": off_site}
formats:                      # table -> contract date column -> format (Python strptime)
  cases:
    authorized_from: "%m/%d/%Y"
    authorized_to: "%m/%d/%Y"
    plan_approved_on: "%m/%d/%Y"
  services:
    date: "%m/%d/%Y"
"""


def load_column_map(path: str | Path) -> ColumnMap:
    """A mapping file read strictly: unknown tables or columns, a key given twice, or a
    date format on a column that is not a date are refused in one line."""
    path = Path(path)
    if not path.is_file():
        raise ColumnMapError(f"{path}: expected an existing column mapping file (YAML)")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=StrictLoader)
    except DuplicateKeyError as err:
        raise ColumnMapError(f"{path}: {err}") from None
    except (yaml.YAMLError, UnicodeDecodeError):
        raise ColumnMapError(f"{path}: expected valid YAML (UTF-8)") from None
    if not isinstance(data, dict):
        raise ColumnMapError(f"{path}: expected a mapping with columns, values or formats")
    try:
        mapping = ColumnMap.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ColumnMapError(f"{path}: {where}: {first['msg']}") from None
    for section in ("columns", "values", "formats"):
        for table, entries in getattr(mapping, section).items():
            if table not in TABLES:
                raise ColumnMapError(
                    f"{path}: {section}.{table}: expected one of {', '.join(TABLES)}"
                )
            known = {c.name: c for c in TABLES[table].columns}
            names = entries.values() if section == "columns" else entries.keys()
            for name in names:
                if name not in known:
                    raise ColumnMapError(
                        f"{path}: {section}.{table}: {name!r} is not a column of the "
                        f"{table} table; expected one of {', '.join(known)}"
                    )
                if section == "formats" and known[name].kind != "date":
                    raise ColumnMapError(f"{path}: formats.{table}.{name}: not a date column")
    _check_meanings(mapping, path)
    return mapping


def _check_meanings(mapping: ColumnMap, path: Path) -> None:
    """Refuse what a mapping could only mean by guessing: two headers for one column, a
    spelling that is not text or a value that is not one, a date format that does not
    write and read back a whole date."""
    for table, renames in mapping.columns.items():
        seen: dict[str, str] = {}
        for export, contract in renames.items():
            if contract in seen:
                raise ColumnMapError(
                    f"{path}: columns.{table}: {seen[contract]!r} and {export!r} are both "
                    f"mapped to {contract}; expected one export header per column"
                )
            seen[contract] = export
    for table, columns in mapping.values.items():
        for column, spellings in columns.items():
            for spelling, value in spellings.items():
                where = f"{path}: values.{table}.{column}.{spelling}"
                if isinstance(spelling, bool) or spelling is None:
                    raise ColumnMapError(
                        f"{where}: expected a spelling as text; YAML read it as "
                        f"{spelling!r}: quote it"
                    )
                if not isinstance(value, str | bool | int | float):
                    raise ColumnMapError(
                        f"{where}: expected one value (text, number, true or false), "
                        f"got {type(value).__name__} {value!r}"
                    )
    for table, formats in mapping.formats.items():
        for column, fmt in formats.items():
            try:
                back = dt.datetime.strptime(_PROBE.strftime(fmt), fmt)
            except ValueError as err:
                raise ColumnMapError(
                    f"{path}: formats.{table}.{column}: expected a strptime date format "
                    f"such as '%m/%d/%Y', got {fmt!r} ({err})"
                ) from None
            if back.date() != _PROBE.date():
                raise ColumnMapError(
                    f"{path}: formats.{table}.{column}: expected a format with the day, "
                    f"month and year (%d, %m or %b, %Y), got {fmt!r}"
                )


def read_export(
    path: str | Path, table: Table, mapping: ColumnMap | None = None
) -> tuple[pd.DataFrame, str, LineMap | None]:
    """One table of an export (CSV, Parquet or Excel by extension), mapped to the
    contract's columns, spellings and ISO dates (``normalize`` then checks it), the name
    its errors give it and each row's own line in the file."""
    path = Path(path)
    lines: LineMap | None = None
    if path.suffix.lower() in EXCEL:
        if not path.is_file():
            raise InputError(str(path), "an existing Excel workbook")
        sheet = read_sheet(path, table.name)
        frame, source = sheet.frame, sheet.source
        refuse_duplicate_headers(list(frame.columns), source)
        refuse_findings(sheet, _wanted(list(frame.columns), table, mapping))
        lines = _line_of(sheet.lines)
    else:
        frame, source = read_table(path, table), str(path)
        if path.suffix.lower() != ".parquet":
            lines = _csv_lines(path)
    if mapping is not None:
        try:
            frame = apply_map(frame, table, mapping, source)
        except InputError as err:
            if err.row is None or lines is None:
                raise
            raise err.at_line(lines(err.row)) from None
    return frame, source, lines


def _line_of(lines) -> LineMap:
    return lambda row: int(lines[row]) if 0 <= row < len(lines) else None


def _csv_lines(path: Path) -> LineMap:
    """A CSV data row's first line in the file, found only when an error asks: blank
    lines are skipped (as the reader skips them) and a quoted line break counts."""
    import csv

    def line(row: int) -> int | None:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            next(reader, None)
            seen, last = -1, reader.line_num
            for record in reader:
                if record:
                    seen += 1
                    if seen == row:
                        return last + 1
                last = reader.line_num
        return None

    return line


def _wanted(headers: list[str], table: Table, mapping: ColumnMap | None) -> dict[str, str]:
    """The export headers the contract reads, each with its contract column."""
    renames = mapping.columns.get(table.name, {}) if mapping else {}
    names = {c.name for c in table.columns}
    wanted = {h: renames[h] for h in headers if h in renames}
    wanted.update({h: h for h in headers if h in names and h not in wanted})
    return wanted


def apply_map(frame: pd.DataFrame, table: Table, mapping: ColumnMap, source: str) -> pd.DataFrame:
    """An export's frame renamed, respelled and re-dated as the contract's."""
    renames = mapping.columns.get(table.name, {})
    for export, contract in renames.items():
        if export not in frame.columns:
            raise InputError(source, f"a column {export!r} (mapped to {contract})")
        if contract in frame.columns and contract not in renames:
            raise InputError(
                source,
                f"one column {contract!r}, but the export has a column {contract!r} and "
                f"{export!r} is mapped to it; map or rename one of them",
            )
    frame = frame.rename(columns=renames)
    for column, spellings in mapping.values.get(table.name, {}).items():
        if column in frame.columns:
            text = {str(k): v for k, v in spellings.items()}
            raw = frame[column]
            # only text cells are spellings: a date, number or flag cell keeps its type
            is_text = raw.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
            cells = raw.map(lambda v: v.strip() if isinstance(v, str) else v)
            mapped = cells.where(is_text, None).map(lambda v, text=text: text.get(v) if v else None)
            frame[column] = mapped.where(mapped.notna(), cells)
    for column, fmt in mapping.formats.get(table.name, {}).items():
        if column not in frame.columns:
            continue
        raw = frame[column]
        text = raw.map(lambda v: "" if v is None else str(v).strip())
        typed = raw.map(lambda v: hasattr(v, "year"))  # a date cell (Excel) needs no format
        parsed = pd.to_datetime(text.where(~typed & (text != "")), format=fmt, errors="coerce")
        bad = ~typed & (text != "") & parsed.isna()
        if bad.any():
            i = int(bad.to_numpy().argmax())
            raise InputError(
                source,
                f"a date written {fmt}",
                row=i,
                column=column,
                got=text.iloc[i],
                header=mapping.header(table.name, column),
            )
        iso = parsed.dt.strftime("%Y-%m-%d")
        frame[column] = raw.where(typed, iso.where(text != "", ""))
    return frame


def export_error(err: InputError, table: Table, mapping: ColumnMap | None) -> InputError:
    """A contract error re-worded with the export's own header for the column."""
    if mapping is None or err.column is None:
        return err
    header = mapping.header(table.name, err.column)
    if header == err.column:
        return err
    return InputError(
        err.source, err.expected, row=err.row, column=err.column, got=err.got, header=header
    )
