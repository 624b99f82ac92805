"""A reviewer's check of the committed notebooks: execute a notebook afresh (into a
temporary folder, never over the stored one) and compare every cell's outputs with the
stored ones, so "the same inputs give the same numbers" is one command
(``jobcoach notebooks --only NAME --check``) rather than a pytest line to copy.

Outputs are compared as the suite stores them (``brief._tidy``: no timestamps, no widget
views), after the sanitizers nbval uses (``notebooks/sanitize.cfg``: memory addresses),
so a difference is a real one: a number, a table, a chart's bytes or an error.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

from jobcoach_model.base.resources import NOTEBOOKS

SANITIZE = NOTEBOOKS / "sanitize.cfg"


def sanitizers(path: Path = SANITIZE) -> list[tuple[re.Pattern, str]]:
    """The (pattern, replacement) pairs of an nbval sanitize file; none if it is absent."""
    if not path.exists():
        return []
    pairs, pattern = [], None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("regex:"):
            pattern = re.compile(line.split(":", 1)[1].strip())
        elif line.startswith("replace:") and pattern is not None:
            pairs.append((pattern, line.split(":", 1)[1].strip()))
            pattern = None
    return pairs


def _outputs(cell: dict, rules: list[tuple[re.Pattern, str]]) -> str:
    text = json.dumps(cell.get("outputs", []), sort_keys=True)
    for pattern, replacement in rules:
        text = pattern.sub(replacement, text)
    return text


def _first_change(a: str, b: str, width: int = 60) -> str:
    at = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    start = max(0, at - 10)
    return f"stored {a[start : start + width]!r}, now {b[start : start + width]!r}"


def differences(stored: Path, executed: Path) -> list[str]:
    """One line per code cell whose outputs differ between two notebooks (empty: the
    same), each naming the cell by its number and its first differing text."""
    import nbformat

    a = nbformat.read(stored, as_version=4).cells
    b = nbformat.read(executed, as_version=4).cells
    if [c.cell_type for c in a] != [c.cell_type for c in b]:
        return [f"{stored.name}: its cells differ from the stored notebook's"]
    rules = sanitizers()
    out = []
    for i, (x, y) in enumerate(zip(a, b, strict=True), start=1):
        if x.cell_type != "code":
            continue
        old, new = _outputs(x, rules), _outputs(y, rules)
        if old != new:
            out.append(f"{stored.name}: cell {i} differs: {_first_change(old, new)}")
    return out


def check_notebooks(names: tuple[str, ...], progress: bool = False) -> list[str]:
    """Execute each named notebook afresh on its own parameters and compare it with the
    stored one; the differences found (empty when every output is the same)."""
    from jobcoach_model.presentation.brief import execute_suite

    found = []
    with tempfile.TemporaryDirectory(prefix="jobcoach-check-") as tmp:
        for path in execute_suite(Path(tmp), None, names, progress=progress):
            found += differences(NOTEBOOKS / path.name, path)
    return found
