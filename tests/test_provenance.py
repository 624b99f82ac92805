"""What a brief was made from (issue 31): a manifest beside every brief, equal
fingerprints for equal inputs, a different one when a rule, a value or a file changes,
and a PDF whose text carries the answer, page numbers and the fingerprint."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from jobcoach_model.caseloads import provenance as pv
from jobcoach_model.caseloads.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "scenarios" / "small.yaml"


def test_equal_inputs_give_equal_fingerprints_and_a_change_does_not(tmp_path):
    a, b = pv.provenance(load_scenario(SMALL)), pv.provenance(load_scenario(SMALL))
    assert pv.fingerprint(a) == pv.fingerprint(b) and len(pv.fingerprint(a)) == 16
    # the same content in another file, reformatted, hashes the same
    copy = tmp_path / "copy.yaml"
    copy.write_text("# a comment\n" + SMALL.read_text(encoding="utf-8").replace(": ", ":  "))
    assert pv.provenance(load_scenario(copy))["scenario_hash"] == a["scenario_hash"]
    seeded = pv.provenance(load_scenario(SMALL, {"simulation.seed": "8"}))
    assert pv.fingerprint(seeded) != pv.fingerprint(a) and seeded["seed"] == 8
    assert set(a["rulebooks"]) == {"KS", "IA"} and a["package"] != "unknown"


def test_a_rulebook_hash_covers_every_file_of_its_folder(tmp_path, monkeypatch):
    folder = tmp_path / "ks"
    shutil.copytree(pv.RULEBOOK_DIR / "ks", folder, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(pv, "RULEBOOK_DIR", tmp_path)
    before = pv.rulebook_hash("KS")
    assert before == pv.rulebook_hash("KS")
    text = (folder / "parameters.yaml").read_text(encoding="utf-8")
    (folder / "parameters.yaml").write_text(text.replace("value: 40.00", "value: 40.01"))
    assert pv.rulebook_hash("KS") != before


def test_the_manifest_holds_the_inputs_their_fingerprint_and_the_day(tmp_path):
    import datetime as dt

    inputs = pv.provenance(load_scenario(SMALL))
    path = pv.write_manifest(tmp_path, inputs, made=dt.date(2026, 12, 5))
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["fingerprint"] == pv.fingerprint(inputs) and data["made"] == "2026-12-05"
    assert data["scenario"] == "small" and data["seed"] == 7
    said = pv.stamp(inputs)
    assert said.startswith(f"Inputs fingerprint {data['fingerprint']}") and "seed 7" in said


def test_a_records_run_is_fingerprinted_by_its_files_not_their_paths(tmp_path):
    ex = ROOT / "jobcoach_model" / "examples"
    files = {n: ex / f"{n}.csv" for n in ("cases", "coaches", "services")}
    moved = {}
    for n, p in files.items():
        moved[n] = tmp_path / f"{n}.csv"
        shutil.copy(p, moved[n])
    a = pv.records_provenance(files, ["KS", "IA"])
    assert pv.fingerprint(a) == pv.fingerprint(pv.records_provenance(moved, ["IA", "KS"]))
    moved["services"].write_text(moved["services"].read_text() + "\n")
    assert pv.fingerprint(a) != pv.fingerprint(pv.records_provenance(moved, ["KS", "IA"]))


@pytest.mark.notebook
@pytest.mark.browser
def test_brief_pdf_carries_the_answer_page_numbers_and_the_fingerprint(small_brief, tmp_path):
    """``--pdf``: the same page printed by Chromium; pdftotext finds the opening paragraph,
    "Page 1 of N" and the manifest's fingerprint; two briefs of the same inputs have the
    same fingerprint."""
    from jobcoach_model.presentation.brief import make_brief
    from jobcoach_model.presentation.pdf import to_pdf

    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed: make chromium installs it")
    manifest = json.loads((small_brief / "manifest.json").read_text(encoding="utf-8"))
    inputs = {k: v for k, v in manifest.items() if k not in ("fingerprint", "made")}
    pdf = to_pdf(small_brief / "brief.html", tmp_path / "brief.pdf", pv.footer(inputs))
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    assert "The answer. Paying for job coaching for this caseload of 150 consumers" in flat
    assert "under Kansas's rules (Kansas hourly) $" in flat
    pages = int(flat.split("Page 1 of ")[1].split()[0])
    assert pages > 3 and f"Page {pages} of {pages}" in flat
    # every page's footer, and the appendix's own line
    assert flat.count(f"Inputs fingerprint {manifest['fingerprint']}") == pages + 1
    again = make_brief(SMALL, tmp_path / "again", progress=False, pdf=True)
    second = json.loads((again.parent / "manifest.json").read_text(encoding="utf-8"))
    assert second["fingerprint"] == manifest["fingerprint"]
    assert (again.parent / "brief.pdf").read_bytes().startswith(b"%PDF")


def test_every_output_folder_carries_a_manifest_equal_for_equal_inputs(tmp_path, capsys):
    """simulate, sensitivity, uncertainty and sweep folders hold manifest.json; two runs
    of the same inputs have the same fingerprint, another seed another."""
    from jobcoach_model.cli import main

    small = ["--set", "simulation.replications=2", "--set", "caseload.consumers=30"]
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(f"scenario: {SMALL}\ngrid:\n  simulation.replications: [2]\n")
    runs = {
        "simulate": ["simulate", str(SMALL), *small],
        "sensitivity": ["sensitivity", str(SMALL), *small, "--replications", "1",
                        "--workers", "0", "--quiet"],
        "uncertainty": ["uncertainty", str(SMALL), *small, "--draws", "4", "--workers", "0",
                        "--quiet"],
        "sweep": ["sweep", str(sweep), "--workers", "0", "--quiet"],
    }  # fmt: skip
    prints = {}
    for name, args in runs.items():
        for k in (1, 2):
            assert main([*args, "--out", str(tmp_path / f"{name}{k}")]) == 0, name
        first, second = (
            json.loads((tmp_path / f"{name}{k}" / "manifest.json").read_text()) for k in (1, 2)
        )
        assert first["fingerprint"] == second["fingerprint"], name
        prints[name] = first["fingerprint"]
    assert (
        main([*runs["simulate"], "--set", "simulation.seed=9", "--out", str(tmp_path / "s9")]) == 0
    )
    other = json.loads((tmp_path / "s9" / "manifest.json").read_text())
    assert other["fingerprint"] != prints["simulate"] and other["seed"] == 9
    capsys.readouterr()
