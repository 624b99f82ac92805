"""An agency's export read as the contract's three tables, once for every command: the
frames, the names their errors give them, the column mapping, each table's row-to-line
map, and errors worded in the export's own terms (its header, the file's own line)."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from jobcoach_model.base.errors import InputError
from jobcoach_model.law.rulebook import Rulebook
from jobcoach_model.records.contract import CASES, COACHES, SERVICES, TABLES
from jobcoach_model.records.export_reader import (
    ColumnMap,
    LineMap,
    export_error,
    load_column_map,
    read_export,
)
from jobcoach_model.records.lines import Lines, prepare


class Inputs(NamedTuple):
    """An export's three tables as read: frames, the names their errors give them, the
    mapping, and each table's row-to-line map (the file's own line numbers)."""

    frames: list[pd.DataFrame]
    sources: dict[str, str]
    mapping: ColumnMap | None
    lines: dict[str, LineMap | None]


def read_inputs(cases: Path, coaches: Path, services: Path, columns: Path | None = None) -> Inputs:
    """The three tables of an export (CSV, Parquet or Excel; mapped when ``columns``
    names a mapping file), the names their errors give them and their line maps."""
    mapping = load_column_map(columns) if columns is not None else None
    frames, sources, lines = [], {}, {}
    for path, table in ((cases, CASES), (coaches, COACHES), (services, SERVICES)):
        frame, source, line_map = read_export(path, table, mapping)
        frames.append(frame)
        sources[table.name] = source
        lines[table.name] = line_map
    return Inputs(frames, sources, mapping, lines)


def _line(err: InputError, lines: LineMap | None) -> int | None:
    if err.line is not None or err.row is None or lines is None:
        return err.line
    return lines(err.row)


@contextmanager
def export_terms(inputs: Inputs):
    """Errors raised inside about an input table name the export's own header and the
    row's own line in its file."""
    try:
        yield
    except InputError as err:
        for name, source in inputs.sources.items():
            if err.source == source:
                worded = export_error(err, TABLES[name], inputs.mapping)
                raise worded.at_line(_line(err, inputs.lines[name])) from None
        raise


def input_paths(cases: Path, coaches: Path, services: Path, columns: Path | None) -> tuple:
    """Every file a command reads (an output may be none of them)."""
    return (cases, coaches, services, *((columns,) if columns else ()))


def read_lines(
    cases: Path,
    coaches: Path,
    services: Path,
    columns: Path | None = None,
    book: Rulebook | None = None,
) -> Lines:
    """An export read, checked and linked into ``Lines`` (under ``book``'s own
    requirements too, when given), its errors in the export's own terms."""
    inputs = read_inputs(cases, coaches, services, columns)
    with export_terms(inputs):
        return prepare(*inputs.frames, book, inputs.sources)
