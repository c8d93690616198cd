"""The accelerated optimizer step agrees with the array-API reference:
bit for bit on the CPU (numba), within a stated ulp bound on CuPy."""

import numpy as np
import pytest

from minirg._backend import to_numpy
from minirg.nn import Adam, Dense, Sequential, accel, hinge
from minirg.nn.train import train_step


def _train(enabled, monkeypatch, dtype, xp=None, steps=6):
    monkeypatch.setattr(accel, "ENABLED", enabled)
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


def test_kernels_are_chosen_only_for_matching_numpy_or_cupy_arrays(monkeypatch):
    W = np.ones((2, 2), np.float32)
    assert accel.kernels_for(W, W) is not None
    assert accel.kernels_for(W, W.astype(np.float64)) is None
    assert accel.kernels_for(np.ones((4, 4), np.float32)[:, ::2]) is None
    assert accel.kernels_for(W.astype(np.int32)) is None
    assert accel.kernels_for([1.0]) is None
    monkeypatch.setattr(accel, "ENABLED", False)
    assert accel.kernels_for(W, W) is None


def _one_step(enabled, monkeypatch, p, g, lam, steps=3, xp=np):
    """Adam steps on one tensor with the L1 term; (p, m, v, penalties) as NumPy."""
    monkeypatch.setattr(accel, "ENABLED", enabled)
    layer = Dense(*p.shape, bias=False, l1=lam, dtype=p.dtype).to(xp)
    layer.W = xp.asarray(p.copy())
    opt, penalties = Adam(lr=0.01), []
    for k in range(steps):
        layer.dW = xp.asarray(g * (k + 1) - 0.1 * k)
        penalties.append(float(opt.step([layer], add_l1=True)))
    return (to_numpy(layer.W), to_numpy(opt.m["0.W"]), to_numpy(opt.v["0.W"]), penalties)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, lam", [((3000, 7), 1e-3), ((5, 3), 0.5), ((40, 60), 0.0)])
def test_fused_step_is_bit_identical_to_reference(monkeypatch, rng, dtype, shape, lam):
    """Sizes below, at and above a kernel block; W = 0 entries hit sign(0) = 0."""
    p = rng.normal(size=shape).astype(dtype)
    p.reshape(-1)[::7] = 0
    g = rng.normal(size=shape).astype(dtype)
    fast = _one_step(True, monkeypatch, p, g, lam)
    ref = _one_step(False, monkeypatch, p, g, lam)
    for a, b in zip(fast[:3], ref[:3]):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    # The penalty is a float64 sum in another order (blocks vs NumPy's pairwise sum):
    # equal up to float64 rounding, never fed back into the weights.
    np.testing.assert_allclose(fast[3], ref[3], rtol=1e-12)
    if lam:
        assert fast[3][0] == pytest.approx(lam * np.abs(p.astype(np.float64)).sum(), rel=1e-12)


@pytest.mark.gpu
def test_cupy_step_is_within_4_ulp_of_reference(monkeypatch, rng):
    """nvcc fuses multiply-adds (one rounding instead of two per a * b + c), so
    each of W, m, v lies within 4 float32 ulps of the reference, with the ulp
    taken at the array's largest magnitude (m can cancel to ~0, where a
    relative ulp bound would mean nothing)."""
    cupy = pytest.importorskip("cupy")
    from minirg._backend import gpu_available
    if not gpu_available():
        pytest.skip("no CUDA device")
    import array_api_compat.cupy as cp
    assert cupy is not None
    p = rng.normal(size=(3000, 7)).astype(np.float32)
    p.reshape(-1)[::7] = 0
    g = rng.normal(size=(3000, 7)).astype(np.float32)
    gpu = _one_step(True, monkeypatch, p, g, 1e-3, xp=cp)
    ref = _one_step(False, monkeypatch, p, g, 1e-3)
    for a, b in zip(gpu[:3], ref[:3]):
        assert np.max(np.abs(a - b)) <= 4 * np.spacing(np.max(np.abs(b)))
    np.testing.assert_allclose(gpu[3], ref[3], rtol=1e-12)


@pytest.mark.parametrize("shape", [(3, 5), (1024, 512), (1025, 512)])
def test_moment_storage_is_zeros_of_the_same_layout(shape):
    """Adam's moments on the CPU: zeros, same shape and dtype, writeable, C-contiguous,
    their own memory; from 2 MiB up they start on a 2 MiB (huge page) boundary."""
    import mmap
    from minirg.nn import _numba
    p = np.ones(shape, np.float32)
    a, b = _numba.zeros_like(p), _numba.zeros_like(p)
    assert a.shape == p.shape and a.dtype == p.dtype and not a.any()
    assert a.flags.writeable and a.flags.c_contiguous and not np.shares_memory(a, b)
    a[...] = 1
    assert not b.any()
    if p.nbytes >= _numba.HUGE_PAGE and hasattr(mmap, "MADV_HUGEPAGE"):
        assert a.ctypes.data % _numba.HUGE_PAGE == 0


def test_adam_moments_survive_a_state_round_trip_in_moment_storage():
    from minirg.nn import _numba
    rng = np.random.default_rng(0)
    model = Sequential([Dense(1024, 512, bias=False, l1=1e-5, rng=rng)])
    x = rng.choice(np.array([-1, 1], np.float32), (4, 1024))
    opt = Adam()
    train_step(model, x, x[:, :512], hinge, opt)
    restored = Adam().load_state_dict(opt.state_dict())
    for key in opt.m:
        for got, want in ((restored.m[key], opt.m[key]), (restored.v[key], opt.v[key])):
            assert np.array_equal(got, want) and got.flags.writeable
            if hasattr(__import__("mmap"), "MADV_HUGEPAGE"):
                assert got.ctypes.data % _numba.HUGE_PAGE == 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_hinge_kernel_is_bit_identical_to_the_reference(monkeypatch, dtype):
    """Margins above, at and below zero, and NaN/inf predictions."""
    rng = np.random.default_rng(3)
    y = rng.choice(np.array([-1, 1], dtype), (7, 33))
    y_pred = (rng.standard_normal((7, 33)) * 2).astype(dtype)
    y_pred[0, :4] = y[0, :4]                        # margin exactly 0
    y_pred[1, :3] = [np.nan, np.inf, -np.inf]
    fast = hinge(y_pred, y)
    monkeypatch.setattr(accel, "ENABLED", False)
    ref = hinge(y_pred, y)
    np.testing.assert_array_equal(fast[1], ref[1])
    assert fast[1].dtype == ref[1].dtype == dtype
    np.testing.assert_array_equal(fast[0], ref[0])   # NaN == NaN here
    monkeypatch.setattr(accel, "ENABLED", True)
    ok = y_pred.copy()
    ok[1, :3] = 0
    assert float(hinge(ok, y)[0]) == float(ref_value(ok, y))


def ref_value(y_pred, y):
    return np.mean(np.maximum(0, 1 - y * y_pred))
