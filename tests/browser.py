"""Debian's Chromium driven by playwright's Python package (never `playwright install`)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

#: Debian's chromium here; another Chromium-based browser where JOBCOACH_CHROMIUM names it
#: (the reviewers' workflow uses the runner's Google Chrome)
CHROMIUM = os.environ.get("JOBCOACH_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
#: the ceiling of every wait on a page (ms): a ceiling, never a pace, since each wait ends
#: as soon as what it waits for is there; generous, so a machine busy with other work
#: (a kernel simulating on a shared core) is never a failure
PATIENCE = 600_000


def browser_or_skip():
    """A launched browser, or a skip saying what is missing (make test installs both)."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Debian chromium is not installed (make test installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    pw = sync_api.sync_playwright().start()
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
    return pw, browser
