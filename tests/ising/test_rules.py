"""The reference rules and driver (minirg.ising.rules, minirg.ising.chain) on their own:
the acceptance table, hand-made lattices, and the plain driver against exact results.
(The kernels are compared with them in test_kernels.py.)"""

import numpy as np
import pytest

from minirg.ising import energy, exact_energy, mean_error
from minirg.ising.chain import SplitMix64, rule, run_chain
from minirg.ising.rules import (bond_probability, flip_probabilities, heatbath_sweep,
                                metropolis_sweep, wolff_flip)
from minirg.ising.tuning import update_table

D = np.arange(-4, 5, 2)


@pytest.mark.parametrize("name", ["metropolis", "heatbath"])
@pytest.mark.parametrize("beta", [0.01, 0.44, 3.0])
def test_flip_probabilities_satisfy_detailed_balance(name, beta):
    p = flip_probabilities(beta, name)
    assert p.shape == (5,) and np.all((p > 0) & (p <= 1))
    # flipping d -> -d changes the energy by 2 d: p(d) / p(-d) = e^{-2 beta d}
    # (rtol: heat bath's 0.5 (1 - tanh) keeps ~7 digits of e^{-24} at beta = 3)
    np.testing.assert_allclose(p / p[::-1], np.exp(-2 * beta * D), rtol=1e-6)


def test_flip_probability_formulas():
    beta = 0.3
    np.testing.assert_allclose(flip_probabilities(beta, "metropolis"),
                               [1, 1, 1, np.exp(-1.2), np.exp(-2.4)], rtol=1e-15)
    np.testing.assert_allclose(flip_probabilities(beta, "heatbath"),
                               1 / (1 + np.exp(2 * beta * D)), rtol=1e-12)
    assert bond_probability(beta) == pytest.approx(1 - np.exp(-0.6), rel=1e-15)
    with pytest.raises(ValueError, match="rule"):
        flip_probabilities(beta, "wolff")


def test_update_table_is_the_rounded_acceptance_table():
    for name in ("metropolis", "heatbath"):
        code, thr = update_table(0.44, name)
        assert code == 0
        np.testing.assert_array_equal(thr, np.floor(flip_probabilities(0.44, name) * 2**53))
    code, thr = update_table(0.44, "wolff")
    assert code == 1 and thr[0] == np.floor(bond_probability(0.44) * 2**32)


def test_local_sweeps_on_hand_made_lattices():
    up = np.ones((4, 4), np.int8)
    # u = 0 accepts every move with p > 0: the even sites flip (d = 4), after which
    # every odd site sees four opposite neighbours (d = -4, p = 1) and flips too
    np.testing.assert_array_equal(metropolis_sweep(up.copy(), 0.44, np.zeros((4, 4))), -up)
    # u close to 1 rejects every move that raises the energy: the ground state stays
    np.testing.assert_array_equal(metropolis_sweep(up.copy(), 0.44, np.full((4, 4), 0.99)), up)
    board = np.where(np.add.outer(np.arange(4), np.arange(4)) % 2, 1, -1).astype(np.int8)
    # checkerboard: every site has d = -4; heat bath flips with p = 1/(1 + e^{-8 beta})
    p = 1 / (1 + np.exp(-8 * 0.44))
    got = heatbath_sweep(board.copy(), 0.44, np.full((4, 4), p - 1e-9))
    assert np.all(got[board == -1] == 1)          # even sites flip, leaving odd sites d = 4
    np.testing.assert_array_equal(got[board == 1], 1)


def test_wolff_flip_on_hand_made_lattices():
    up = np.ones((4, 4), np.int8)
    # every bond active: the whole aligned lattice is one cluster
    assert wolff_flip(up, 0.5, (1, 2), lambda: [0.0] * 4) == 16
    np.testing.assert_array_equal(up, -1)
    # no bond active: only the seed flips
    assert wolff_flip(up, 0.5, (3, 0), lambda: [0.9] * 4) == 1
    assert up[3, 0] == 1 and up.sum() == -14
    # a cluster never crosses unaligned neighbours: an up stripe in a down lattice
    s = -np.ones((4, 4), np.int8)
    s[1] = 1
    assert wolff_flip(s, 0.5, (1, 0), lambda: [0.0] * 4) == 4
    np.testing.assert_array_equal(s, -1)


def test_run_chain_collects_and_is_seeded():
    spins = np.ones((4, 4), np.int8)
    step = rule(*update_table(0.3, "metropolis"))
    a = run_chain(spins, step, [5, 2, 2], SplitMix64(1))
    assert a.shape == (3, 4, 4) and a.dtype == np.int8 and (spins == 1).all()
    np.testing.assert_array_equal(a, run_chain(spins, step, [5, 2, 2], SplitMix64(1)))
    cold = run_chain(-spins, rule(*update_table(50.0, "metropolis")), [1, 1], SplitMix64(2),
                     cold=[True, False], global_flip=False)
    np.testing.assert_array_equal(cold, np.ones((2, 4, 4)))      # frozen from all +1


@pytest.mark.parametrize("algorithm", ["metropolis", "heatbath", "wolff"])
def test_reference_driver_matches_exact_energy(algorithm):
    L, beta, n = 4, 0.4, 1500
    spins = np.ones((L, L), np.int8)
    spacing = 3 if algorithm != "wolff" else 4
    samples = run_chain(spins, rule(*update_table(beta, algorithm)),
                        [100] + [spacing] * (n - 1), SplitMix64(2024))
    mean, err = mean_error(energy(samples))
    assert abs(mean - exact_energy(L, beta)) <= 4 * err
