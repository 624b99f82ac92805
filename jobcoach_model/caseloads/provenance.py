"""What a brief or a folder of tables was made from, so a reviewer can tell whether two
came from the same inputs: the package's version, each rulebook's content hash (every
file of the state's folder), the scenario's hash as run (its file with the defaults and
``--set`` changes applied, so a reformatted file with the same content hashes the same)
or each records file's hash, and the seed. Their ``fingerprint`` is one short hash of all
of it: equal inputs give equal fingerprints, in any folder, on any day.

``manifest.json`` holds the lot and the day it was made (the only part that changes from
one run of the same inputs to the next, and so outside the fingerprint).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from jobcoach_model.caseloads.scenario import Scenario
from jobcoach_model.law.rulebook import RULEBOOK_DIR

MANIFEST = "manifest.json"


def _sha256(chunks: Iterable[bytes]) -> str:
    h = hashlib.sha256()
    for chunk in chunks:
        h.update(chunk)
    return h.hexdigest()


def rulebook_hash(code: str) -> str:
    """The hash of every file in a state's folder (names and bytes, in name order;
    caches left out): a rule, a clause, a value or a label changed changes it."""
    folder = RULEBOOK_DIR / code.lower()
    files = sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return _sha256(
        part for p in files for part in (p.relative_to(folder).as_posix().encode(), p.read_bytes())
    )


def file_hash(path: str | Path) -> str:
    """The hash of a file's bytes, read in blocks."""
    with Path(path).open("rb") as fh:
        return _sha256(iter(lambda: fh.read(1 << 20), b""))


def package_version() -> str:
    """The installed package's version (``pyproject.toml``)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("jobcoach-model")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def provenance(scenario: Scenario) -> dict[str, Any]:
    """A scenario run's inputs: version, scenario (name and hash as run), each rulebook
    its schemes use (hash), seed and replications."""
    codes = sorted(dict.fromkeys(s.rules for s in scenario.schemes))
    return {
        "package": package_version(),
        "scenario": scenario.name,
        "scenario_hash": _sha256([scenario.model_dump_json().encode()]),
        "rulebooks": {code: rulebook_hash(code) for code in codes},
        "seed": scenario.simulation.seed,
        "replications": scenario.simulation.replications,
    }


def records_provenance(files: Mapping[str, str | Path | None], codes: Iterable[str]) -> dict:
    """A records run's inputs: version, each file's hash (by its role: cases, coaches,
    services, columns) and each rulebook's hash."""
    return {
        "package": package_version(),
        "files": {role: file_hash(p) for role, p in sorted(files.items()) if p is not None},
        "rulebooks": {code: rulebook_hash(code) for code in sorted(set(codes))},
    }


def fingerprint(inputs: Mapping[str, Any]) -> str:
    """One short hash of a run's inputs (``provenance``): equal inputs, equal prints."""
    return _sha256([json.dumps(inputs, sort_keys=True, default=str).encode()])[:16]


def stamp(inputs: Mapping[str, Any]) -> str:
    """The inputs in one plain sentence, for a brief's page and its printed footer."""
    books = ", ".join(f"{code} {h[:8]}" for code, h in inputs["rulebooks"].items())
    what = (
        f"scenario {inputs['scenario']} {inputs['scenario_hash'][:8]}, seed {inputs['seed']}"
        if "scenario_hash" in inputs
        else "records " + ", ".join(f"{k} {h[:8]}" for k, h in inputs["files"].items())
    )
    return (
        f"Inputs fingerprint {fingerprint(inputs)}: jobcoach-model {inputs['package']}, "
        f"{what}, rulebooks {books}. Two briefs with the same fingerprint came from the "
        "same inputs."
    )


def footer(inputs: Mapping[str, Any]) -> str:
    """The stamp a printed page carries at its foot: the fingerprint and the version."""
    return f"Inputs fingerprint {fingerprint(inputs)} · jobcoach-model {inputs['package']}"


def write_manifest(
    folder: str | Path, inputs: Mapping[str, Any], made: dt.date | None = None
) -> Path:
    """``manifest.json`` in ``folder``: the inputs, their fingerprint and the day (written
    whole, atomically)."""
    from jobcoach_model.base.io import write_atomic

    data = {
        "fingerprint": fingerprint(inputs),
        **inputs,
        "made": (made or dt.date.today()).isoformat(),
    }
    text = json.dumps(data, indent=2, sort_keys=False) + "\n"
    path = Path(folder) / MANIFEST
    return write_atomic(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
