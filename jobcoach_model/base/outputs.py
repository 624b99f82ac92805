"""Where the tool may write: never over an input, never into a folder of the user's own
files, and never leaving a half-written file behind.

A folder the tool writes into carries a marker file (``.jobcoach-output``). A folder that
does not exist, is empty, or carries the marker is ours to write into; any other folder
is refused unless ``--force``. In a folder of ours, what a killed run left half-written
(``.partial-*`` folders, ``.*.tmp`` files) is removed by the next run.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

from jobcoach_model.base.errors import OutputError

MARKER = ".jobcoach-output"
#: the files this tool wrote into a folder that is not one of its own, with their digests
MANIFEST = ".jobcoach-written"
_MARKER_TEXT = "Written by jobcoach; files here may be replaced by its next run.\n"
#: open lock files, held until the process ends (the OS releases them, whatever ends it)
_LOCKS: dict[str, int] = {}
#: a cell starting with one of these is run as a formula by spreadsheet programs
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def check_not_input(out: Path | None, inputs: Iterable[Path | None], option: str = "--out") -> None:
    """Refuse an output file that is one of the inputs (the same file by any path)."""
    if out is None or not Path(out).exists():
        return
    for path in inputs:
        if path is not None and Path(path).exists() and Path(out).samefile(path):
            raise OutputError(f"{option} {out}: is one of the inputs; choose another file")


def _stale(folder: Path) -> list[Path]:
    return [*folder.glob(".partial-*"), *folder.glob(".*.tmp")]


def check_folder(out: Path | None, force: bool = False, option: str = "--out") -> None:
    """Refuse, before anything is written, an output folder that is a file or holds files
    this tool did not write (unless ``force``); nothing is made or changed."""
    if out is None:
        return
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{option} {out}: is a file; expected a folder")
    if out.is_dir():
        entries = [p for p in out.iterdir() if p.name != MARKER]
        if entries and not (out / MARKER).is_file() and not force:
            shown = ", ".join(sorted(p.name for p in entries)[:4])
            more = f" and {len(entries) - 4} more" if len(entries) > 4 else ""
            raise OutputError(
                f"{option} {out}: holds files this tool did not write ({shown}{more}); "
                "choose a new or empty folder, or pass --force"
            )


def output_folder(out: Path, force: bool = False, option: str = "--out") -> Path:
    """A folder ready to write into: made (with the marker) if new or empty, accepted if
    it carries the marker (stale partial files of a killed run removed), refused if it
    holds other files unless ``force``."""
    out = Path(out)
    check_folder(out, force, option)
    if out.is_dir() and (out / MARKER).is_file():
        lock(out, option)  # before anything of a run that may still be writing is touched
        for path in _stale(out):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
    try:
        out.mkdir(parents=True, exist_ok=True)
        if not (out / MARKER).is_file():
            (out / MARKER).write_text(_MARKER_TEXT, encoding="utf-8")
    except OSError as err:
        raise OutputError(f"{option} {out}: cannot write here ({err.strerror})") from None
    lock(out, option)
    return out


def lock(folder: Path, option: str = "--out") -> None:
    """Hold the folder's lock (its marker file) until this process ends, or refuse at once
    when another run holds it: a second run never removes or replaces what a first one is
    still writing."""
    key = str(Path(folder).resolve())
    if key in _LOCKS:
        return
    fd = os.open(Path(folder) / MARKER, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise OutputError(
            f"{option} {folder}: another jobcoach run is writing here; wait for it to "
            "finish, or choose another folder"
        ) from None
    _LOCKS[key] = fd


def _digest(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _manifest(folder: Path) -> dict[str, str]:
    path = folder / MANIFEST
    if not path.is_file():
        return {}
    entries = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        if name:
            entries[name] = digest
    return entries


def ours(path: Path) -> bool:
    """Whether a file is one this tool wrote and nobody has changed since: listed with
    its digest in its folder's manifest."""
    path = Path(path)
    return _manifest(path.parent).get(path.name) == _digest(path)


def check_replaceable(out: Path | None, force: bool = False, option: str = "--out") -> None:
    """Refuse an output file that exists and is not ours (a user's file, or one of ours
    the user has edited), unless ``force``."""
    if out is None or force or not Path(out).exists():
        return
    if Path(out).is_dir():
        raise OutputError(f"{option} {out}: is a folder; expected a file")
    if not ours(Path(out)):
        raise OutputError(
            f"{option} {out}: exists and was not written by this tool (or was edited since); "
            "choose another file, or pass --force to replace it"
        )


def record(path: Path) -> Path:
    """Note a file this tool has just written (its digest) in its folder's manifest, so
    that a later run may replace it while it stays as written."""
    path = Path(path)
    entries = _manifest(path.parent)
    entries[path.name] = _digest(path)
    text = "".join(f"{d}  {n}\n" for n, d in sorted(entries.items()))
    tmp = path.parent / f".{MANIFEST}.tmp"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path.parent / MANIFEST)
    return path


def slug(text: str) -> str:
    """A label made safe as a folder or file name: lower-case letters, digits, ``_``."""
    return re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_")[:80] or "unnamed"


def formula_like(text: str) -> bool:
    """Whether a spreadsheet would run this text as a formula if it opened a cell."""
    return str(text).startswith(FORMULA_START)
