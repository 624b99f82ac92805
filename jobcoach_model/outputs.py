"""Where the tool may write: never over an input, never into a folder of the user's own
files, and never leaving a half-written file behind.

A folder the tool writes into carries a marker file (``.jobcoach-output``). A folder that
does not exist, is empty, or carries the marker is ours to write into; any other folder
is refused unless ``--force``. In a folder of ours, what a killed run left half-written
(``.partial-*`` folders, ``.*.tmp`` files) is removed by the next run.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable
from pathlib import Path

from .errors import JobcoachError

MARKER = ".jobcoach-output"
#: a cell starting with one of these is run as a formula by spreadsheet programs
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class OutputError(JobcoachError):
    """An output path that would overwrite an input or a folder of the user's files."""


def check_not_input(out: Path | None, inputs: Iterable[Path | None], option: str = "--out") -> None:
    """Refuse an output file that is one of the inputs (the same file by any path)."""
    if out is None or not Path(out).exists():
        return
    for path in inputs:
        if path is not None and Path(path).exists() and Path(out).samefile(path):
            raise OutputError(f"{option} {out}: is one of the inputs; choose another file")


def _stale(folder: Path) -> list[Path]:
    return [*folder.glob(".partial-*"), *folder.glob(".*.tmp")]


def output_folder(out: Path, force: bool = False, option: str = "--out") -> Path:
    """A folder ready to write into: made (with the marker) if new or empty, accepted if
    it carries the marker (stale partial files of a killed run removed), refused if it
    holds other files unless ``force``."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{option} {out}: is a file; expected a folder")
    if out.is_dir():
        entries = [p for p in out.iterdir() if p.name != MARKER]
        ours = (out / MARKER).is_file()
        if entries and not ours and not force:
            shown = ", ".join(sorted(p.name for p in entries)[:4])
            more = f" and {len(entries) - 4} more" if len(entries) > 4 else ""
            raise OutputError(
                f"{option} {out}: holds files this tool did not write ({shown}{more}); "
                "choose a new or empty folder, or pass --force"
            )
        if ours:
            for path in _stale(out):
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / MARKER).write_text(
            "Written by jobcoach; files here may be replaced by its next run.\n", encoding="utf-8"
        )
    except OSError as err:
        raise OutputError(f"{option} {out}: cannot write here ({err.strerror})") from None
    return out


def slug(text: str) -> str:
    """A label made safe as a folder or file name: lower-case letters, digits, ``_``."""
    return re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_")[:80] or "unnamed"


def formula_like(text: str) -> bool:
    """Whether a spreadsheet would run this text as a formula if it opened a cell."""
    return str(text).startswith(FORMULA_START)
