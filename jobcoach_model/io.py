"""Writing output files whole or not at all.

Every file the tool writes goes to a temporary file beside its target and is renamed into
place only once complete, so a failure never leaves a half-written table behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

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


def write_parquet(frame: pd.DataFrame, path: str | Path) -> Path:
    """A DataFrame written as Parquet with pyarrow (no index), atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    return write_atomic(path, lambda tmp: pq.write_table(table, tmp))


def write_excel(frame: pd.DataFrame, path: str | Path, sheet: str = "result") -> Path:
    """A DataFrame written as an .xlsx workbook of one sheet (no index), atomically."""

    def write(tmp: Path) -> None:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            frame.to_excel(writer, sheet_name=sheet, index=False)

    return write_atomic(path, write)


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """A result table written by the extension of ``path``: ``.parquet``, ``.xlsx``, or
    CSV for anything else."""
    suffix = Path(path).suffix.lower()
    if suffix == ".parquet":
        return write_parquet(frame, path)
    if suffix == ".xlsx":
        return write_excel(frame, path)
    return write_csv(frame, path)


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
