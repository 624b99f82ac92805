"""The CSV contract: the three input tables (cases, coaches, services), their columns,
types and defaults, and the strict checks that turn text or typed frames into arrays.

One data model serves a real billing export and a simulated caseload alike. Every check
is vectorized and names the first bad cell (table, row, column, what was expected), so a
bad export fails with one clear line instead of a wrong number.
"""

from __future__ import annotations

import datetime as dt
import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from jobcoach_model.base.arrow_text import ArrowText, holds_any, starts_with_any
from jobcoach_model.base.dates import NEVER, to_day
from jobcoach_model.base.domains import (
    AUTHORIZED_HOURS,
    DATE_TEXT,
    FIRST_DATE,
    GROUP_SIZE,
    HOURLY_RATE,
    HOURS,
    LAST_DATE,
    Domain,
)
from jobcoach_model.base.errors import InputError
from jobcoach_model.base.outputs import FORMULA_START

CREDENTIALS = (
    "apse_certificate",
    "directcourse_certificate",
    "licensed_educator",
    "former_vr_counselor",
    "crcc_3yr",
    "rehab_or_education_degree",
    "crp_accredited",
    "none",
)
SETTINGS = ("on_site", "off_site")
#: a consumer's need level (optional ``need`` column of cases; blank: not recorded)
NEEDS = ("low", "medium", "high")


@dataclass(frozen=True)
class Column:
    """One column of the contract."""

    name: str
    kind: str  # text | date | number | int | bool | choice
    required: bool = False
    default: object = None
    choices: tuple[str, ...] = ()
    domain: Domain | None = None  # numbers: the declared interval (domains.py)
    unique: bool = False


@dataclass(frozen=True)
class Table:
    """One input table of the contract."""

    name: str
    columns: tuple[Column, ...]


CASES = Table(
    "cases",
    (
        Column("case_id", "text", required=True, unique=True),
        # the person a case is for: a person's cases share it; blank, a case of its own
        Column("consumer_id", "text", default=""),
        Column("authorized_from", "date", required=True),
        Column("authorized_to", "date", required=True),
        Column("authorized_hours", "number", required=True, domain=AUTHORIZED_HOURS),
        Column("plan_approved_on", "date"),
        Column("with_placement", "bool", default=False),
        Column("offsite_approved", "bool", default=False),
        Column("offsite_approved_on", "date"),
        Column("concurrent_services", "text", default=""),
        Column("withdrawal_notice_on", "date"),
        Column("reports_current", "bool", default=True),
        Column("last_report_on", "date"),
        Column("needs_customized_training", "bool", default=True),
        Column("employer_can_train", "bool", default=False),
        Column("stabilized_on", "date"),
        Column("need", "choice", default="", choices=NEEDS),
    ),
)
COACHES = Table(
    "coaches",
    (
        Column("coach_id", "text", required=True, unique=True),
        Column("hourly_rate", "number", domain=HOURLY_RATE),
        Column("credential", "choice", default="none", choices=CREDENTIALS),
        Column("training_started_on", "date"),
        Column("w9_on_file", "bool", default=False),
        Column("liability_insurance", "bool", default=False),
        Column("independent", "bool", default=True),
        Column("cco_approved", "bool", default=False),
        Column("provider_id", "text", default=""),
    ),
)
SERVICES = Table(
    "services",
    (
        Column("service_id", "text", required=True, unique=True),
        Column("case_id", "text", required=True),
        Column("coach_id", "text", required=True),
        Column("date", "date", required=True),
        Column("hours", "number", required=True, domain=HOURS),
        Column("setting", "choice", default="on_site", choices=SETTINGS),
        Column("consumer_present", "bool", default=True),
        Column("group_size", "int", default=1, domain=GROUP_SIZE),
        Column("service_code", "text", default=""),
        Column("group_approved", "bool", default=True),
    ),
)
TABLES = {t.name: t for t in (CASES, COACHES, SERVICES)}

_DATE_RE = r"\d{4}-\d{2}-\d{2}"
_FIRST_DAY, _LAST_DAY = to_day(FIRST_DATE), to_day(LAST_DATE)
_TRUE = ("true", "True", "TRUE")
_FALSE = ("false", "False", "FALSE")


def _first(mask: np.ndarray) -> int:
    return int(np.argmax(mask))


