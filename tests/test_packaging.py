"""Installed from its wheel, the package carries its notebooks and scenarios: a brief of a
bundled scenario by name, from an unrelated folder, with ``python -m jobcoach_model``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

# the wheel runs a brief, the notebook suite and the explorer: the full tier (make test)
pytestmark = pytest.mark.notebook

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "setup.py", "README.md", "jobcoach_model", "notebooks", "scenarios")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The wheel built from a copy of the sources and installed into its own folder."""
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    src.mkdir()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(path, src / name)
    dist = work / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation",
         "--quiet", "-w", str(dist)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    [wheel] = dist.glob("jobcoach_model-*.whl")
    target = work / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(target),
         str(wheel)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return wheel, target, work


def _run(target: Path, cwd: Path, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(target)}
    return subprocess.run(
        [sys.executable, "-m", "jobcoach_model", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def test_the_wheel_carries_notebooks_scenarios_and_examples(installed):
    wheel, _, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in (
        "jobcoach_model/notebooks/cost_brief.ipynb",
        "jobcoach_model/notebooks/06_sensitivity.ipynb",
        "jobcoach_model/scenarios/baseline.yaml",
        "jobcoach_model/examples/services.csv",
        "jobcoach_model/rulebooks/ia/parameters.yaml",
        "jobcoach_model/templates/offline/index.html.j2",
    ):
        assert name in names, name


def test_installed_package_is_the_wheel_not_the_checkout(installed):
    _, target, work = installed
    done = subprocess.run(
        [sys.executable, "-c", "import jobcoach_model, sys; print(jobcoach_model.__file__)"],
        cwd=work, env={**os.environ, "PYTHONPATH": str(target)}, capture_output=True, text=True,
    )  # fmt: skip
    assert done.stdout.strip().startswith(str(target)), done.stdout + done.stderr


def test_brief_of_a_bundled_scenario_from_an_unrelated_folder(installed):
    _, target, work = installed
    elsewhere = work / "elsewhere"
    elsewhere.mkdir()
    done = _run(
        target, elsewhere, "brief", "small", "--quiet", "--set", "simulation.replications=3"
    )
    assert done.returncode == 0, done.stderr
    html = Path(done.stdout.strip())
    assert html == (elsewhere / "reports" / "small" / "brief.html").resolve()
    assert "job-coaching rules would cost: small" in html.read_text()


def test_scenarios_init_example_and_notebooks_from_the_wheel(installed):
    _, target, work = installed
    here = work / "user"
    here.mkdir()
    listed = _run(target, here, "scenarios")
    assert listed.returncode == 0 and "baseline" in listed.stdout and "small" in listed.stdout
    init = _run(target, here, "init", "project")
    assert init.returncode == 0, init.stderr
    assert (here / "project" / "scenarios" / "baseline.yaml").is_file()
    assert (here / "project" / "notebooks" / "cost_brief.ipynb").is_file()
    example = _run(target, here, "example")
    assert example.returncode == 0, example.stderr
    assert (here / "reports" / "example" / "example_KS.csv").is_file()
    # the installed notebooks are never written in place: executed copies land here
    # the small scenario at 3 replications, 06's Sobol at N = 16 and 20 joint draws: the
    # mechanism (every notebook of the wheel runs into ./notebooks) is the same as at the
    # defaults
    suite = _run(
        target, here, "notebooks", "--scenario", "small", "--quiet",
        "--param", "replications=3", "--param", "sobol_n=16", "--param", "workers=0",
        "--param", "draws=20", timeout=600,
    )  # fmt: skip
    assert suite.returncode == 0, suite.stderr
    assert (here / "notebooks" / "cost_brief.ipynb").is_file()
    assert (here / "notebooks" / "06_sensitivity.ipynb").is_file()
    assert not list((target / "jobcoach_model" / "notebooks").glob(".*"))


def test_explore_from_the_wheel_serves_the_bundled_notebook(installed):
    import signal
    import socket
    import time
    import urllib.request

    _, target, work = installed
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "jobcoach_model", "explore", "--port", str(port)],
        cwd=work, env={**os.environ, "PYTHONPATH": str(target)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=120) as page:
            body = page.read().decode()
        assert page.status == 200
        assert "voila" in body.lower()
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
