"""The numba fast path agrees bit for bit with the array-API reference path."""

import numpy as np
import pytest

from minirg._backend import to_numpy
from minirg.nn import Adam, Dense, Sequential, _fast, hinge
from minirg.nn.train import train_step


def _train(enabled, monkeypatch, dtype, xp=None, steps=6):
    monkeypatch.setattr(_fast, "ENABLED", enabled)
    rng = np.random.default_rng(5)
    model = Sequential([Dense(12, 6, bias=False, l1=1e-3, rng=rng, dtype=dtype),
                        Dense(6, 4, "tanh", l1=1e-3, rng=rng, dtype=dtype),
                        Dense(4, 12, "relu", rng=rng, dtype=dtype)])
    model.layers[0].W[0, :3] = 0  # exercise sign(0) = 0 in the L1 gradient
    model.to(xp)
    x = model.xp.asarray(rng.choice(np.array([-1, 1], dtype), (9, 12)))
    opt, trace, W0 = Adam(lr=0.05), [], model.layers[0].W
    for _ in range(steps):
        data, penalty = train_step(model, x, x, hinge, opt)
        trace.append((float(data), float(penalty)))
    if xp is None:
        assert (model.layers[0].W is W0) == enabled  # the fast path updates in place
    return model, opt, trace


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fast_path_is_bit_identical_to_reference(monkeypatch, dtype):
    fast, opt_f, trace_f = _train(True, monkeypatch, dtype)
    ref, opt_r, trace_r = _train(False, monkeypatch, dtype)
    for a, b in zip(fast.layers, ref.layers):
        assert np.array_equal(a.W, b.W)
        assert (a.b is None and b.b is None) or np.array_equal(a.b, b.b)
    for key in opt_f.m:
        assert np.array_equal(opt_f.m[key], opt_r.m[key])
        assert np.array_equal(opt_f.v[key], opt_r.v[key])
    # penalties are summed differently (float64 kernel vs NumPy), so only close
    np.testing.assert_allclose(trace_f, trace_r, rtol=1e-6)


def test_fast_paths_match_reference_on_every_backend(xp, monkeypatch):
    """On CuPy this checks the fused CUDA kernels (float rounding may differ)."""
    fast, _, trace_f = _train(True, monkeypatch, np.float32, xp)
    ref, _, trace_r = _train(False, monkeypatch, np.float32, xp)
    for a, b in zip(fast.layers, ref.layers):
        np.testing.assert_allclose(to_numpy(a.W), to_numpy(b.W), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(trace_f, trace_r, rtol=1e-5)


def test_fast_path_updates_in_place_and_only_numpy():
    W = np.ones((2, 2), np.float32)
    assert _fast.usable(W, W)
    assert not _fast.usable(W, W.astype(np.float64))
    assert not _fast.usable(np.ones((4, 4), np.float32)[:, ::2])
    assert not _fast.usable([1.0])


def test_abs_sum(rng):
    W = rng.normal(size=(37, 11)).astype(np.float32)
    assert _fast.abs_sum(W) == pytest.approx(np.abs(W.astype(np.float64)).sum(), rel=1e-12)
