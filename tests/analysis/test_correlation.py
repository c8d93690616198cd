import json

import numpy as np
import pytest

from minirg._backend import to_numpy
from minirg.analysis import gini, near_diagonal_mass, sparsity, spin_correlation, weight_stats


def decimation_kernel(L):
    """The first decimation as a 0/1 selection matrix (L*L, L*L/2): keep (row+col) even."""
    kept = np.flatnonzero((np.arange(L * L) // L + np.arange(L * L)) % 2 == 0)
    W = np.zeros((L * L, L * L // 2))
    W[kept, np.arange(kept.size)] = 1
    return W


def test_spin_correlation(xp, rng):
    W = rng.normal(size=(12, 5))
    C = to_numpy(spin_correlation(xp.asarray(W)))
    np.testing.assert_allclose(C, W @ W.T)
    with pytest.raises(ValueError, match="2-D"):
        spin_correlation(xp.asarray(np.ones(3)))


def test_near_diagonal_mass_of_a_constructed_matrix(xp):
    m = 64
    C = np.eye(m) - 0.5 * (np.eye(m, k=16) + np.eye(m, k=-16))   # signs do not matter
    out = near_diagonal_mass(xp.asarray(C), offsets=(16, 32))
    total = m + 0.5 * 2 * (m - 16)
    assert out["0"] == pytest.approx(m / total)
    assert out["16"] == pytest.approx((m - 16) / total)
    assert out["32"] == 0.0
    assert out["16_rel"] == pytest.approx(0.5)         # mean offset-16 entry / mean diagonal


def test_near_diagonal_mass_edge_cases():
    assert near_diagonal_mass(np.zeros((8, 8)), offsets=(2,)) == {"0": 0.0, "2": 0.0,
                                                                  "2_rel": 0.0}
    with pytest.raises(ValueError, match="offsets"):
        near_diagonal_mass(np.eye(8), offsets=(8,))
    with pytest.raises(ValueError, match="square"):
        near_diagonal_mass(np.ones((4, 3)))


def test_decimation_kernel_is_sparse_with_diagonal_correlation():
    W = decimation_kernel(8)
    stats = weight_stats(W, offsets=(4, 8))
    assert stats["sparsity"] == pytest.approx(1 - 1 / 64)       # one weight in each column of 64
    assert stats["near_diagonal"]["0"] == 1.0                   # W W^T = diag(kept)
    json.dumps(stats)                                           # JSON-ready


def test_sparsity_known_vectors(xp):
    n = 100
    one_hot = np.zeros((n, 1))
    one_hot[3] = -2.0
    assert sparsity(xp.asarray(one_hot)) == pytest.approx(1 - 1 / n)
    assert sparsity(xp.asarray(np.full((10, 10), 0.3))) == 0.0
    assert sparsity(xp.asarray(np.zeros((4, 4)))) == 1.0
    assert sparsity(xp.asarray(np.array([[1.0, 0.5, 0.05, 0.0]])), rel=0.1) == 0.5


def test_gini_known_vectors(xp):
    n = 50
    one_hot = np.zeros((n, 1))
    one_hot[7] = 3.0
    assert gini(xp.asarray(one_hot)) == pytest.approx(1 - 1 / n)
    assert gini(xp.asarray(np.full((5, 5), -0.7))) == pytest.approx(0.0, abs=1e-12)
    assert gini(xp.asarray(np.array([[0.0, 0.0, 1.0, -1.0]]))) == pytest.approx(0.5)
    assert gini(xp.asarray(np.zeros((3, 3)))) == 0.0


def test_dense_random_kernel_is_less_concentrated_than_decimation(rng):
    dense, sparse = weight_stats(rng.normal(size=(64, 32))), weight_stats(decimation_kernel(8))
    assert sparse["sparsity"] > dense["sparsity"] and sparse["gini"] > dense["gini"]
    assert dense["active_fraction"] == pytest.approx(1 - dense["sparsity"])
