"""Sweeps on Dask: an embedded LocalCluster, resume after a real kill, an external cluster."""

import csv
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import psutil
import pytest

from minirg import config
from minirg.study import sweep
from minirg.study.sweep import is_finished

ROOT = Path(__file__).resolve().parents[2]
# Tiny runs: most of their few seconds is drawing the report's figures.
TINY = ["data.n_critical=60", "data.n_wide=60", "data.n_wide_test=30", "data.n_grid=4",
        "data.grid_betas=[0.1,0.5,5]", "train.epochs=2", "train.ae_wr_epochs=2",
        "train.beta_net_epochs=2", "analysis.n_boot=20"]
OVERRIDES = [config.parse_assignment(t) for t in TINY]


def _results(path):
    return json.loads(Path(path, "results.json").read_text())


@pytest.fixture(scope="module")
def two_points(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep")
    summary = sweep(out, seeds=[0, 1], grid={"L": [4, 8]}, preset="smoke",
                    overrides=OVERRIDES, workers=2, progress=False)
    return out, summary


def test_each_run_is_a_run_directory_named_by_its_parameters(two_points):
    out, summary = two_points
    assert summary["failed"] == []
    dirs = sorted(r["dir"] for r in summary["runs"])
    assert dirs == ["runs/L=4/seed=0", "runs/L=4/seed=1", "runs/L=8/seed=0", "runs/L=8/seed=1"]
    for run in summary["runs"]:
        saved = _results(out / run["dir"])
        assert saved["config"]["L"] == run["params"]["L"]
        assert saved["config"]["seed"] == run["seed"]
        assert saved["worker"] == run["worker"]
        assert run["worker"].startswith("tcp://127.0.0.1:")
        assert (out / run["dir"] / "REPORT.md").exists()


def test_summary_aggregates_over_seeds_with_sample_std(two_points):
    out, summary = two_points
    saved = json.loads((out / "summary.json").read_text())
    assert set(saved) == {"runs", "points"}
    assert [p["params"] for p in saved["points"]] == [{"L": 4}, {"L": 8}]
    for point in saved["points"]:
        L = point["params"]["L"]
        vals = [_results(out / f"runs/L={L}/seed={s}")["losses"]["model1"]["val"] for s in (0, 1)]
        m = point["metrics"]["losses.model1.val"]
        assert m["n"] == 2
        assert m["mean"] == pytest.approx(np.mean(vals))
        assert m["std"] == pytest.approx(np.std(vals, ddof=1))
        assert m["sem"] == pytest.approx(np.std(vals, ddof=1) / np.sqrt(2))
        assert (m["min"], m["max"]) == (min(vals), max(vals))
        assert not any(k.startswith("histories.") for k in point["metrics"])
    rows = list(csv.DictReader((out / "summary.csv").open()))
    row = next(r for r in rows if r["L"] == "8" and r["metric"] == "losses.model1.val")
    assert float(row["std"]) == pytest.approx(saved["points"][1]["metrics"]["losses.model1.val"]["std"])


def test_study_md_has_error_bars_and_figures(two_points):
    out, _ = two_points
    text = (out / "STUDY.md").read_text()
    assert "+-1 sem over n seeds" in text
    assert "exact specific-heat peak" in text
    for name in ("crossings_vs_L", "flow_majority"):
        assert f"figures/{name}.png" in text
        assert (out / "figures" / f"{name}.png").stat().st_size > 0


def test_rerun_skips_finished_runs(two_points):
    out, summary = two_points
    stamps = {r["dir"]: (out / r["dir"] / "results.json").stat().st_mtime_ns
              for r in summary["runs"]}
    again = sweep(out, seeds=[0, 1], grid={"L": [4, 8]}, preset="smoke",
                  overrides=OVERRIDES, workers=2, progress=False)
    assert again["runs"] == summary["runs"]
    for d, stamp in stamps.items():
        assert (out / d / "results.json").stat().st_mtime_ns == stamp


def _env():
    return dict(os.environ, PYTHONPATH=str(ROOT))


def test_resume_after_a_killed_sweep(two_points, tmp_path):
    """SIGKILL the sweep once its first run is done: no worker survives, a rerun
    keeps the finished run and completes the other with the same numbers."""
    ref, _ = two_points
    args = [sys.executable, "-m", "minirg", "sweep", "--preset", "smoke", "--seeds", "0,1",
            "--grid", "L=4", "--workers", "1", "--out", str(tmp_path), "--no-progress"]
    for t in TINY:
        args += ["--set", t]
    proc = subprocess.Popen(args, env=_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    dirs = [tmp_path / f"runs/L=4/seed={s}" for s in (0, 1)]
    t0 = time.monotonic()
    while not any(is_finished(d) for d in dirs):   # one worker: runs go one at a time
        assert proc.poll() is None and time.monotonic() - t0 < 120, "no run ever finished"
        time.sleep(0.1)
    kids = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    _, alive = psutil.wait_procs(kids, timeout=20)
    for p in alive:
        p.kill()
    assert not alive, "worker processes outlived the killed sweep"
    finished = [d for d in dirs if is_finished(d)]
    assert len(finished) == 1, "the kill came too late: both runs had finished"
    first = finished[0] / "results.json"
    stamp = first.stat().st_mtime_ns
    summary = sweep(tmp_path, seeds=[0, 1], grid={"L": [4]}, preset="smoke",
                    overrides=OVERRIDES, workers=1, progress=False)
    assert first.stat().st_mtime_ns == stamp
    assert [r["dir"] for r in summary["runs"]] == ["runs/L=4/seed=0", "runs/L=4/seed=1"]
    for s in (0, 1):
        assert (_results(tmp_path / f"runs/L=4/seed={s}")["losses"]
                == _results(ref / f"runs/L=4/seed={s}")["losses"])


def _stop(proc):
    """Stop a process we started, by its id: SIGTERM, then SIGKILL."""
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def _kill_worker_once_started(worker, run_dir, killed):
    """SIGKILL the worker process under ``worker`` (a `dask worker` nanny) once
    ``run_dir`` has its config: the run dies mid-way, the nanny starts a new worker."""
    t0 = time.monotonic()
    while not (run_dir / "config.json").exists():
        if time.monotonic() - t0 > 120:
            return
        time.sleep(0.05)
    for child in psutil.Process(worker.pid).children():
        child.kill()
        killed.append(child.pid)


def test_sweep_on_an_external_scheduler_survives_a_dead_worker(two_points, tmp_path):
    from distributed import Client
    ref, _ = two_points
    file = tmp_path / "scheduler.json"
    quiet = dict(env=_env(), cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    scheduler = subprocess.Popen(["dask", "scheduler", "--host", "127.0.0.1", "--port", "0",
                                  "--no-dashboard", "--scheduler-file", str(file)], **quiet)
    worker, killed = None, []
    try:
        t0 = time.monotonic()
        while not file.exists():
            assert time.monotonic() - t0 < 60, "dask scheduler did not start"
            time.sleep(0.2)
        address = json.loads(file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        worker = subprocess.Popen(["dask", "worker", address, "--host", "127.0.0.1",
                                   "--nworkers", "1", "--nthreads", "1", "--no-dashboard"],
                                  **quiet)
        with Client(address, timeout="30s") as c:
            c.wait_for_workers(1, timeout=60)
        killer = threading.Thread(target=_kill_worker_once_started,
                                  args=(worker, tmp_path / "out/runs/L=4/seed=1", killed))
        killer.start()
        summary = sweep(tmp_path / "out", seeds=[1], grid={"L": [4]}, preset="smoke",
                        overrides=OVERRIDES, scheduler=address, progress=False)
        killer.join()
        with Client(address, timeout="30s") as c:
            workers = set(c.scheduler_info()["workers"])
    finally:
        for p in (worker, scheduler):
            if p is not None:
                _stop(p)
    assert killed, "the worker was never killed"
    assert summary["failed"] == [] and len(summary["runs"]) == 1
    assert summary["runs"][0]["worker"] in workers       # the worker that replaced it
    # run again after its worker died, with the numbers of an undisturbed run
    assert (_results(tmp_path / "out/runs/L=4/seed=1")["losses"]
            == _results(ref / "runs/L=4/seed=1")["losses"])
