"""The house's architecture, held by its imports: each folder of ``jobcoach_model``
imports only folders below it, no two modules import each other (even lazily, inside a
function), and a state's folder imports nothing of the package but
``rulebooks/api.py``. Planted back edges and circles show the test can fail."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "jobcoach_model"
#: the folders, from the bottom: a folder may import its own and those before it
ORDER = (
    "base",
    "law",
    "records",
    "rules",
    "engine",
    "caseloads",
    "rulebooks",
    "analysis",
    "calibration",
    "presentation",
    "explorer",
    "cli",
)


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = rel.parts[:-1] if rel.parts[-1] == "__init__" else rel.parts
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(source: str, known: set[str]) -> set[str]:
    """Every package module a source imports, at its top or inside a function."""
    out = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names}
    return {m for m in out if m in known}


def layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ORDER else None


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {m: imports(p.read_text(encoding="utf-8"), known) - {m} for m, p in found.items()}


def back_edges(edges: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Imports from a folder to one above it."""
    out = []
    for source, targets in edges.items():
        here = layer(source)
        for target in targets:
            there = layer(target)
            if here and there and ORDER.index(there) > ORDER.index(here):
                out.append((source, target))
    return sorted(out)


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), sorted. A
    package's ``__init__`` importing its own modules is not a circle with them."""
    edges = {
        m: {t for t in ts if not (t.startswith(m + ".") and m in edges)} for m, ts in edges.items()
    }
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return sorted(out)


def state_leaks(edges: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Imports of a state's folder other than the public module and its own folder."""
    out = []
    for source, targets in edges.items():
        parts = source.split(".")
        if len(parts) < 3 or parts[1] != "rulebooks" or parts[2] == "api":
            continue
        own = ".".join(parts[:3])
        for target in targets:
            if target != "jobcoach_model.rulebooks.api" and not target.startswith(own):
                out.append((source, target))
    return sorted(out)


def test_every_folder_imports_only_folders_below_it():
    found = {layer(m) for m in modules()} - {None}
    assert found == set(ORDER), found ^ set(ORDER)  # every folder is placed, once
    assert back_edges(graph()) == []


def test_no_two_modules_import_each_other():
    assert circles(graph()) == []


def test_a_state_folder_imports_only_the_public_module():
    edges = graph()
    assert state_leaks(edges) == []
    states = [m for m in edges if m.count(".") >= 2 and m.split(".")[1:3][0] == "rulebooks"]
    states = [m for m in states if m.split(".")[2] != "api"]
    assert len(states) >= 8  # four states, each an __init__ and rules at least


def test_the_checks_find_what_is_planted():
    planted = {
        "jobcoach_model.base.money": {"jobcoach_model.presentation.figures"},  # back edge
        "jobcoach_model.caseloads.runner": {"jobcoach_model.caseloads.budget"},
        "jobcoach_model.caseloads.budget": {"jobcoach_model.caseloads.runner"},  # circle
        "jobcoach_model.rulebooks.ks.rules": {"jobcoach_model.engine.adjudication"},  # leak
    }
    assert back_edges(planted) == [
        ("jobcoach_model.base.money", "jobcoach_model.presentation.figures")
    ]
    assert circles(planted) == [
        ["jobcoach_model.caseloads.budget", "jobcoach_model.caseloads.runner"]
    ]
    assert state_leaks(planted) == [
        ("jobcoach_model.rulebooks.ks.rules", "jobcoach_model.engine.adjudication")
    ]
    source = "def f():\n    from jobcoach_model.caseloads.budget import check\n"
    assert imports(source, {"jobcoach_model.caseloads.budget"}) == {
        "jobcoach_model.caseloads.budget"
    }  # a lazy import inside a function counts


#: what the commands on records need: never caseloads, analysis or presentation
RECORDS_LAYERS = {"base", "law", "records", "rules", "engine", "rulebooks", "cli"}
_PROBE = """
import contextlib, io, sys
from jobcoach_model.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
layers = sorted({m.split(".")[1] for m in sys.modules if m.startswith("jobcoach_model.")})
print(code, ",".join(layers))
"""


def test_the_commands_on_records_load_only_their_layers(tmp_path):
    """Each in a fresh interpreter: adjudicate, explain, columns and rules load records,
    rules and the engine, and nothing of caseloads, analysis or presentation."""
    import subprocess
    import sys

    examples = PACKAGE / "examples"
    files = [f"--{n}={examples / f'{n}.csv'}" for n in ("cases", "coaches", "services")]
    commands = {
        "adjudicate": ["adjudicate", "--rules", "IA", *files, "--out", str(tmp_path / "a.csv")],
        "explain": ["explain", "--rules", "KS", *files, "--line", "S01"],
        "columns": ["columns"],
        "rules": ["rules"],
    }
    for name, args in commands.items():
        out = (
            subprocess.run(
                [sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, check=True
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        code, layers = out.split(" ")
        assert code == "0", (name, out)
        assert set(layers.split(",")) <= RECORDS_LAYERS, (name, layers)