def _text(value: object) -> str:
    """One typed cell written as the CSV text that would have produced it.

    A frame read with pandas' defaults (or the pyarrow engine) types columns on its own:
    the code ``575`` in a column with blanks becomes ``575.0``, ``true`` becomes ``True``,
    a date becomes ``datetime.date``. Writing each back as its CSV text means the Python
    API judges a cell exactly as the command line judges the same file.
    """
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return np.format_float_positional(float(value), trim="-")
    if isinstance(value, dt.datetime | np.datetime64):
        stamp = pd.Timestamp(value)
        if stamp.tz is None and stamp == stamp.normalize():
            return stamp.date().isoformat()
        return str(stamp)  # a time of day or a time zone: refused as a date, as in a CSV
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _cells(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A column as an object array of CSV text (missing cells as "") and its blank mask.

    Text is taken as given (no stripping): a stray space is reported, not guessed at.
    Typed cells (numbers, booleans, dates, categories) become the text the CLI would
    have read for them (``_text``); each distinct value is converted once. (Arrow-backed
    text never comes here: ``_parse`` checks it by distinct value, ids as Arrow text.)
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        labels = np.array([_text(c) for c in series.cat.categories] + [""], dtype=object)
        return labels[codes], (codes < 0) | (labels[codes] == "")
    values = series.to_numpy(dtype=object)
    if series.dtype == "str" or pd.api.types.infer_dtype(values, skipna=True) in (
        "string",
        "empty",
    ):
        missing = pd.isna(values)
        text = values
    else:
        codes, uniq = pd.factorize(values)  # missing cells (None, NaN, NA, NaT) -> -1
        labels = np.array([_text(u) for u in uniq] + [""], dtype=object)
        text, missing = labels[codes], codes < 0
    if missing.any():
        text = text.copy()
        text[missing] = ""
    return text, missing | (text == "")


def _datetime_days(series: pd.Series, blank: np.ndarray, col: Column, source: str) -> np.ndarray:
    """Days of a datetime column, in the column's own unit (a nanosecond column ends in
    2262, a second or microsecond one does not: 9999-12-31 is a day like another); a time
    of day or a time zone is refused, as the CLI refuses ``2026-03-01 10:00``."""
    if getattr(series.dtype, "tz", None) is not None:
        bad = ~blank
    else:
        stamps = np.asarray(series.to_numpy())
        days = stamps.astype("datetime64[D]")
        bad = ~blank & (stamps != days.astype(stamps.dtype))
    if bad.any():
        i = _first(bad)
        raise InputError(
            source, "a date YYYY-MM-DD", row=i, column=col.name, got=str(series.iloc[i])
        )
    return days.astype(np.int64)  # NaT (blank) becomes a large negative: replaced by NEVER


def _arrow(series: pd.Series):
    """The Arrow array behind an Arrow-backed text column (None for any other column)."""
    if not isinstance(series.array, pd.arrays.ArrowStringArray):
        return None
    import pyarrow as pa

    return pa.chunked_array(series.array.__arrow_array__()).combine_chunks()


@dataclass(frozen=True)
class Coded:
    """A column read one distinct value at a time: ``values[codes]`` is the column.
    Kept for text columns so that a rule asking "is this line's code one of these?"
    asks once per distinct value (``Lines.line_in``)."""

    values: np.ndarray
    codes: np.ndarray

    def cells(self) -> np.ndarray:
        """The column, one cell per row."""
        return self.values[self.codes]


def _parse_distinct(col: Column, data, source: str) -> Coded:
    """An Arrow text column checked and converted one distinct value at a time: the
    column is dictionary encoded (a few hundred dates, codes or hours in a million rows),
    the dictionary goes through the same checks as any column, and the rows take their
    value by code. The dictionary lists values in order of first appearance, so its first
    bad entry is the column's first bad cell: the error names that row."""
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(pc.fill_null(data, ""))
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    distinct = pd.Series(encoded.dictionary.to_numpy(zero_copy_only=False), dtype=object)
    try:
        values = _parse(col, distinct, source)
    except InputError as err:
        if err.row is None:
            raise
        row = _first(codes == err.row)
        raise InputError(
            source, err.expected, row=row, column=err.column, got=err.got, header=err.header
        ) from None
    return Coded(values, codes)


def _parse(col: Column, series: pd.Series, source: str) -> np.ndarray | Coded:
    """One column converted to its engine type, or InputError at the first bad cell."""
    data = _arrow(series)
    if data is not None and col.kind == "text" and col.name.endswith("_id"):
        import pyarrow.compute as pc

        data = pc.fill_null(data, "")
        if col.required and pc.any(pc.equal(data, "")).as_py():
            i = _first(pc.equal(data, "").to_numpy(zero_copy_only=False))
            raise InputError(
                source, f"a value ({col.kind}, required)", row=i, column=col.name, got=""
            )
        return ArrowText(data)
    if data is not None:
        return _parse_distinct(col, data, source)
    if col.kind == "bool" and pd.api.types.is_bool_dtype(series.dtype) and not series.hasnans:
        return series.to_numpy(dtype=bool)
    numeric = pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
        series.dtype
    )
    typed = numeric and col.kind in ("number", "int")
    if typed or (col.kind == "date" and pd.api.types.is_datetime64_any_dtype(series.dtype)):
        text, blank = None, series.isna().to_numpy()
    else:
        text, blank = _cells(series)
    if col.required and blank.any():
        i = _first(blank)
        raise InputError(source, f"a value ({col.kind}, required)", row=i, column=col.name, got="")
    if col.kind == "text":
        return text
    if col.kind == "choice":
        if blank.any():
            text = np.where(blank, col.default, text).astype(object)
        allowed = (*col.choices, col.default)  # a blank cell takes the default
        bad = ~pd.Series(text, dtype=object).isin(allowed).to_numpy()
        if bad.any():
            i = _first(bad)
            raise InputError(
                source, f"one of {', '.join(col.choices)}", row=i, column=col.name, got=text[i]
            )
        return text
    if col.kind == "bool":
        cells = pd.Series(text, dtype=object)
        truth = cells.isin(_TRUE).to_numpy()
        ok = truth | blank | cells.isin(_FALSE).to_numpy()
        if not ok.all():
            i = _first(~ok)
            raise InputError(source, "true or false", row=i, column=col.name, got=series.iloc[i])
        return np.where(blank, bool(col.default), truth)
    if col.kind == "date":
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            days = _datetime_days(series, blank, col, source)
        else:
            text = pd.Series(text, dtype=object)
            shaped = text.str.fullmatch(_DATE_RE).fillna(False).to_numpy(dtype=bool)
            parsed = pd.to_datetime(text.where(shaped, None), format="%Y-%m-%d", errors="coerce")
            bad = ~blank & (~shaped | parsed.isna().to_numpy())
            if bad.any():
                i = _first(bad)
                raise InputError(
                    source, "a date YYYY-MM-DD", row=i, column=col.name, got=series.iloc[i]
                )
            days = parsed.to_numpy().astype("datetime64[D]").astype(np.int64)
        outside = ~blank & ((days < _FIRST_DAY) | (days > _LAST_DAY))
        if outside.any():
            i = _first(outside)
            raise InputError(source, DATE_TEXT, row=i, column=col.name, got=series.iloc[i])
        days = np.where(blank, NEVER, days)
        return days.astype(np.int64)
    # number / int
    if typed:
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = np.zeros(len(values), dtype=bool)
    else:
        values = pd.to_numeric(pd.Series(text, dtype=object), errors="coerce")
        values = values.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = ~blank & np.isnan(values)
    bad |= ~blank & ~np.isfinite(np.where(blank, 0.0, values))
    what = "a whole number" if col.kind == "int" else "a number"
    if col.kind == "int":
        bad |= ~blank & (np.where(blank, 0.0, values) % 1 != 0)
    if col.domain is not None:
        d = col.domain
        below = values <= d.low if d.low_open else values < d.low
        bad |= ~blank & (below | (values > d.high))
        what += f" {d.text()}"
    if bad.any():
        i = _first(bad)
        raise InputError(source, what, row=i, column=col.name, got=series.iloc[i])
    if col.default is not None:
        values = np.where(blank, float(col.default), values)
    if col.kind == "int":
        return values.astype(np.int64)
    return values


