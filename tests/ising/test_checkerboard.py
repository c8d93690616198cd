"""The array-API checkerboard Metropolis (the GPU sampler and CPU baseline) on NumPy,
array-api-strict and, where present, CuPy."""

import numpy as np
import pytest

from minirg._backend import to_numpy
from minirg.ising import energy, exact_energy, mean_error, metropolis_sweep
from minirg.ising.checkerboard import checkerboard_sweeps, sample_checkerboard, uniform_source


class _Replay:
    """A uniform source returning pre-drawn uniforms, colour by colour."""

    def __init__(self, xp, u):
        self.xp, self.u, self.k = xp, u, 0

    def __call__(self, shape):
        out = self.xp.asarray(self.u[self.k])
        self.k += 1
        return out


def test_matches_reference_on_same_uniforms(rng, xp):
    n, L, beta = 3, 6, 0.44
    spins = rng.choice(np.array([-1, 1], np.int8), size=(n, L, L))
    u = rng.random((2, n, L, L)).astype(np.float32)          # one draw per colour
    got = to_numpy(checkerboard_sweeps(xp.asarray(spins), beta, 1, _Replay(xp, u)))
    odd = np.add.outer(np.arange(L), np.arange(L)) % 2 == 1
    for k in range(n):
        per_site = np.where(odd, u[1, k], u[0, k])            # site (i, j) uses its colour's draw
        want = metropolis_sweep(spins[k].copy(), beta, per_site)
        np.testing.assert_array_equal(got[k], want)


def test_same_code_gives_same_result_on_every_backend(rng, xp):
    spins = rng.choice(np.array([-1, 1], np.int8), size=(4, 8, 8))
    u = rng.random((10, 4, 8, 8)).astype(np.float32)
    ref = checkerboard_sweeps(spins, 0.3, 5, _Replay(np, u))
    got = checkerboard_sweeps(xp.asarray(spins), 0.3, 5, _Replay(xp, u))
    np.testing.assert_array_equal(to_numpy(got), ref)


@pytest.mark.slow
@pytest.mark.parametrize("beta", [0.3, 0.4352, 0.6])
def test_cpu_run_matches_exact_energy(beta):
    spins = sample_checkerboard(8, beta, 4000, seed=1, device="cpu", batch=1000)
    assert spins.shape == (4000, 8, 8) and spins.dtype == np.int8
    mean, err = mean_error(energy(spins), tau=0.5)
    assert abs(mean - exact_energy(8, beta)) <= 4 * err


def test_uniform_source_is_seeded():
    a, b = uniform_source(np, 3)((5,)), uniform_source(np, 3)((5,))
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.float32 and np.all((a >= 0) & (a < 1))


@pytest.mark.gpu
def test_gpu_run_matches_exact_energy():
    pytest.importorskip("cupy")
    from minirg._backend import gpu_available
    if not gpu_available():
        pytest.skip("no CUDA device")
    spins = sample_checkerboard(16, 0.4352, 4096, seed=2, device="gpu")
    mean, err = mean_error(energy(spins), tau=0.5)
    assert abs(mean - exact_energy(16, 0.4352)) <= 4 * err


def test_device_must_be_known():
    with pytest.raises(ValueError, match="device"):
        sample_checkerboard(8, 0.4, 4, device="tpu")
