"""A jurisdiction is a plugin: nothing outside a state's own folder names the state.

The leak test reads every module of the package outside ``rulebooks/<code>/`` with
``ast`` and collects its identifiers and its string literals (docstrings and comments
excepted: prose may give examples). None may name a registered jurisdiction: its code
(``KS``, or a rule id ``KS-RATE``), its name (``Kansas``), a part of an identifier
(``ks_rate``, ``kansas_benchmark``), or a parameter that not every rulebook has (a
state's own figure, such as ``benchmark_share`` or ``se_unit_rate``), unless that name is
also a column of the input contract or a field of the scenario (``hourly_rate`` is a
coach's column). A planted leak shows the test can fail.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from jobcoach_model.caseloads.scenario import Scenario
from jobcoach_model.law.jurisdictions import codes, get
from jobcoach_model.law.rulebook import load_rulebook
from jobcoach_model.records.contract import TABLES

PACKAGE = Path(__file__).resolve().parents[1] / "jobcoach_model"


def _scenario_fields(model=Scenario) -> set[str]:
    names = set()
    for name, info in model.model_fields.items():
        names.add(name)
        inner = info.annotation
        if isinstance(inner, type) and hasattr(inner, "model_fields"):
            names |= _scenario_fields(inner)
    return names


def _forbidden() -> tuple[re.Pattern, set[str], set[str]]:
    """(a pattern for text, identifier parts, whole names) that name a jurisdiction."""
    books = [load_rulebook(code) for code in codes()]
    words = [code for code in codes()] + [book.name for book in books]
    text = re.compile(r"(?<![A-Za-z])(" + "|".join(map(re.escape, words)) + r")(?![A-Za-z])")
    parts = {code.lower() for code in codes()} | {book.name.lower() for book in books}
    shared = set.intersection(*(set(book.names()) for book in books))
    columns = {c.name for table in TABLES.values() for c in table.columns}
    own = {n for book in books for n in book.names()} - shared - columns - _scenario_fields()
    return text, parts, own


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def leaks(source: str, where: str) -> list[str]:
    """Every place in a module's code that names a jurisdiction."""
    text, parts, own = _forbidden()
    tree = ast.parse(source)
    skip = _docstrings(tree)
    found = []

    def name(value: str, line: int) -> None:
        pieces = {p.lower() for p in value.split("_") if p}
        if pieces & parts or value in own:
            found.append(f"{where}:{line}: identifier {value!r}")

    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            if text.search(node.value) or node.value in own:
                found.append(f"{where}:{line}: string {node.value[:60]!r}")
        elif isinstance(node, ast.Name):
            name(node.id, line)
        elif isinstance(node, ast.Attribute):
            name(node.attr, line)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            name(node.name, line)
        elif isinstance(node, ast.arg) or (isinstance(node, ast.keyword) and node.arg):
            name(node.arg, line)
    return found


def _engine_modules() -> list[Path]:
    states = {PACKAGE / "rulebooks" / code.lower() for code in codes()}
    return sorted(p for p in PACKAGE.rglob("*.py") if not any(s in p.parents for s in states))


def test_no_module_outside_a_state_folder_names_a_jurisdiction():
    found = []
    for path in _engine_modules():
        rel = path.relative_to(PACKAGE.parent).as_posix()
        found += leaks(path.read_text(encoding="utf-8"), rel)
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    "planted",
    [
        'if book.code == "KS": pass',
        "rate = book.value('benchmark_share', day)",
        "ks_rate = 40",
        "label = 'Iowa cap'",
        "x = results.kansas_benchmark",
        "rule = 'IA-SE-UNIT-RATE'",
        "def tx_cap(): pass",
    ],
)
def test_the_leak_test_finds_a_planted_leak(planted):
    assert leaks(planted, "planted.py"), planted


def test_the_leak_test_passes_what_names_no_state():
    clean = '"""Kansas in a docstring is prose."""\nrate = coach["hourly_rate"]\nksx = "KSX"\n'
    assert leaks(clean, "clean.py") == []


def test_every_registered_state_is_a_folder_with_its_hooks():
    for code in codes():
        folder = PACKAGE / "rulebooks" / code.lower()
        for name in ("index.yaml", "parameters.yaml", "rules.yaml", "rules.py", "__init__.py"):
            assert (folder / name).is_file(), (code, name)
        assert get(code).code == code
        assert load_rulebook(code).code == code


