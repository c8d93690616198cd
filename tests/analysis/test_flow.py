import numpy as np
import pytest

from minirg._backend import to_numpy
from minirg.analysis import (beta_from_energy, energy_beta, fit_line, flow_fixed_point,
                             identity_crossing, local_crossing, mean_by_beta)
from minirg.ising import energy_per_spin                # the one lattice energy (was ours)


def test_fit_line_recovers_a_known_line(xp):
    x = xp.asarray(np.linspace(0.025, 0.5, 20))
    slope, intercept = fit_line(x, 0.6 * x + 0.18)
    assert slope == pytest.approx(0.6) and intercept == pytest.approx(0.18)
    assert identity_crossing(slope, intercept) == pytest.approx(0.18 / 0.4)


def test_identity_crossing_needs_slope_other_than_one():
    assert identity_crossing(2.0, -0.5) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="slope"):
        identity_crossing(1.0, 0.1)


@pytest.mark.parametrize("x", [np.ones(5), np.ones(1)])
def test_fit_line_rejects_degenerate_x(x):
    with pytest.raises(ValueError, match="fit_line"):
        fit_line(x, x)


def test_flow_fixed_point_interval_covers_the_truth(xp, rng):
    beta = np.repeat(np.linspace(0.025, 0.5, 20), 50)
    pred = 0.6 * beta + 0.18 + rng.normal(0, 0.05, beta.size)     # crossing at 0.45
    fp = flow_fixed_point(xp.asarray(beta), xp.asarray(pred), n_boot=400, seed=1)
    assert fp["ci_low"] < 0.45 < fp["ci_high"]
    assert fp["ci_low"] < fp["value"] < fp["ci_high"] and fp["ci_high"] - fp["ci_low"] < 0.05
    assert fp["slope_ci_low"] < 0.6 < fp["slope_ci_high"]
    again = flow_fixed_point(xp.asarray(beta), xp.asarray(pred), n_boot=400, seed=1)
    assert again == fp                                            # seeded bootstrap


def test_mean_by_beta(xp):
    keys, means = mean_by_beta(xp.asarray([1.0, 2.0, 3.0, 4.0, 6.0]),
                               xp.asarray([0.3, 0.1, 0.3, 0.1, 0.2]))
    np.testing.assert_allclose(to_numpy(keys), [0.1, 0.2, 0.3])
    np.testing.assert_allclose(to_numpy(means), [3.0, 6.0, 2.0])


def test_energy_per_spin_of_known_lattices(xp):
    L = 6
    up = np.ones((L, L))
    cb = np.where(np.add.outer(np.arange(L), np.arange(L)) % 2, 1, -1)
    stripes = np.where(np.arange(L) % 2, 1, -1)[None, :] * up      # vertical bonds +, horizontal -
    u = energy_per_spin(xp.asarray(np.stack([up, -up, cb, stripes]).astype(np.int8)))
    np.testing.assert_allclose(to_numpy(u), [-2.0, -2.0, 2.0, 0.0])


def test_energy_beta_reads_the_minirg_ising_energy(rng, enum_exact_energy):
    spins = rng.choice(np.array([-1, 1], np.int8), size=(5, 4, 4))
    np.testing.assert_allclose(energy_beta(spins), beta_from_energy(energy_per_spin(spins), 4))
    import minirg.analysis.flow as flow
    assert not hasattr(flow, "energy_per_spin")             # the energy exists once


def test_beta_from_energy_inverts_the_exact_energy(enum_exact_energy):
    beta = np.array([-0.3, 0.01, 0.2, 0.4352, 0.7, 1.2])
    u = np.array([enum_exact_energy(4, b) for b in beta])
    np.testing.assert_allclose(beta_from_energy(u, 4), beta, atol=2e-4)
    assert beta_from_energy(np.array([-2.0, 2.0]), 4).tolist() == [2.0, -2.0]   # clipped


def test_energy_beta_recovers_beta_from_exact_samples(enum_exact_energy, enum):
    for beta in (0.1, 0.3, 0.45):
        spins = enum.sample(beta, 4000, seed=7)
        per_lattice = energy_beta(spins)
        assert per_lattice.shape == (4000,)
        np.testing.assert_allclose(energy_beta(spins.reshape(4000, 16), L=4), per_lattice)
        # The joint MLE of lattices sharing one beta inverts their mean energy.
        pooled = beta_from_energy(np.mean(energy_per_spin(spins)), 4)
        assert abs(pooled - beta) < 0.02


def test_energy_beta_rejects_non_square(enum_exact_energy):
    with pytest.raises(ValueError, match="square"):
        energy_beta(np.ones((2, 8, 4), np.int8))
    with pytest.raises(ValueError, match="even"):
        beta_from_energy(np.zeros(2), 5)


def test_energy_beta_with_minirg_ising(enum, fresh_energy_table):
    """The real exact finite-size energy (Kaufman) against exact 4 x 4 samples."""
    from minirg.ising import exact_energy

    for beta in (0.2, 0.4352):
        assert exact_energy(4, beta) == pytest.approx(enum.energy(beta), rel=1e-9)
        spins = enum.sample(beta, 4000, seed=11)
        assert abs(beta_from_energy(np.mean(energy_per_spin(spins)), 4) - beta) < 0.02


def test_local_crossing_interpolates_the_per_beta_means(xp):
    beta = xp.asarray(np.repeat([0.1, 0.2, 0.3, 0.4, 0.5], 2))
    assert local_crossing(beta, 2 * beta - 0.3) == pytest.approx(0.3)
    assert local_crossing(beta, 0.5 * beta) is None                # always below
    assert local_crossing(beta, 0.5 * beta + 0.4) is None          # always above
