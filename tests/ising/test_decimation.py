"""Decimation as slicing and as the selection matrices of eqs. 7-8; majority rule."""

import numpy as np
import pytest

import naive
from minirg.ising import decimate, decimation_matrix, majority


def _lattices(rng, shape):
    return rng.choice(np.array([-1, 1], np.int8), size=shape)


@pytest.mark.parametrize("L", [4, 8, 32])
def test_decimate_matches_naive_and_matrices(rng, L):
    spins = _lattices(rng, (5, L, L))
    W1, W2 = decimation_matrix(L, 1), decimation_matrix(L, 2)
    d1, d2 = decimate(spins, 1), decimate(spins, 2)
    assert d1.shape == (5, L, L // 2) and d2.shape == (5, L // 2, L // 2)
    assert d1.dtype == np.int8 and d2.dtype == np.int8
    flat = spins.reshape(5, -1)
    np.testing.assert_array_equal(flat @ W1, d1.reshape(5, -1))
    np.testing.assert_array_equal(d1.reshape(5, -1) @ W2, d2.reshape(5, -1))
    np.testing.assert_array_equal(flat @ W1 @ W2, spins[:, ::2, ::2].reshape(5, -1))
    for k in range(5):
        np.testing.assert_array_equal(d1[k], naive.decimate(spins[k], 1))
        np.testing.assert_array_equal(d2[k], naive.decimate(spins[k], 2))


def test_matrices_have_the_paper_row_pattern():
    L = 32                                           # the paper's eq. 7 and 8
    W1, W2 = decimation_matrix(L, 1), decimation_matrix(L, 2)
    assert W1.shape == (1024, 512) and W2.shape == (512, 256)
    i1, i2 = np.arange(1024), np.arange(512)
    np.testing.assert_array_equal(W1.any(axis=1), (i1 // L + i1) % 2 == 0)
    np.testing.assert_array_equal(W2.any(axis=1), (i2 // (L // 2)) % 2 == 0)
    for W in (W1, W2):
        assert set(np.unique(W)) == {0.0, 1.0}
        np.testing.assert_array_equal(W.sum(axis=0), 1)        # one site per column
        np.testing.assert_array_equal(W.sum(axis=1) <= 1, True)
        rows = np.argmax(W, axis=0)
        assert np.all(np.diff(rows) > 0)                       # row-major order kept


def test_majority_rule(rng):
    spins = _lattices(rng, (3, 8, 8))
    out = majority(spins, 2, seed=1)
    assert out.shape == (3, 4, 4) and out.dtype == np.int8
    assert set(np.unique(out)) <= {-1, 1}
    for k in range(3):
        ref = naive.majority(spins[k], 2)
        np.testing.assert_array_equal(out[k][ref != 0], ref[ref != 0])
    np.testing.assert_array_equal(out, majority(spins, 2, seed=1))      # reproducible
    np.testing.assert_array_equal(majority(np.ones((8, 8)), 4), np.ones((2, 2)))


def test_majority_ties_are_random():
    tie = np.tile(np.array([[1, -1], [-1, 1]], np.int8), (50, 50))   # every block ties
    out = majority(tie, 2, seed=0)
    assert 0.4 < (out == 1).mean() < 0.6


def _block(pattern):
    """A 4x4 lattice whose top-left 2x2 block is pattern, the rest all up."""
    s = np.ones((4, 4), np.int8)
    s[:2, :2] = pattern
    return s


def test_majority_on_hand_made_lattices():
    up = np.ones((4, 4), np.int8)
    np.testing.assert_array_equal(majority(up), np.ones((2, 2)))
    np.testing.assert_array_equal(majority(-up), -np.ones((2, 2)))
    three_up = _block([[1, 1], [1, -1]])                  # 3 up, 1 down: +1
    assert majority(three_up)[0, 0] == 1
    three_down = _block([[-1, -1], [1, -1]])              # 1 up, 3 down: -1
    assert majority(three_down)[0, 0] == -1
    np.testing.assert_array_equal(majority(three_down)[[0, 1, 1], [1, 0, 1]], 1)
    # odd b never ties: 5 of 9 up is +1 whatever the seed
    s = -np.ones((6, 6), np.int8)
    s[:3, :3].flat[:5] = 1
    for seed in range(5):
        assert majority(s, 3, seed=seed)[0, 0] == 1


def test_majority_tie_break_is_the_stated_seeded_coin():
    board = np.tile(np.array([[1, -1], [-1, 1]], np.int8), (4, 4))   # 8x8, every block ties
    rows = np.tile(np.array([[1, 1], [-1, -1]], np.int8), (4, 4))    # ties of another pattern
    for seed in (0, 1, 7):
        coin = np.random.default_rng(seed).choice(np.array([-1, 1], np.int8), (4, 4))
        np.testing.assert_array_equal(majority(board, seed=seed), coin)       # the documented rule
        np.testing.assert_array_equal(majority(rows, seed=seed), coin)        # spins do not matter
    assert not np.array_equal(majority(board, seed=0), majority(board, seed=1))
    # a tied block keeps its coin when the other blocks change
    mixed = board.copy()
    mixed[2:, :] = 1
    np.testing.assert_array_equal(majority(mixed, seed=3)[0], majority(board, seed=3)[0])
    np.testing.assert_array_equal(majority(mixed, seed=3)[1:], 1)


def test_majority_batches_like_single_lattices(rng):
    spins = _lattices(rng, (2, 3, 8, 8))
    out = majority(spins, 2, seed=4)
    assert out.shape == (2, 3, 4, 4)
    for idx in np.ndindex(2, 3):                          # outside ties, lattice by lattice
        ref = naive.majority(spins[idx], 2)
        np.testing.assert_array_equal(out[idx][ref != 0], ref[ref != 0])


@pytest.mark.parametrize("call, match", [
    (lambda: decimate(np.ones((6, 6)), 3), "steps"),
    (lambda: decimate(np.ones((5, 5)), 1), "L"),
    (lambda: decimate(np.full((4, 4), 3), 1), r"\+1 and -1"),
    (lambda: decimation_matrix(7, 1), "L"),
    (lambda: decimation_matrix(8, 0), "step"),
    (lambda: majority(np.ones((6, 6)), 4), "divid"),
    (lambda: majority(np.ones((6, 6)), 2, seed=-1), "seed"),
    (lambda: majority(np.ones((6, 6)), 1), "b must"),
    (lambda: majority(np.ones((6, 6)), 2.0), "b must"),
    (lambda: majority(np.full((4, 4), 0), 2), r"\+1 and -1"),
])
def test_bad_inputs(call, match):
    with pytest.raises(ValueError, match=match):
        call()