def _refuse_formulas(col: Column, text, source: str) -> None:
    """Refuse an id a spreadsheet would run as a formula (it reaches our CSV outputs):
    checked on the first byte of each Arrow cell (milliseconds), else on the text."""
    if isinstance(text, ArrowText):
        bad = starts_with_any(text.data, "".join(FORMULA_START).encode())
    else:
        cells = pd.Series(text, dtype=object).fillna("").astype(str)
        bad = cells.str[:1].isin(list(FORMULA_START)).to_numpy(dtype=bool)
    if not bad.any():
        return
    i = _first(bad)
    raise InputError(
        source,
        "an id that does not start with =, +, -, @, a tab or a carriage return (a "
        "spreadsheet would run it as a formula)",
        row=i,
        column=col.name,
        got=text[i],
    )


#: control characters: no spreadsheet cell may hold them, and no id needs one
_CONTROL = bytes([*range(0x20), 0x7F])
_CONTROL_RE = "[\\x00-\\x1f\\x7f]"


def _refuse_controls(col: Column, text, source: str) -> None:
    """Refuse an id holding a control character (a line break, a NUL): it cannot be
    written to an .xlsx result, and in a CSV it is an invisible difference between ids."""
    if isinstance(text, ArrowText):
        if not holds_any(text.data, _CONTROL):
            return
        import pyarrow.compute as pc

        bad = pc.match_substring_regex(text.data, _CONTROL_RE).to_numpy(zero_copy_only=False)
    else:
        cells = pd.Series(text, dtype=object).fillna("").astype(str)
        bad = cells.str.contains(_CONTROL_RE, regex=True).to_numpy(dtype=bool)
    if not bad.any():
        return
    i = _first(bad)
    raise InputError(
        source, "an id without control characters", row=i, column=col.name, got=text[i]
    )


