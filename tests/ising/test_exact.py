"""Exact finite-size results against brute-force enumeration and Onsager."""

import numpy as np
import pytest

import naive
from minirg.ising import (BETA_C, exact_energy, exact_log_partition,
                          exact_specific_heat, onsager_energy)
from minirg.ising.exact import _log_z_derivatives

BETAS = [0.05, 0.3, 0.42, BETA_C, 0.46, 0.7, 2.0]


@pytest.mark.parametrize("L", [2, 3, 4])
@pytest.mark.parametrize("beta", BETAS)
def test_square_torus_matches_enumeration(L, beta):
    log_z, u, c = naive.enumerate_torus(L, L, beta)
    assert exact_log_partition(L, beta) == pytest.approx(log_z, abs=1e-11)
    assert exact_energy(L, beta) == pytest.approx(u, abs=1e-11)
    assert exact_specific_heat(L, beta) == pytest.approx(c, abs=1e-11)


@pytest.mark.parametrize("m, n", [(2, 4), (4, 2), (3, 4), (4, 3)])
@pytest.mark.parametrize("beta", [0.2, BETA_C, 0.9])
def test_rectangular_torus_matches_enumeration(m, n, beta):
    # the rows/columns roles of Kaufman's formula: m rows, n columns
    log_z, u, c = naive.enumerate_torus(m, n, beta)
    got = _log_z_derivatives(m, n, beta)
    N = m * n
    assert got[0] == pytest.approx(log_z, abs=1e-11)
    assert -got[1] / N == pytest.approx(u, abs=1e-11)
    assert beta**2 * got[2] / N == pytest.approx(c, abs=1e-11)


@pytest.mark.parametrize("beta", [0.1, 0.3, 0.4, 0.43, 0.45, 0.5, 0.6, 1.0])
def test_large_lattice_approaches_onsager(beta):
    assert exact_energy(512, beta) == pytest.approx(onsager_energy(beta), abs=1e-6)


def test_onsager_at_critical_point():
    assert onsager_energy(BETA_C) == pytest.approx(-np.sqrt(2), abs=1e-12)


@pytest.mark.parametrize("L", [8, 32, 128])
@pytest.mark.parametrize("beta", [0.2, 0.4352, BETA_C, 0.6])
def test_specific_heat_is_derivative_of_energy(L, beta):
    # c = -beta^2 du/dbeta; 4th-order central difference: truncation ~h^4,
    # rounding ~1e-16/h, both < 1e-9 here
    h = 1e-5
    du = (-exact_energy(L, beta + 2 * h) + 8 * exact_energy(L, beta + h)
          - 8 * exact_energy(L, beta - h) + exact_energy(L, beta - 2 * h)) / (12 * h)
    assert exact_specific_heat(L, beta) == pytest.approx(-beta**2 * du, rel=1e-9)


def test_limits_and_vectorisation():
    betas = np.array([[1e-4, 10.0], [30.0, 0.3]])
    u = exact_energy(16, betas)
    assert u.shape == (2, 2)
    assert u[0, 0] == pytest.approx(-2 * np.tanh(1e-4), rel=1e-6)   # high T: u ~ -2 tanh beta
    assert u[0, 1] == pytest.approx(-2.0, abs=1e-12)                # ground state
    c = exact_specific_heat(16, betas)
    assert np.all(c >= 0) and c[1, 0] < 1e-20
    assert isinstance(exact_energy(16, 0.3), float)


def test_specific_heat_peak_grows_with_L():
    peaks = [exact_specific_heat(L, BETA_C) for L in (8, 16, 32, 64)]
    assert np.all(np.diff(peaks) > 0)                 # log divergence at beta_c


@pytest.mark.parametrize("bad", [0.0, -0.1, np.nan, np.inf, "x"])
def test_bad_beta(bad):
    with pytest.raises(ValueError, match="beta"):
        exact_energy(8, bad)


@pytest.mark.parametrize("bad", [1, 0, 2.5, "8"])
def test_bad_L(bad):
    with pytest.raises(ValueError, match="L"):
        exact_specific_heat(bad, 0.3)
