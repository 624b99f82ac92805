"""Excel and OpenDocument sheets read so that every cell means exactly its value.

python-calamine reads a workbook fast, but it reads an error cell (``#N/A``), a formula
with no stored value and the covered cells of a merged region as empty cells, which the
contract would then fill with its defaults: a wrong amount with exit code 0. And it
builds a sheet as one dense grid from its first to its last cell, so one stray cell at
XFD1048576 asks for hundreds of GiB. So, before calamine is asked for a sheet:

- an ``.xlsx`` / ``.xlsm`` sheet's XML is scanned (a byte search, then a parse only of
  the cells that need it) for error cells, formulas without a stored value and merged
  regions, and for the extent of the cells that hold something;
- an ``.ods`` sheet's XML is searched for the same marks;
- an ``.xls`` workbook's merged regions come from calamine; its error cells cannot be
  told from blanks by calamine, so an ``.xls`` export is read only when xlrd (which can)
  finds none.

A finding in a column the contract reads is refused, naming file, sheet, row (and the
sheet's own line), the export's header and what was found; elsewhere it is harmless.
Rows keep the sheet's own line numbers, blank rows included, for every error message.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pandas as pd

from jobcoach_model.base.errors import InputError

EXCEL = (".xlsx", ".xlsm", ".xls", ".ods")
#: the grid calamine may build for one sheet, in cells (about 2.4 GB at 24 bytes a cell;
#: a million-line export of 20 columns is 20 million)
MAX_CELLS = 100_000_000
#: the largest sheet XML read into memory (decompressed bytes)
MAX_SHEET_BYTES = 4 * 2**30

_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}


@dataclass(frozen=True)
class Finding:
    """Cells whose value cannot be known: the 0-based sheet row and column of the first,
    how many rows and columns they span (a merged region is one finding), and what they
    are; row -1 when only the sheet is known."""

    row: int
    col: int
    what: str
    rows: int = 1
    cols: int = 1


@dataclass
class Sheet:
    """A sheet's table: header, data rows as a frame of typed cells, each data row's line
    in the sheet (1-based, as the spreadsheet numbers it), and the findings in sheet
    coordinates with the header's row and the table's first column."""

    frame: pd.DataFrame
    lines: np.ndarray
    source: str
    findings: list[Finding] = field(default_factory=list)
    header_row: int = 0
    left: int = 0


def column_letters(col: int) -> str:
    """0-based column number as Excel letters (0 -> A, 16383 -> XFD)."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


def _cell_ref(ref: str) -> tuple[int, int]:
    m = re.fullmatch(r"([A-Z]{1,3})(\d{1,7})", ref)
    if not m:
        raise ValueError(ref)
    return int(m.group(2)) - 1, _col_number(m.group(1).encode())


def _xlsx_sheet_path(book: zipfile.ZipFile, name: str) -> str:
    """The zip member holding the named worksheet (workbook.xml and its relationships)."""
    workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.findall("rel:Relationship", _NS)}
    for sheet in workbook.iterfind("m:sheets/m:sheet", _NS):
        if sheet.get("name") == name:
            target = targets[sheet.get(f"{{{_NS['r']}}}id")]
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    raise KeyError(name)


_CELL_OPEN = re.compile(rb'<c r="([A-Z]{1,3})(\d{1,7})"[^>]*?(/?)>')
_MERGE = re.compile(rb'<mergeCell ref="([A-Z]{1,3}\d{1,7})(?::([A-Z]{1,3}\d{1,7}))?"')


def _scan_xlsx(path: Path, sheet: str, source: str) -> tuple[list[Finding], tuple[int, int]]:
    """Error cells, formulas without a stored value and merged regions of an xlsx sheet,
    and the extent (rows, columns) of the cells that hold something."""
    try:
        with zipfile.ZipFile(path) as book:
            member = _xlsx_sheet_path(book, sheet)
            size = book.getinfo(member).file_size
            if size > MAX_SHEET_BYTES:
                raise InputError(
                    source,
                    f"a sheet of at most {MAX_SHEET_BYTES / 2**30:.0f} GiB of XML (it unpacks "
                    f"to {size / 2**30:,.1f} GiB); split the export",
                )
            data = book.read(member)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError) as err:
        raise InputError(source, f"a readable Excel workbook ({type(err).__name__})") from None
    findings: list[Finding] = []
    rows = cols = 0
    # the extent of cells that hold something: a self-closing cell is only a format
    letters, last_row = set(), 0
    for m in _CELL_OPEN.finditer(data):
        if m.group(3):
            continue
        letters.add(m.group(1))
        last_row = max(last_row, int(m.group(2)))
    if letters:
        cols = max(_col_number(x) for x in letters) + 1
        rows = last_row
    if b't="e"' in data or b"<f" in data:
        findings += _xlsx_cell_findings(data, source)
    for m in _MERGE.finditer(data):
        first = _cell_ref(m.group(1).decode())
        last = _cell_ref(m.group(2).decode()) if m.group(2) else first
        findings.append(_merged(first, last))
    return findings, (rows, cols)


