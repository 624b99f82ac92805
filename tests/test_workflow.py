"""The reviewers' workflow is a valid GitHub Actions workflow and passes zizmor's audits
offline: least permissions, no persisted credentials, actions pinned by commit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
BIN = Path(sys.executable).parent


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_workflow_matches_the_github_workflow_schema():
    done = _run(
        str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_zizmor_finds_nothing_offline():
    done = _run(str(BIN / "zizmor"), "--offline", "--no-progress", str(WORKFLOW))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings" in done.stdout + done.stderr


def test_workflow_runs_make_test_on_both_pythons_and_uploads_briefs():
    flow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert flow["permissions"] == {"contents": "read"}
    job = flow["jobs"]["test"]
    assert job["strategy"]["matrix"]["python-version"] == ["3.11", "3.12"]
    steps = job["steps"]
    runs = [s.get("run", "") for s in steps]
    assert any(r.startswith("make test") for r in runs)
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["persist-credentials"] is False
    setup = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python@"))
    assert setup["with"]["cache"] == "pip"
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert "reports/" in upload["with"]["path"]
    for step in steps:
        if "uses" in step:  # pinned to a full commit, not a movable tag
            ref = step["uses"].split("@", 1)[1]
            assert len(ref) == 40 and all(c in "0123456789abcdef" for c in ref), step["uses"]