def _absent(col: Column, n: int) -> np.ndarray:
    """An optional column the table does not have: every cell its default (as a column
    of blank cells would be read)."""
    if col.kind == "date":
        return np.full(n, NEVER, dtype=np.int64)
    if col.kind == "bool":
        return np.full(n, bool(col.default))
    if col.kind in ("number", "int"):
        value = np.nan if col.default is None else float(col.default)
        values = np.full(n, value)
        return values.astype(np.int64) if col.kind == "int" else values
    return np.full(n, "" if col.default is None else col.default, dtype=object)


def _first_duplicate(values, pending: Future | None) -> int | None:
    """Position of the first repeated id: from the Arrow check already running, else
    hashed here."""
    if pending is not None:
        return pending.result()
    dup = pd.Series(values, dtype=object).duplicated().to_numpy()
    return _first(dup) if dup.any() else None


def normalize(frame: pd.DataFrame, table: Table, source: str | None = None) -> dict:
    """A table's columns, checked and converted to numpy arrays keyed by column name.

    Missing optional columns take their defaults; extra columns are ignored.
    """
    source = source or f"{table.name}.csv"
    if not isinstance(frame, pd.DataFrame):
        raise InputError(source, "a table (pandas DataFrame)", got=type(frame).__name__)
    out: dict[str, np.ndarray] = {}
    n = len(frame)
    duplicates: dict[str, Future] = {}
    coded: dict[str, Coded] = {}
    # Arrow ids are hashed for duplicates on a second thread while the other columns are
    # checked (Arrow releases the GIL); errors are still raised in the order below.
    with ThreadPoolExecutor(max_workers=1) as beside:
        for col in table.columns:
            if col.name in frame.columns:
                parsed = _parse(col, frame[col.name], source)
                if isinstance(parsed, Coded):
                    if col.kind in ("text", "choice"):
                        coded[col.name] = parsed
                    parsed = parsed.cells()
                out[col.name] = parsed
            elif col.required:
                raise InputError(source, f"a column '{col.name}'", column=col.name)
            else:
                out[col.name] = _absent(col, n)
            if col.unique and isinstance(out[col.name], ArrowText):
                duplicates[col.name] = beside.submit(out[col.name].first_duplicate)
        for col in table.columns:
            if col.unique or col.name == "provider_id":
                _refuse_formulas(col, out[col.name], source)
                _refuse_controls(col, out[col.name], source)
            if col.unique:
                i = _first_duplicate(out[col.name], duplicates.get(col.name))
                if i is not None:
                    raise InputError(
                        source, "a unique id", row=i, column=col.name, got=out[col.name][i]
                    )
    out["_n"] = n
    out["_frame"] = frame
    out["_coded"] = coded
    return out