def _merged(first: tuple[int, int], last: tuple[int, int]) -> Finding:
    """A merged region as one finding (never cell by cell: a region may span a sheet)."""
    ref = f"{column_letters(first[1])}{first[0] + 1}:{column_letters(last[1])}{last[0] + 1}"
    return Finding(
        first[0],
        first[1],
        f"a merged region {ref}",
        rows=last[0] - first[0] + 1,
        cols=last[1] - first[1] + 1,
    )


def _xlsx_cell_findings(data: bytes, source: str) -> list[Finding]:
    """The cells of a sheet's XML that are error values or formulas with no stored value."""
    found: list[Finding] = []
    main = f"{{{_NS['m']}}}"
    try:
        for _, elem in ElementTree.iterparse(_Bytes(data), events=("end",)):
            if elem.tag != f"{main}c":
                if elem.tag == f"{main}row":
                    elem.clear()
                continue
            value = elem.find(f"{main}v")
            text = value.text if value is not None else None
            formula = elem.find(f"{main}f") is not None
            ref = elem.get("r")
            if ref is None:
                continue
            r, c = _cell_ref(ref)
            if elem.get("t") == "e":
                found.append(Finding(r, c, f"an error cell {text or ''}".strip()))
            elif formula and not text and elem.find(f"{main}is") is None:
                found.append(Finding(r, c, "a formula with no stored value"))
    except (ElementTree.ParseError, ValueError):
        raise InputError(source, "a readable Excel workbook (its sheet XML is broken)") from None
    return found


class _Bytes:
    """A file-like view of bytes for iterparse (no copy)."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = memoryview(data), 0

    def read(self, n: int = -1) -> bytes:
        end = len(self.data) if n < 0 else min(len(self.data), self.pos + n)
        chunk = bytes(self.data[self.pos : end])
        self.pos = end
        return chunk


def _scan_ods(path: Path, source: str) -> list[Finding]:
    """An OpenDocument workbook's error cells, formulas without a value and merged regions
    (content.xml searched for their marks: their row is not counted, the sheet is named)."""
    try:
        with zipfile.ZipFile(path) as book:
            data = book.read("content.xml")
    except (zipfile.BadZipFile, KeyError, OSError) as err:
        raise InputError(
            source, f"a readable OpenDocument workbook ({type(err).__name__})"
        ) from None
    marks = {
        b'calcext:value-type="error"': "an error cell",
        b"table:number-columns-spanned=": "a merged region",
        b"table:number-rows-spanned=": "a merged region",
    }
    for mark, what in marks.items():
        if mark in data:
            return [Finding(-1, -1, what)]
    for m in re.finditer(rb"<table:table-cell[^>]*table:formula=[^>]*>", data):
        if b"office:value=" not in m.group(0) and b"-value=" not in m.group(0):
            return [Finding(-1, -1, "a formula with no stored value")]
    return []


def _scan_xls(path: Path, sheet: str, source: str) -> list[Finding]:
    """An .xls sheet's error cells, read with xlrd (calamine shows them as blanks)."""
    try:
        import xlrd
    except ImportError:  # pragma: no cover - xlrd is a dependency
        raise InputError(source, "an .xlsx workbook (save the .xls as .xlsx)") from None
    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
        found = []
        ws = book.sheet_by_name(sheet)
        for r in range(ws.nrows):
            for c, kind in enumerate(ws.row_types(r)):
                if kind == xlrd.XL_CELL_ERROR:
                    code = xlrd.error_text_from_code.get(ws.cell_value(r, c), "")
                    found.append(Finding(r, c, f"an error cell {code}".strip()))
        book.release_resources()
    except Exception as err:  # xlrd's errors have no common base class
        raise InputError(source, f"a readable Excel workbook ({type(err).__name__})") from None
    return found


