"""Writing output files whole or not at all.

Every file the tool writes goes to a temporary file beside its target and is renamed into
place only once complete, so a failure never leaves a half-written table behind.
"""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from jobcoach_model.base.arrow_text import holds_any
from jobcoach_model.base.errors import JobcoachError

_UMASK = os.umask(0)
os.umask(_UMASK)


def write_atomic(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary file, then rename it to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """A DataFrame written as CSV (LF line ends, no index), atomically."""
    return write_atomic(path, lambda tmp: frame.to_csv(tmp, index=False, lineterminator="\n"))


def _float_text(values: np.ndarray, cents: bool = False):
    """Floats as pandas writes them (the shortest text that reads back as the same
    number), or with ``cents`` as money with two decimals (160.00, never 160.0), each
    distinct value formatted once."""
    import pyarrow as pa

    codes, uniq = pd.factorize(np.asarray(values, dtype=np.float64), use_na_sentinel=False)
    text = (lambda u: f"{u:.2f}") if cents else (lambda u: repr(float(u)))
    labels = pa.array(["" if u != u else text(u) for u in uniq], type=pa.string())
    return labels.take(pa.array(codes))


#: a cell holding one of these needs quotes
_QUOTE = b',"\r\n'


def _text_column(series: pd.Series):
    """A text or categorical column as plain Arrow text (a categorical decoded through
    its labels, which a CSV writer writes faster than dictionary cells), or None when a
    cell needs quoting (then pandas writes the file)."""
    import pyarrow as pa

    if isinstance(series.dtype, pd.CategoricalDtype):
        labels = pa.array([str(c) for c in series.cat.categories] + [""], type=pa.string())
        if holds_any(labels, _QUOTE):
            return None
        codes = series.cat.codes.to_numpy()
        return labels.take(pa.array(np.where(codes < 0, len(labels) - 1, codes)))
    if isinstance(series.array, pd.arrays.ArrowStringArray):
        text = pa.chunked_array(series.array.__arrow_array__()).combine_chunks().fill_null("")
    else:
        text = pa.array(series.astype("str").fillna("").to_numpy(dtype=object), type=pa.string())
    if holds_any(text, _QUOTE):
        return None
    return text


def write_result_csv(frame: pd.DataFrame, path: str | Path, money: Sequence[str] = ()) -> Path:
    """A table of text, categorical and float columns written as CSV with pyarrow, byte for
    byte what ``write_csv`` (pandas) writes, at a fraction of the time, except that the
    ``money`` columns are written with two decimals. Falls back to pandas (money formatted
    the same way) when a cell or a header needs quoting (a comma, a quote or a line
    break)."""
    import pyarrow as pa

    if any(c in str(name) for name in frame.columns for c in ',"\r\n'):
        return write_csv(_with_cents(frame, money), path)
    columns = {}
    for name in frame.columns:
        series = frame[name]
        if pd.api.types.is_float_dtype(series.dtype):
            columns[name] = _float_text(series.to_numpy(), cents=name in money)
            continue
        text = _text_column(series)
        if text is None:
            return write_csv(_with_cents(frame, money), path)
        columns[name] = text
    table = pa.table(columns)
    return write_atomic(path, lambda tmp: _write_csv_halves(table, tmp))


def _csv_bytes(table, header: bool):
    """A table's CSV text (no quoting: the caller has checked no cell needs it)."""
    import pyarrow as pa
    import pyarrow.csv as pv

    sink = pa.BufferOutputStream()
    options = pv.WriteOptions(include_header=header, quoting_style="none", quoting_header="none")
    pv.write_csv(table, sink, options)
    return sink.getvalue()


def _write_csv_halves(table, path: Path) -> None:
    """A table written as CSV, its two halves formatted at once (Arrow's writer is one
    thread and releases the GIL), then written in order: the same bytes as one pass."""
    if table.num_rows < 100_000:
        path.write_bytes(_csv_bytes(table, header=True))
        return
    half = table.num_rows // 2
    with ThreadPoolExecutor(max_workers=1) as beside:
        tail = beside.submit(_csv_bytes, table.slice(half), False)
        head = _csv_bytes(table.slice(0, half), True)
        with path.open("wb") as fh:
            fh.write(head)
            fh.write(tail.result())


def write_parquet(frame: pd.DataFrame, path: str | Path) -> Path:
    """A DataFrame written as Parquet with pyarrow (no index), atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    return write_atomic(path, lambda tmp: pq.write_table(table, tmp))


#: rows of one Excel sheet, the header's included
EXCEL_ROWS = 1_048_576


def write_excel(frame: pd.DataFrame, path: str | Path, sheet: str = "result") -> Path:
    """A DataFrame written as an .xlsx workbook of one sheet (no index), atomically and
    byte-identical from run to run (no clock in the file); a table longer than a sheet
    is refused before anything is written."""
    if len(frame) + 1 > EXCEL_ROWS:
        raise JobcoachError(
            f"{path}: {len(frame):,} lines do not fit one Excel sheet "
            f"({EXCEL_ROWS - 1:,} rows after the header); write .csv or .parquet"
        )

    def write(tmp: Path) -> None:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            frame.to_excel(writer, sheet_name=sheet, index=False)
        _without_clock(tmp)

    return write_atomic(path, write)


_STAMP = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _without_clock(path: Path) -> None:
    """An .xlsx rewritten with its members dated 1980-01-01 and its document properties'
    created and modified times fixed, so that the same table gives the same bytes."""
    with zipfile.ZipFile(path) as book:
        members = [(info.filename, book.read(info)) for info in book.infolist()]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as book:
        for name, data in members:
            if name == "docProps/core.xml":
                data = _STAMP.sub(rb"\g<1>2000-01-01T00:00:00Z\g<2>", data)
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            book.writestr(info, data)


def _with_cents(frame: pd.DataFrame, money: Sequence[str]) -> pd.DataFrame:
    """The frame with its ``money`` columns as text with two decimals (empty for none)."""
    if not money:
        return frame
    out = frame.copy()
    for name in money:
        if name in out and pd.api.types.is_float_dtype(out[name].dtype):
            out[name] = [f"{v:.2f}" if v == v else "" for v in out[name].to_numpy()]
    return out


def write_table(frame: pd.DataFrame, path: str | Path, money: Sequence[str] = ()) -> Path:
    """A result table written by the extension of ``path``: ``.parquet`` and ``.xlsx`` keep
    numbers as numbers; CSV (anything else) writes the ``money`` columns with two
    decimals, as a contract's amounts are read."""
    suffix = Path(path).suffix.lower()
    if suffix == ".parquet":
        return write_parquet(frame, path)
    if suffix == ".xlsx":
        return write_excel(frame, path)
    return write_result_csv(frame, path, money)


def write_figure(figure, path: str | Path, dpi: int = 110) -> Path:
    """A matplotlib figure saved (format from the suffix), atomically; the figure is
    closed afterwards."""
    import matplotlib.pyplot as plt

    suffix = Path(path).suffix.lstrip(".") or "png"
    try:
        return write_atomic(
            path, lambda tmp: figure.savefig(tmp, format=suffix, dpi=dpi, bbox_inches="tight")
        )
    finally:
        plt.close(figure)