def read_table(path: str | Path, table: Table) -> pd.DataFrame:
    """A CSV file of the contract read as text, or a Parquet file (``.parquet``) read with
    its own types; conversion and every check happen in ``normalize``, which judges a
    typed cell as the CSV text that would have produced it."""
    path = Path(path)
    parquet = path.suffix.lower() == ".parquet"
    if not path.is_file():
        raise InputError(str(path), f"an existing {'Parquet' if parquet else 'CSV'} file")
    if parquet:
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            data = pq.read_table(path)
        except (pa.ArrowException, OSError) as err:
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise InputError(str(path), f"a readable Parquet file ({first})") from None
        names = [str(c).strip() for c in data.column_names]
        refuse_duplicate_headers(names, str(path))
        wanted = {c.name for c in table.columns}
        for name, field in zip(names, data.schema, strict=True):
            kind = field.type
            if pa.types.is_dictionary(kind):
                kind = kind.value_type
            if name in wanted and pa.types.is_nested(kind):
                raise InputError(
                    str(path),
                    f"a column of single values (text, number, date or flag), got {kind}",
                    column=name,
                )
        try:
            # the file's own types, not pandas' metadata (which may cast them back to text)
            frame = data.to_pandas(ignore_metadata=True)
        except (pa.ArrowException, ValueError, OverflowError) as err:
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise InputError(str(path), f"a readable Parquet file ({first})") from None
        frame.columns = names
        return frame
    return _read_csv(path)


def refuse_duplicate_headers(headers: list[str], source: str) -> None:
    """A header given twice could mean either column: refused, naming both places."""
    seen: dict[str, int] = {}
    for i, header in enumerate(headers):
        if not header:
            continue
        if header in seen:
            raise InputError(
                source,
                f"each header once, but {header!r} heads columns {seen[header] + 1} and "
                f"{i + 1}; rename or delete one",
            )
        seen[header] = i


def _holds_quote(path: Path) -> bool:
    """Whether a file holds a double quote anywhere (one memchr-speed scan of the
    mapped file)."""
    import mmap

    with path.open("rb") as fh:
        if os.fstat(fh.fileno()).st_size == 0:
            return False
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            return mapped.find(b'"') >= 0


def _read_csv(path: Path) -> pd.DataFrame:
    """A CSV file read with pyarrow, every column as text (Arrow-backed, so the checks in
    ``normalize`` run on Arrow arrays); a UTF-8 byte-order mark and CRLF line ends, as
    Excel writes them, are read; a malformed file is one InputError."""
    import csv

    import pyarrow as pa
    import pyarrow.csv as pv

    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), None)
    except (UnicodeDecodeError, csv.Error) as err:
        raise InputError(str(path), f"a readable CSV file ({type(err).__name__})") from None
    if not header:
        raise InputError(str(path), "a readable CSV file (No columns to parse from file)")
    names = [str(c).strip() for c in header]
    refuse_duplicate_headers(names, str(path))
    try:
        table = pv.read_csv(
            path,
            read_options=pv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24),
            # a line break inside a quoted cell needs the slower parser; a file with no
            # quote at all has none
            parse_options=pv.ParseOptions(newlines_in_values=_holds_quote(path)),
            convert_options=pv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, OSError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise InputError(str(path), f"a readable CSV file ({first})") from None
    text = pd.StringDtype("pyarrow", na_value=np.nan)
    frame = table.to_pandas(types_mapper={pa.string(): text}.get)
    frame.columns = names
    return frame


def link(ids, keys, source: str, column: str, target: str) -> np.ndarray:
    """Row positions in ``keys`` of each id, or InputError at the first unknown id
    (hashed on Arrow when both are Arrow text)."""
    if isinstance(ids, ArrowText) and isinstance(keys, ArrowText):
        import pyarrow.compute as pc

        found = pc.index_in(ids.data, value_set=keys.data)
        index = found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    else:
        index = pd.Index(np.asarray(keys, dtype=object)).get_indexer(np.asarray(ids, dtype=object))
    missing = index < 0
    if missing.any():
        i = _first(missing)
        raise InputError(source, f"an id present in {target}", row=i, column=column, got=ids[i])
    return index
