"""The decimation recursion beta' = (3/8) ln cosh 4 beta and its fixed points."""

import numpy as np
import pytest

from minirg.ising import BETA_C, beta_prime, fixed_point, implied_nu, recursion_slope


def test_fixed_points():
    b = fixed_point()
    assert b == pytest.approx(0.50698, abs=1e-5)
    assert abs(beta_prime(b) - b) < 1e-12
    assert beta_prime(0.0) == 0.0                     # trivial fixed point
    assert beta_prime(0.3) < 0.3 < 0.7 < beta_prime(0.7)   # flows away from beta*


def test_slope_and_nu():
    slope = recursion_slope()
    assert slope == pytest.approx(1.5 * np.tanh(4 * fixed_point()))
    h = 1e-6
    b = fixed_point()
    assert slope == pytest.approx((beta_prime(b + h) - beta_prime(b - h)) / (2 * h), rel=1e-8)
    assert implied_nu() == pytest.approx(np.log(np.sqrt(2)) / np.log(slope))
    assert 0.9 < implied_nu() < 1.0


def test_beta_prime_vectorised_and_safe_for_large_beta():
    out = beta_prime(np.array([0.1, 200.0, 1e6]))
    assert np.all(np.isfinite(out))
    assert out[1] == pytest.approx(0.375 * (800 - np.log(2)))
    assert beta_prime(0.1) == pytest.approx(0.375 * np.log(np.cosh(0.4)))


def test_beta_c():
    assert BETA_C == pytest.approx(0.5 * np.log(1 + np.sqrt(2)), abs=1e-15)
    assert np.sinh(2 * BETA_C) == pytest.approx(1.0)


@pytest.mark.parametrize("bad", [-1, -1e-9, np.nan, np.inf, -np.inf, [0.3, -0.2], "x"])
def test_beta_prime_refuses_what_is_not_an_inverse_temperature(bad):
    with pytest.raises(ValueError, match="beta must be"):
        beta_prime(bad)
    with pytest.raises(ValueError, match="beta must be"):
        recursion_slope(bad)
