"""Processes we start stop when we stop: a child and everything it started.

A server such as Voilà starts kernels of its own; if the server is killed, its kernels
live on. ``stop_tree`` notes every descendant first, asks the child to stop (so it can shut
its kernels down cleanly), and then ends whatever is still running.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess

import psutil


def stop_tree(proc: subprocess.Popen, grace: float = 15.0) -> None:
    """Stop ``proc`` and all its descendants: SIGTERM, ``grace`` seconds to exit, then
    SIGTERM to any descendant left and SIGKILL after a few seconds more."""
    try:
        family = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        family = []
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    alive = []
    for p in family:
        with contextlib.suppress(psutil.NoSuchProcess):
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                alive.append(p)
    for p in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.terminate()
    _, alive = psutil.wait_procs(alive, timeout=5)
    for p in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()
    psutil.wait_procs(alive, timeout=5)
