"""Smoke test of the benchmark's pieces (timings themselves are never tested)."""

import math

import numpy as np

import pytest

from minirg.bench import nn as bench


@pytest.mark.parametrize("case", ["autoencoder", "beta-net"])
def test_benchmark_step_runs(case):
    step = bench.minirg_step(case, 2, "cpu")
    assert math.isfinite(step())
    (ms,) = bench.interleaved_ms([step], warmup=1, repeat=2, rounds=2, pause=0)
    assert ms > 0


def test_benchmark_rejects_missing_device(monkeypatch, capsys):
    def no_gpu(device):
        raise ValueError("device 'gpu' asked for, but CuPy sees no CUDA device")
    monkeypatch.setattr(bench, "namespace_for", no_gpu)
    assert bench.main(["--device", "gpu"]) == 2
    assert "no CUDA device" in capsys.readouterr().out


@pytest.mark.parametrize("case", ["autoencoder", "beta-net"])
def test_phases_make_one_training_step(case):
    """Phase by phase is the same computation as train_step: same weights after."""
    from minirg.nn import train_step
    forward, backward, update = bench.minirg_phases(case, 3, "cpu")
    ms = bench.phase_ms([forward, backward, update], warmup=1, repeat=3)
    assert len(ms) == 3 and all(t > 0 for t in ms)
    model, x, y, loss, opt = bench._minirg_setup(case, 3, "cpu")
    for _ in range(4):
        train_step(model, x, y, loss, opt)
    for a, b in zip(update.model.layers, model.layers):
        assert np.array_equal(a.W, b.W)


def test_the_pause_between_rounds_keeps_the_cpu_busy():
    """The benchmark's pause spins (a sleep would let the CPU idle: see interleaved_ms)."""
    import time
    from minirg.bench._timing import spin
    wall, cpu = time.perf_counter(), time.process_time()
    spin(0.05)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert wall >= 0.05
    assert cpu >= 0.01          # time.sleep(0.05) uses ~0 CPU time
