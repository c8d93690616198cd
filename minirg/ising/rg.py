"""The decimation RG recursion beta' = (3/8) ln cosh 4 beta and its fixed points.

Decimating every other site of the square lattice (one step, scale factor
b = sqrt(2)) generates further-neighbour and four-spin couplings; keeping
only the nearest-neighbour part in the usual approximation gives
beta' = (3/8) ln cosh(4 beta). Its nontrivial fixed point (~0.50698) is the
approximate critical coupling; the exact one is BETA_C = ln(1 + sqrt 2) / 2.
"""

import numpy as np

__all__ = ["BETA_C", "beta_prime", "fixed_point", "recursion_slope", "implied_nu"]

BETA_C = float(np.log1p(np.sqrt(2.0)) / 2)   # Onsager's exact critical coupling


def _log_cosh(x):
    """ln cosh x without overflow: |x| + ln(1 + e^{-2|x|}) - ln 2."""
    a = np.abs(x)
    return a + np.log1p(np.exp(-2 * a)) - np.log(2.0)


def _couplings(beta, name="beta"):
    """beta as float64 array, refusing what is not an inverse temperature.

    beta = 0 (infinite temperature) is allowed: it is the trivial fixed point.
    """
    try:
        arr = np.asarray(beta, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a finite number >= 0, got {beta!r}") from None
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        raise ValueError(f"{name} must be finite and >= 0 (an inverse temperature), "
                         f"got {float(arr[bad].ravel()[0])}")
    return arr


def beta_prime(beta):
    """One decimation step of the recursion.

    Parameters
    ----------
    beta : float or array
        Nearest-neighbour coupling(s), finite and >= 0 (ValueError otherwise).

    Returns
    -------
    beta' : float or array like beta
        (3/8) ln cosh(4 beta), finite for any finite beta.
    """
    out = 0.375 * _log_cosh(4 * _couplings(beta))
    return float(out) if np.ndim(out) == 0 else out


def recursion_slope(beta=None):
    """d beta'/d beta = (3/2) tanh(4 beta), at the nontrivial fixed point by default."""
    beta = fixed_point() if beta is None else beta
    out = 1.5 * np.tanh(4 * _couplings(beta))
    return float(out) if np.ndim(out) == 0 else out


def fixed_point():
    """Nontrivial fixed point beta* of beta' = beta (~0.50698), to ~1e-15.

    f(beta) = beta'(beta) - beta is negative at 0.3 and positive at 1.0 and has
    a single root there; bisection brackets it, Newton polishes it.
    """
    lo, hi = 0.3, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if beta_prime(mid) - mid < 0:
            lo = mid
        else:
            hi = mid
    beta = (lo + hi) / 2
    for _ in range(3):
        beta -= (beta_prime(beta) - beta) / (recursion_slope(beta) - 1)
    return float(beta)


def implied_nu(b=np.sqrt(2.0)):
    """Correlation-length exponent nu = ln b / ln(slope at beta*), b per step.

    One decimation step rescales lengths by b = sqrt(2); the exact nu is 1.
    """
    return float(np.log(b) / np.log(recursion_slope()))