def _open(path: Path):
    import python_calamine as pc

    try:
        return pc.CalamineWorkbook.from_path(str(path))
    except Exception as err:  # calamine's errors have no common base class
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise InputError(str(path), f"a readable Excel workbook ({first})") from None


def read_sheet(path: Path, table_name: str) -> Sheet:
    """The sheet named after the table (or a workbook's only sheet), checked and read with
    the sheet's own line number for every data row; findings are kept for the caller to
    judge by column (``refuse_findings``)."""
    book = _open(path)
    names = book.sheet_names
    if table_name in names:
        name = table_name
    elif len(names) == 1:
        name = names[0]
    else:
        raise InputError(
            str(path), f"a sheet named {table_name!r} (the workbook has {', '.join(names)})"
        )
    source = f"{path}, sheet {name}"
    suffix = path.suffix.lower()
    findings: list[Finding] = []
    if suffix in (".xlsx", ".xlsm"):
        findings, (rows, cols) = _scan_xlsx(path, name, source)
        if rows * cols > MAX_CELLS:
            raise InputError(
                source,
                f"a table of at most {MAX_CELLS:,} cells, but a cell at "
                f"{column_letters(cols - 1)}{rows} makes the sheet {rows:,} rows by "
                f"{cols:,} columns; delete the cells beyond the table",
            )
    elif suffix == ".ods":
        findings = _scan_ods(path, source)
    elif suffix == ".xls":
        findings = _scan_xls(path, name, source)
    try:
        sheet = book.get_sheet_by_name(name)
        cells = sheet.to_python(skip_empty_area=True)
        start = sheet.start or (0, 0)
        if suffix == ".xls":
            findings += [_merged(a, b) for a, b in sheet.merged_cell_ranges or []]
    except Exception as err:  # calamine's errors have no common base class
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise InputError(source, f"a readable sheet ({first})") from None
    return _as_table(cells, start, source, findings)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _as_table(cells: list[list], start: tuple[int, int], source: str, findings) -> Sheet:
    """Rows of cells as a frame: the first non-blank row is the header; blank rows are
    dropped, every other row keeps its sheet line number."""
    top, left = start
    order = [i for i, row in enumerate(cells) if not all(_blank(v) for v in row)]
    if not order:
        return Sheet(pd.DataFrame(), np.zeros(0, dtype=np.int64), source, findings)
    header = ["" if _blank(v) else str(v).strip() for v in cells[order[0]]]
    body = order[1:]
    frame = pd.DataFrame([cells[i] for i in body], columns=range(len(header)), dtype=object)
    frame.columns = header
    lines = np.array([top + i + 1 for i in body], dtype=np.int64)
    return Sheet(frame, lines, source, findings, header_row=top + order[0], left=left)


def refuse_findings(sheet: Sheet, wanted: dict[str, str]) -> None:
    """Refuse the first finding in a column the contract reads (``wanted``: the export's
    header -> the contract column), naming the place and what was found."""
    columns = {sheet.left + i: h for i, h in enumerate(sheet.frame.columns) if h in wanted}
    data_rows = sheet.lines - 1  # 0-based sheet rows of the data, ascending
    for f in sorted(sheet.findings, key=lambda f: (f.row, f.col)):
        if f.row == -1:  # only the sheet is known (.ods)
            raise InputError(
                sheet.source,
                f"cells that mean their value, but the sheet holds {f.what} (its value "
                "cannot be read); paste values only, or save the export as .xlsx",
            )
        hit = [c for c in range(f.col, f.col + f.cols) if c in columns]
        if not hit:
            continue
        header = columns[hit[0]]
        what = (
            f"a value, but the sheet holds {f.what} here (its value cannot be read: paste "
            "values only, or unmerge)"
        )
        k = int(np.searchsorted(data_rows, f.row))
        if f.row <= sheet.header_row < f.row + f.rows:
            where = "the header row"
        elif k < len(data_rows) and data_rows[k] < f.row + f.rows:
            raise InputError(
                sheet.source,
                what,
                row=k,
                line=int(sheet.lines[k]),
                column=wanted[header],
                header=header,
            )
        else:
            where = "a blank row"
        raise InputError(sheet.source, f"{what}, in {where}", column=wanted[header], header=header)
