"""Processes we start stop when we stop: `jobcoach explore` and its kernels under SIGTERM,
SIGINT and SIGHUP; a brief stopped mid-run; and the explorer's limits (loopback Host
headers only, a cap on live sessions, Export inside its folder)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest
from test_explorer import _free_port, _wait_for_port

from jobcoach_model.explorer.panel import Explorer

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "scenarios" / "small.yaml"


def _jobcoach(*args: str, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "jobcoach_model", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # signals reach only the command, as from `kill PID`
    )


def _get(port: int, host: str | None = None, timeout: float = 120) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/")
    if host:
        request.add_header("Host", host)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def _kernels(root: psutil.Process) -> list[psutil.Process]:
    return [p for p in root.children(recursive=True) if "ipykernel" in " ".join(p.cmdline())]


def _wait_for(predicate, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _gone(procs: list[psutil.Process]) -> list[psutil.Process]:
    left = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                left.append(p)
        except psutil.NoSuchProcess:
            pass
    return left


@pytest.mark.notebook
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_explore_stops_its_server_and_every_kernel(tmp_path, sig):
    port = _free_port()
    proc = _jobcoach("explore", "--port", str(port), "--export-dir", str(tmp_path), cwd=tmp_path)
    try:
        _wait_for_port(port, proc, 120)
        assert _get(port) == 200  # a page load starts a kernel
        root = psutil.Process(proc.pid)
        assert _wait_for(lambda: len(_kernels(root)) == 1)
        family = root.children(recursive=True)
        assert len(family) >= 2  # the server and its kernel
        os.kill(proc.pid, sig)
        proc.wait(timeout=60)
        assert _wait_for(lambda: not _gone(family), 30), _gone(family)
        err = proc.stderr.read().strip().splitlines()
        assert err and "stopped (" in err[-1]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def _explore(tmp_path: Path, sessions: int) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    proc = _jobcoach(
        "explore", "--port", str(port), "--max-sessions", str(sessions),
        "--export-dir", str(tmp_path), cwd=tmp_path,
    )  # fmt: skip
    _wait_for_port(port, proc, 120)
    return proc, port


@pytest.mark.notebook
def test_explore_serves_loopback_hosts_only_and_caps_its_sessions(tmp_path):
    proc, port = _explore(tmp_path, 2)
    try:
        root = psutil.Process(proc.pid)
        assert _get(port, host="attacker.example") == 403  # DNS rebinding: refused
        assert _get(port, host=f"attacker.example:{port}") == 403
        assert _get(port, host=f"localhost:{port}") == 200
        assert _get(port, host=f"127.0.0.1:{port}") == 200
        assert _get(port) == 503  # the third session: over the cap
        assert len(_kernels(root)) == 2
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)


@pytest.mark.notebook
def test_explore_cap_holds_under_simultaneous_page_loads(tmp_path):
    """Three loads at once with --max-sessions 1: one kernel, two 503s (the count of
    kernels still starting is checked with the cap)."""
    from concurrent.futures import ThreadPoolExecutor

    proc, port = _explore(tmp_path, 1)
    try:
        root = psutil.Process(proc.pid)
        with ThreadPoolExecutor(3) as pool:
            codes = sorted(pool.map(lambda _: _get(port), range(3)))
        assert codes == [200, 503, 503]
        assert len(_kernels(root)) == 1
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)


def test_export_writes_only_inside_its_folder(tmp_path):
    inside = tmp_path / "exports"
    inside.mkdir()
    ex = Explorer(debounce=0, export_dir=inside)
    for bad in (tmp_path / "outside.yaml", inside / ".." / "escape.yaml", inside / "x.py"):
        ex.export_path.value = str(bad)
        assert ex.export() is None
        assert "jc-export-refused" in ex.export_note.value
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == []
    ex.export_path.value = "mine.yaml"  # relative: inside the folder
    assert ex.export() == (inside / "mine.yaml").resolve()


@pytest.mark.notebook
def test_a_brief_stopped_midway_keeps_the_previous_one_and_no_kernel(tmp_path):
    out = tmp_path / "brief"
    first = _jobcoach("brief", str(SMALL), "--out", str(out), "--quiet", cwd=tmp_path)
    assert first.wait(timeout=300) == 0, first.stderr.read()
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    proc = _jobcoach("brief", str(SMALL), "--out", str(out), "--quiet", cwd=tmp_path)
    root = psutil.Process(proc.pid)
    assert _wait_for(lambda: len(_kernels(root)) == 1, 120)
    time.sleep(1.0)  # the kernel is running cells
    family = root.children(recursive=True)
    os.kill(proc.pid, signal.SIGINT)
    assert proc.wait(timeout=60) == 130
    err = proc.stderr.read().strip().splitlines()
    assert len(err) == 1 and "stopped (SIGINT)" in err[0], err
    assert _wait_for(lambda: not _gone(family), 30), _gone(family)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


@pytest.mark.notebook
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_brief_stopped_while_its_workers_run_leaves_no_process(tmp_path, sig):
    """``brief --workers 2``: the kernel's local cluster (a scheduler in the kernel, a
    nanny and a worker process each) stops with the brief, whatever signal ends it."""
    out = tmp_path / "brief"
    proc = _jobcoach(
        "brief", str(SMALL), "--out", str(out), "--quiet", "--workers", "2", cwd=tmp_path
    )
    root = psutil.Process(proc.pid)

    def workers() -> list[psutil.Process]:
        return [
            p
            for p in root.children(recursive=True)
            if "multiprocessing" in " ".join(p.cmdline()) or "spawn_main" in " ".join(p.cmdline())
        ]

    assert _wait_for(lambda: len(workers()) >= 2, 180), root.children(recursive=True)
    family = root.children(recursive=True)
    os.kill(proc.pid, sig)
    assert proc.wait(timeout=60) != 0
    err = proc.stderr.read().strip().splitlines()
    assert len(err) == 1 and "stopped" in err[0], err
    assert _wait_for(lambda: not _gone(family), 30), [p.cmdline() for p in _gone(family)]
    # the folder holds only its marker (this tool's folder): no brief, nothing partial
    assert [p.name for p in out.iterdir()] == [".jobcoach-output"]
