"""Majority rule as a coarse-grainer: targets and HCG on hand-made lattices."""

import numpy as np
import pytest

from minirg import coarse, config, zoo
from minirg.ising import decimation_matrix

# A 4 x 4 lattice: 2 x 2 blocks with sums +4, -2, 0 (tie), +2.
LATTICE = np.array([[1, 1, -1, -1],
                    [1, 1, -1, 1],
                    [1, -1, 1, 1],
                    [-1, 1, 1, -1]], dtype=np.int8)


def test_pair_majority_keeps_aligned_pairs_and_breaks_ties_by_seed():
    pairs = coarse.pair_majority(LATTICE[None], seed=3)[0]
    assert pairs.shape == (4, 2)
    aligned = LATTICE[:, 0::2] == LATTICE[:, 1::2]
    assert np.array_equal(pairs[aligned], LATTICE[:, 0::2][aligned])
    assert set(np.unique(pairs[~aligned])) <= {-1, 1}
    many = np.tile(LATTICE, (200, 1, 1))
    a, b = coarse.pair_majority(many, 1), coarse.pair_majority(many, 1)
    assert np.array_equal(a, b)                             # seeded
    tie_values = a[:, ~aligned]
    assert 0.3 < (tie_values == 1).mean() < 0.7             # a fair coin


def test_majority_targets_are_block_majorities():
    arrays = {"spins": LATTICE[None], "dec1": None, "dec2": None}
    out = coarse.targets("majority", arrays, seed=0)
    blocks = out["dec2"][0]
    assert blocks[0, 0] == 1 and blocks[0, 1] == -1 and blocks[1, 1] == 1
    assert blocks[1, 0] in (-1, 1)                          # the tied block
    assert out["dec1"].shape == (1, 4, 2)
    same = {"spins": LATTICE[None], "dec1": "d1", "dec2": "d2"}
    assert coarse.targets("decimation", same, seed=0) is same


def test_majority_hcg_sign_is_the_block_majority_and_ties_give_zero():
    x = LATTICE.reshape(1, -1).astype(float)
    W1, W2 = coarse.hcg_matrix("majority", 4, 1), coarse.hcg_matrix("majority", 4, 2)
    assert W1.shape == (16, 8) and W2.shape == (8, 4)
    block_mean = (x @ W1 @ W2).reshape(2, 2)
    expected = LATTICE.reshape(2, 2, 2, 2).mean(axis=(1, 3))
    assert np.allclose(block_mean, expected)
    assert np.array_equal(np.sign(block_mean), [[1, -1], [0, 1]])   # tie -> 0


def test_decimation_hcg_is_unchanged():
    layers = coarse.hcg_layers("decimation", 8, 1e-5)
    for step, layer in zip((1, 2), layers):
        assert np.array_equal(layer.W, decimation_matrix(8, step).astype(np.float32))
        assert np.array_equal(layer.W, zoo.hard_coded(8, step, 1e-5).W)


def test_config_key_is_checked():
    assert config.resolve("smoke")["coarse_grainer"] == "decimation"
    with pytest.raises(ValueError, match="coarse_grainer = 'block'"):
        config.resolve("smoke", [{"coarse_grainer": "block"}])


def test_pipeline_builds_cg_targets_and_model2_from_the_coarse_grainer(tmp_path):
    from minirg import pipeline, training
    from minirg.ising import majority
    from minirg.ising.dataset_file import load_dataset
    cfg = config.resolve("smoke", [{"L": 8, "coarse_grainer": "majority",
                                    "data": {"n_critical": 20, "n_wide": 20,
                                             "n_wide_test": 10, "n_grid": 2}}])
    pipeline.make_data(cfg, tmp_path, progress=False)
    spins = load_dataset(tmp_path / "data" / "critical.npz")[0]["spins"]
    _, x, y, _, _ = training.build(cfg, tmp_path, "cg2")
    untied = spins.reshape(-1, 4, 2, 4, 2).sum(axis=(2, 4)) != 0
    assert np.array_equal(y.reshape(-1, 4, 4)[untied], majority(spins, 2)[untied])
    assert x.shape == (20, 32)
    model = training.build(cfg, tmp_path, "model2")[0]
    for step, layer in zip((1, 2), model.layers[:2]):
        assert not layer.trainable
        assert np.array_equal(layer.W, coarse.hcg_matrix("majority", 8, step).astype(np.float32))
