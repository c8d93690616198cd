"""Energy, magnetisation and the autocorrelation / error-bar helpers."""

import numpy as np
import pytest

import naive
from minirg._backend import to_numpy
from minirg.ising import (autocorrelation, energy, energy_per_spin, jackknife, lattice_energy,
                          magnetization, mean_error, specific_heat, tau_int)


def test_energy_matches_naive_and_is_vectorised(rng):
    spins = rng.choice(np.array([-1, 1], np.int8), size=(2, 3, 6, 6))
    e = energy(spins)
    assert e.shape == (2, 3)
    for idx in np.ndindex(2, 3):
        assert e[idx] == pytest.approx(naive.energy(spins[idx]))
    assert magnetization(spins)[1, 2] == pytest.approx(spins[1, 2].mean())


def test_ground_states_and_checkerboard():
    up = np.ones((8, 8), np.int8)
    board = np.where(np.add.outer(np.arange(8), np.arange(8)) % 2, 1, -1)
    assert energy(up) == -2.0 and energy(-up) == -2.0 and energy(board) == 2.0
    assert magnetization(-up) == -1.0 and magnetization(board) == 0.0


def test_lattice_energy_of_known_lattices_on_every_backend(xp):
    up = np.ones((2, 8, 8), np.int8)
    board = np.where(np.add.outer(np.arange(8), np.arange(8)) % 2, 1, -1).astype(np.int8)
    stripes = np.repeat(np.array([1, -1] * 4, np.int8)[:, None], 8, axis=1)
    lattices = np.stack([up[0], -up[1], board, stripes])
    E = to_numpy(lattice_energy(xp.asarray(lattices)))
    # 2 L^2 = 128 bonds: all satisfied, all broken, and for stripes the vertical half broken
    np.testing.assert_array_equal(E, [-128, -128, 128, 0])
    np.testing.assert_array_equal(to_numpy(energy_per_spin(xp.asarray(lattices))),
                                  [-2.0, -2.0, 2.0, 0.0])
    assert energy is energy_per_spin                      # the phase-1 name still works


def test_lattice_energy_refuses_bad_spins_on_every_backend(xp):
    with pytest.raises(ValueError, match="spins"):
        lattice_energy(xp.asarray(np.zeros((4, 4), np.int8)))
    with pytest.raises(ValueError, match="spins"):
        lattice_energy(xp.asarray(np.ones((4, 6), np.int8)))


@pytest.mark.parametrize("bad", [np.zeros((4, 4)), np.full((4, 4), 2),
                                 np.full((4, 4), np.nan), np.ones(4), np.ones((4, 5))])
def test_bad_spins(bad):
    with pytest.raises(ValueError, match="spins"):
        energy(bad)


def _ar1(rng, phi, n, chains=1):
    """AR(1) series with rho(t) = phi^t, so tau_int = (1 + phi) / (2 (1 - phi))."""
    x = np.empty((chains, n))
    noise = rng.standard_normal((chains, n))
    x[:, 0] = noise[:, 0] / np.sqrt(1 - phi**2)
    for t in range(1, n):
        x[:, t] = phi * x[:, t - 1] + noise[:, t]
    return x


@pytest.mark.parametrize("phi", [0.0, 0.5, 0.8])
def test_tau_int_of_ar1(rng, phi):
    x = _ar1(rng, phi, 50_000, chains=2)
    exact = (1 + phi) / (2 * (1 - phi))
    assert tau_int(x) == pytest.approx(exact, rel=0.1)
    assert tau_int(x[0]) == pytest.approx(exact, rel=0.15)


def test_autocorrelation_normalised_and_constant_series():
    rho = autocorrelation(np.arange(100.0) % 7)
    assert rho[0] == 1.0 and rho.shape == (100,)
    assert tau_int(np.ones(50)) == 0.5


def test_mean_error_and_jackknife_agree_for_iid(rng):
    x = rng.standard_normal(20_000)
    mean, err = mean_error(x, tau=0.5)
    assert err == pytest.approx(x.std() / np.sqrt(x.size))
    jk_mean, jk_err = jackknife(np.mean, x, n_blocks=40)
    assert jk_mean == pytest.approx(mean)
    assert jk_err == pytest.approx(err, rel=0.35)


def test_mean_error_grows_with_correlation(rng):
    x = _ar1(rng, 0.8, 20_000)[0]
    _, err = mean_error(x)
    naive_err = x.std() / np.sqrt(x.size)
    assert err / naive_err == pytest.approx(3.0, rel=0.2)      # sqrt(2 tau) = 3


def test_specific_heat_formula():
    e = np.array([-1.0, -2.0, -1.0, -2.0])
    assert specific_heat(e, 0.5, 4) == pytest.approx(0.25 * 16 * 0.25)
