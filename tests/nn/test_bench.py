"""Smoke test of the benchmark's pieces (timings themselves are never tested)."""

import math

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
