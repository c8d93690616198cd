import numpy as np
import pytest

from minirg._backend import to_numpy
from minirg.analysis import entropy_by_beta, entropy_map, local_entropy, to_spins


def h2(p):
    """Binary Shannon entropy in bits."""
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -(p * np.log2(p) + (1 - p) * np.log2(1 - p))
    return np.nan_to_num(h)


def reference_map(lattice, size):
    """Periodic local entropy by counting up spins over the window offsets (np.roll)."""
    up = (lattice > 0).astype(float)
    lo = -(size // 2)                   # skimage's window: size//2 before, the rest after
    count = sum(np.roll(up, (-dy, -dx), axis=(0, 1))
                for dy in range(lo, lo + size) for dx in range(lo, lo + size))
    return h2(count / size ** 2)


def checkerboard(H, W):
    return np.where(np.add.outer(np.arange(H), np.arange(W)) % 2, 1, -1).astype(np.int8)


@pytest.mark.parametrize("shape", [(8, 8), (16, 16), (32, 16), (32, 32)])
def test_uniform_lattice_has_zero_entropy(shape):
    spins = np.stack([np.ones(shape, np.int8), -np.ones(shape, np.int8)])
    np.testing.assert_array_equal(local_entropy(spins), [0.0, 0.0])


@pytest.mark.parametrize("shape", [(8, 8), (16, 16), (32, 16), (6, 10)])
def test_checkerboard_entropy(shape):
    cb = checkerboard(*shape)
    # 3x3: 5 sites of one colour, 4 of the other; 4x4: 8 and 8.
    np.testing.assert_allclose(local_entropy(cb), [h2(4 / 9)], rtol=1e-12)
    assert abs(local_entropy(cb)[0] - 0.991) < 1e-3
    np.testing.assert_allclose(local_entropy(cb, size=4), [1.0], rtol=1e-12)


def test_periodic_padding_wraps_the_opposite_edge():
    lat = -np.ones((8, 8), np.int8)
    lat[:, 0] = 1                                     # a stripe on the first column
    per, flat = entropy_map(lat, periodic=True), entropy_map(lat, periodic=False)
    # The last column's window wraps onto the stripe: 3 up of 9.
    np.testing.assert_allclose(per[:, -1], h2(3 / 9))
    np.testing.assert_array_equal(flat[:, -1], 0.0)
    # On the stripe, the shrunken border window holds 3 up of 6 (1 bit); the wrapped one 3 of 9.
    np.testing.assert_allclose(flat[1:-1, 0], 1.0)
    np.testing.assert_allclose(per[:, 0], h2(3 / 9))


@pytest.mark.parametrize("size", [3, 4, 5])
@pytest.mark.parametrize("shape", [(16, 16), (32, 16), (12, 8)])
def test_map_matches_counting_reference(rng, size, shape):
    lat = rng.choice(np.array([-1, 1], np.int8), size=shape)
    np.testing.assert_allclose(entropy_map(lat, size), reference_map(lat, size), atol=1e-12)


def test_local_entropy_accepts_zero_one_and_flat_single_lattice(rng):
    lat = rng.choice(np.array([-1, 1], np.int8), size=(16, 16))
    np.testing.assert_allclose(local_entropy(lat), local_entropy((lat + 1) // 2))
    assert local_entropy(lat[None]).shape == (1,)


@pytest.mark.parametrize("bad", [np.zeros((2, 3, 4, 4)), np.full((1, 4, 4), np.nan)])
def test_local_entropy_rejects_bad_input(bad):
    with pytest.raises(ValueError, match="spins"):
        local_entropy(bad)


def test_entropy_by_beta_groups_and_sorts():
    up, cb = np.ones((8, 8), np.int8), checkerboard(8, 8)
    spins = np.stack([cb, up, cb, up])
    betas, h = entropy_by_beta(spins, np.array([0.1, 0.5, 0.1, 0.5]))
    np.testing.assert_array_equal(betas, [0.1, 0.5])
    np.testing.assert_allclose(h, [h2(4 / 9), 0.0])
    with pytest.raises(ValueError, match="betas"):
        entropy_by_beta(spins, np.array([0.1, 0.5]))


@pytest.mark.parametrize("shape", [(2, 9), (2, 3, 3)])
def test_to_spins_sign(xp, shape):
    x = np.linspace(-1, 1, 18).reshape(shape)
    x[0].flat[0] = 0.0                                    # zero maps to +1
    s = to_spins(xp.asarray(x), "sign")
    assert s.dtype == xp.int8 and tuple(s.shape) == shape
    np.testing.assert_array_equal(to_numpy(s), np.where(x >= 0, 1, -1))


def test_to_spins_quantize(xp):
    x = np.concatenate([np.full(2000, 1.5), np.full(2000, -1.0), np.zeros(20000)])[None]
    s = to_numpy(to_spins(xp.asarray(x), "quantize", seed=3))
    assert set(np.unique(s)) <= {-1, 1}
    assert np.all(s[0, :2000] == 1) and np.all(s[0, 2000:4000] == -1)
    assert abs(np.mean(s[0, 4000:] == 1) - 0.5) < 0.02      # 7 sigma of Binomial(20000, 1/2)
    np.testing.assert_array_equal(s, to_numpy(to_spins(xp.asarray(x), "quantize", seed=3)))


def test_to_spins_unknown_mode():
    with pytest.raises(ValueError, match="mode"):
        to_spins(np.zeros((1, 4)), "round")
