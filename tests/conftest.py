"""Shared helpers: one valid case, coach and service line, and a way to adjudicate a
variation of them under either rulebook."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import settings

from jobcoach_model import adjudicate
from jobcoach_model.law.rulebook import load_rulebook

# In CI the generated examples are derived from each test (the same on every run), so a
# green or red CI means the same thing twice; locally each run explores new examples.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
FIGURES = SHARED / "reference" / "published_figures.md"

BASE_CASE = {
    "case_id": "C1",
    "authorized_from": "2026-03-01",
    "authorized_to": "2026-06-30",
    "authorized_hours": "100",
    "plan_approved_on": "2026-02-01",
    "with_placement": "false",
    "offsite_approved": "false",
    "concurrent_services": "",
    "withdrawal_notice_on": "",
    "reports_current": "true",
    "needs_customized_training": "true",
    "employer_can_train": "false",
    "stabilized_on": "2026-03-15",
}
BASE_COACH = {
    "coach_id": "K1",
    "hourly_rate": "40",
    "credential": "apse_certificate",
    "training_started_on": "",
    "w9_on_file": "true",
    "liability_insurance": "true",
    "independent": "true",
    "cco_approved": "false",
    "provider_id": "P1",
}
BASE_SERVICE = {
    "service_id": "S1",
    "case_id": "C1",
    "coach_id": "K1",
    "date": "2026-03-10",
    "hours": "2",
    "setting": "on_site",
    "consumer_present": "true",
    "group_size": "1",
    "service_code": "",
}


def fold(text: str) -> str:
    """Whitespace folded, and the seed's markdown escapes (``\\$``, ``**``) removed."""
    text = text.replace("\\$", "$").replace("**", "")
    return re.sub(r"\s+", " ", text).strip()


def judge(rules: str, case=None, coach=None, service=None, overrides=None, services=None):
    """Adjudicate the base records changed by the given fields; the result rows."""
    cases = pd.DataFrame([{**BASE_CASE, **(case or {})}])
    coaches = pd.DataFrame([{**BASE_COACH, **(coach or {})}])
    lines = services or [service or {}]
    frame = pd.DataFrame(
        [{**BASE_SERVICE, "service_id": f"S{i + 1}", **line} for i, line in enumerate(lines)]
    )
    return adjudicate(cases, coaches, frame, rules=rules, overrides=overrides)


def one(rules: str, **kwargs) -> dict:
    """The single result row for the base records changed by ``kwargs``."""
    return judge(rules, **kwargs).iloc[0].to_dict()


def assert_quote(rule_id: str, clause: str) -> None:
    """The rule ``rule_id`` cites ``clause`` (this is the clause the test checks)."""
    book = load_rulebook(rule_id.split("-")[0])
    assert fold(clause) in fold(book.rule(rule_id).reference.quote), rule_id


@pytest.fixture(scope="session")
def small_brief(tmp_path_factory) -> Path:
    """One brief of ``scenarios/small.yaml``, written once per test worker and only read
    by the tests that take it (a test that changes it works on a copy)."""
    from jobcoach_model.presentation.brief import make_brief

    out = tmp_path_factory.mktemp("small_brief")
    html = make_brief(ROOT / "scenarios" / "small.yaml", out, progress=False)
    assert html == out / "brief.html"  # the brief returns the page it wrote
    return out


@pytest.fixture
def base_records():
    return (
        pd.DataFrame([BASE_CASE]),
        pd.DataFrame([BASE_COACH]),
        pd.DataFrame([BASE_SERVICE]),
    )


def pytest_collection_modifyitems(items):
    """A test whose name spells a rule id with underscores (``test_IA_RATE_CAP_...``)
    is selected by that id too: ``pytest -k IA-RATE-CAP``. A stored notebook's cells
    (nbval, ``make test``) are marked ``notebook``, as a test that runs one is."""
    ids = [r.id for code in ("KS", "IA") for r in load_rulebook(code).rules]
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.notebook)
        for rule_id in ids:
            if rule_id.replace("-", "_") in item.name:
                item.extra_keyword_matches.add(rule_id)


#: test modules whose tests share an expensive module-scoped fixture (the notebook suite
#: on the small scenario, a built wheel, the baseline's sensitivity, a records brief): each
#: runs whole on one worker, so the fixture is built once
WHOLE_MODULES = (
    "tests/test_notebooks.py",
    "tests/test_packaging.py",
    "tests/test_sensitivity.py",
    "tests/test_records_brief.py",
)


@pytest.hookimpl(optionalhook=True)  # known only where pytest-xdist is loaded
def pytest_xdist_make_scheduler(config, log):
    """pytest-xdist's scope scheduler, with a notebook as the scope of its cells (they
    share one kernel, so a notebook runs whole and in order on one worker), a module of
    ``WHOLE_MODULES`` as the scope of its tests, and every other test a unit of its own.
    Larger units start first. (xdist_group with --dist loadgroup renames node ids, which
    pytest 9 no longer follows.)"""
    from xdist.scheduler import LoadScopeScheduling

    class NotebookScope(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return path if path.endswith(".ipynb") or path in WHOLE_MODULES else nodeid

    return NotebookScope(config, log)


@contextlib.contextmanager
def external_cluster(tmp_path: Path, workers: int = 2) -> Iterator[str]:
    """A Dask scheduler and ``workers`` single-threaded workers started as separate
    processes on 127.0.0.1 (as a user would with ``dask scheduler`` / ``dask worker``);
    yields the scheduler's address and stops both process groups, then checks they ended."""
    dask = Path(sys.executable).parent / "dask"
    info = tmp_path / "scheduler.json"
    common = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "start_new_session": True}
    scheduler = subprocess.Popen(
        [str(dask), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"]
        + ["--scheduler-file", str(info)],
        **common,
    )
    worker = None
    try:
        deadline = time.monotonic() + 60
        while not info.is_file() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(info.read_text())["address"]
        worker = subprocess.Popen(
            [str(dask), "worker", address, "--nthreads", "1", "--nworkers", str(workers)]
            + ["--no-dashboard", "--host", "127.0.0.1"],
            **common,
        )
        yield address
    finally:
        for proc in (worker, scheduler):
            if proc is not None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in (worker, scheduler):
            if proc is not None:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
    for proc in (worker, scheduler):
        assert proc is None or proc.poll() is not None
