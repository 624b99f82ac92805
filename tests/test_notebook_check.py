"""A reviewer's one-notebook check (issue 31): ``jobcoach notebooks --only NAME --check``
executes a notebook afresh and names each cell whose outputs differ from the stored ones."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from jobcoach_model.presentation.notebook_check import differences, sanitizers

ROOT = Path(__file__).resolve().parents[1]


def _notebook(path: Path, outputs: list[str]) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# a title")]
    for text in outputs:
        cell = nbformat.v4.new_code_cell("print(x)")
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
        nb.cells.append(cell)
    nbformat.write(nb, path)
    return path


def test_the_same_outputs_have_no_difference_and_a_changed_number_names_its_cell(tmp_path):
    stored = _notebook(tmp_path / "a.ipynb", ["total 2,195,137 USD\n", "ok\n"])
    same = _notebook(tmp_path / "b.ipynb", ["total 2,195,137 USD\n", "ok\n"])
    moved = _notebook(tmp_path / "c.ipynb", ["total 2,195,138 USD\n", "ok\n"])
    assert differences(stored, same) == []
    found = differences(stored, moved)
    assert len(found) == 1
    assert found[0].startswith("a.ipynb: cell 2 differs")  # the markdown cell is number 1
    assert "2,195,137" in found[0] and "2,195,138" in found[0]


def test_memory_addresses_are_sanitized_as_nbval_does(tmp_path):
    assert sanitizers(ROOT / "notebooks" / "sanitize.cfg")
    stored = _notebook(tmp_path / "a.ipynb", ["<object at 0x7f00aa>\n"])
    other = _notebook(tmp_path / "b.ipynb", ["<object at 0x7f11bb>\n"])
    assert differences(stored, other) == []


def test_notebooks_with_other_cells_are_told_apart(tmp_path):
    stored = _notebook(tmp_path / "a.ipynb", ["1\n"])
    longer = _notebook(tmp_path / "b.ipynb", ["1\n", "2\n"])
    assert differences(stored, longer) == ["a.ipynb: its cells differ from the stored notebook's"]


def test_check_refuses_what_it_cannot_compare(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "jobcoach_model.cli", "notebooks", "--only", "01_rules_side_by_side",
         "--check", "--param", "replications=3"],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "--check" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.notebook
def test_one_committed_notebook_checks_clean_and_writes_nothing():
    stored = ROOT / "notebooks" / "01_rules_side_by_side.ipynb"
    before = stored.read_bytes()
    done = subprocess.run(
        [sys.executable, "-m", "jobcoach_model.cli", "notebooks", "--only", "01_rules_side_by_side",
         "--check", "--quiet"],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "same outputs: 01_rules_side_by_side"
    assert stored.read_bytes() == before