def _package_copy(tmp_path):
    """A copy of the package to add state folders to, and a way to run its command line."""
    import shutil
    import subprocess
    import sys

    copy = tmp_path / "pkg"
    shutil.copytree(PACKAGE, copy / "jobcoach_model", ignore=shutil.ignore_patterns("__pycache__"))
    env = {"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"}

    def jobcoach(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "jobcoach_model.cli", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=copy,
        )

    return copy, jobcoach


def test_new_rulebook_writes_a_skeleton_that_registers_prices_and_is_never_replaced(tmp_path):
    """`jobcoach new-rulebook NE` on a copy of the package: a fifth column in the rules
    table, the example records priced under it, the leak test still clean, and a second
    run refused without touching the folder."""
    copy, jobcoach = _package_copy(tmp_path)
    made = jobcoach("new-rulebook", "ne", "--name", "Nebraska: DHHS")  # not plain YAML
    assert made.returncode == 0, made.stderr
    folder = copy / "jobcoach_model" / "rulebooks" / "ne"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    again = jobcoach("new-rulebook", "NE")
    assert again.returncode == 2 and len(again.stderr.strip().splitlines()) == 1
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    table = jobcoach("rules", "--format", "csv", "--no-citations")
    assert table.stdout.splitlines()[0] == "topic,Kansas,Iowa,Kentucky,Texas,Nebraska: DHHS"
    examples = copy / "jobcoach_model" / "examples"
    files = [f"--{n}={examples / (n + '.csv')}" for n in ("cases", "coaches", "services")]
    priced = jobcoach("adjudicate", "--rules", "NE", *files, "--out", str(tmp_path / "ne.csv"))
    assert priced.returncode == 0, priced.stderr
    assert "NE-RATE" in (tmp_path / "ne.csv").read_text()
    for path in (folder / "__init__.py", folder / "rules.py"):
        ast.parse(path.read_text(encoding="utf-8"))  # the skeleton's code is Python
    rulebooks = copy / "jobcoach_model" / "rulebooks"
    for code, name in [("N1", "x"), ("ß", "x"), ("NEBR", "x"), ("NV", 'Ne"vada'), ("NV", "a\nb")]:
        refused = jobcoach("new-rulebook", code, "--name", name)
        assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1, code
        assert "Traceback" not in refused.stderr
    assert sorted(p.name for p in rulebooks.iterdir() if (p / "index.yaml").exists()) == [
        "ia", "ks", "ky", "ne", "tx",
    ]  # fmt: skip
    assert jobcoach("rules", "--format", "csv").returncode == 0  # every state still loads


@pytest.mark.parametrize(
    "damage, file",
    [
        (lambda f: f.joinpath("index.yaml").write_text("order: [oops\n"), "index.yaml"),
        (lambda f: f.joinpath("rules.py").write_text("this is not Python\n"), "rules.py"),
        (
            lambda f: f.joinpath("rules.py").write_text(
                f.joinpath("rules.py").read_text().replace('"NE-RATE"', '"KS-RATE"')
            ),
            "rules.py",
        ),
    ],
    ids=["bad index.yaml", "bad rules.py", "rule id of Kansas"],
)
def test_a_broken_or_colliding_state_folder_affects_only_itself(tmp_path, damage, file):
    """Kansas prices the example records exactly as before; using the broken state is one
    line naming its folder and file."""
    copy, jobcoach = _package_copy(tmp_path)
    assert jobcoach("new-rulebook", "NE", "--name", "Nebraska").returncode == 0
    examples = copy / "jobcoach_model" / "examples"
    files = [f"--{n}={examples / (n + '.csv')}" for n in ("cases", "coaches", "services")]
    clean = jobcoach("adjudicate", "--rules", "KS", *files, "--out", str(tmp_path / "a.csv"))
    assert clean.returncode == 0, clean.stderr
    damage(copy / "jobcoach_model" / "rulebooks" / "ne")
    for code in ("KS", "IA"):
        ok = jobcoach("adjudicate", "--rules", code, *files, "--out", str(tmp_path / f"{code}.csv"))
        assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "KS.csv").read_bytes() == (tmp_path / "a.csv").read_bytes()
    assert jobcoach("rules", "--format", "csv").returncode == 0
    used = jobcoach("adjudicate", "--rules", "NE", *files, "--out", str(tmp_path / "ne.csv"))
    err = used.stderr.strip().splitlines()
    assert used.returncode == 2 and len(err) == 1 and "Traceback" not in used.stderr, err
    assert f"rulebooks/ne/{file}" in err[0] and not (tmp_path / "ne.csv").exists()
