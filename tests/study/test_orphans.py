"""Killing the main process of a run or a sweep leaves no worker behind (issue 12, item 1).

A real kill: the run is a subprocess, its descendants are recorded once the
Dask workers are up, then the main process gets the signal and every recorded
descendant must be gone within a bounded time.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]
GONE_WITHIN_S = 20


def _start(args, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "minirg", *args, "--no-progress"],
                            cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _wait_for_workers(proc, n, timeout=90):
    """The process's descendants once ``n`` or more Dask worker processes run under it."""
    parent = psutil.Process(proc.pid)
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        kids = parent.children(recursive=True)
        workers = [k for k in kids if _is_spawned_python(k)]
        if len(workers) >= n:
            time.sleep(1.0)                  # let them start their tasks
            return parent.children(recursive=True)
        if proc.poll() is not None:
            pytest.fail(f"run ended (status {proc.returncode}) before its workers started")
        time.sleep(0.2)
    pytest.fail(f"no {n} workers after {timeout} s")


def _is_spawned_python(p):
    try:
        return "spawn_main" in " ".join(p.cmdline())
    except psutil.Error:
        return False


def _alive(procs):
    out = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


def _kill_and_check(proc, sig, tmp_path):
    kids = _wait_for_workers(proc, 2)
    os.kill(proc.pid, sig)
    t0 = time.monotonic()
    left = _alive(kids)
    while left and time.monotonic() - t0 < GONE_WITHIN_S:
        time.sleep(0.2)
        left = _alive(kids)
    try:
        proc.wait(GONE_WITHIN_S)
    finally:
        for p in _alive(kids):           # clean up before failing, by pid
            p.kill()
    assert not left, f"after {sig!r}: orphaned processes {[p.pid for p in left]}"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL],
                         ids=["SIGTERM", "SIGINT", "SIGKILL"])
def test_killed_run_leaves_no_workers(tmp_path, sig):
    proc = _start(["reproduce", "--preset", "smoke", "--set", "train.epochs=200",
                   "--set", "train.workers=2", "--L", "8", "--out", "run"], tmp_path)
    _kill_and_check(proc, sig, tmp_path)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL],
                         ids=["SIGTERM", "SIGINT", "SIGKILL"])
def test_killed_sweep_leaves_no_workers(tmp_path, sig):
    proc = _start(["sweep", "--preset", "smoke", "--seeds", "0,1", "--grid", "L=8",
                   "--workers", "2", "--set", "train.epochs=200", "--out", "sw"], tmp_path)
    _kill_and_check(proc, sig, tmp_path)
