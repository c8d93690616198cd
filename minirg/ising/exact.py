"""Exact results for the 2D Ising model (J = 1, k_B = 1).

Finite tori use Kaufman's (1949) partition function, as written by Ferdinand
& Fisher (1969): for m rows and n columns,

    Z = 1/2 (2 sinh 2K)^(mn/2) (Z1 + Z2 + Z3 + Z4),
    Z1 = prod_r 2 cosh(m g[2r+1] / 2),   Z2 = prod_r 2 sinh(m g[2r+1] / 2),
    Z3 = prod_r 2 cosh(m g[2r] / 2),     Z4 = prod_r 2 sinh(m g[2r] / 2),

r = 0..n-1, cosh g[l] = cosh 2K coth 2K - cos(pi l / n) for l >= 1, and
g[0] = 2K + ln tanh K, which changes sign at K_c: Z4 < 0 below K_c. Energy
and specific heat come from analytic first and second K-derivatives of ln Z,
with all four terms scaled by their largest magnitude (log-sum-exp), so the
results hold to ~1e-12 for L up to several hundred.
"""

import numpy as np

from minirg._checks import check_L, check_beta

__all__ = ["exact_log_partition", "exact_energy", "exact_specific_heat",
           "onsager_energy"]


def _regular(x, dx, d2x, kind):
    """ln f, d ln f/dK, d^2 ln f/dK^2 for f = 2 cosh(x) or 2 sinh(x), x > 0."""
    e = np.exp(-2 * x)
    if kind == "cosh":
        logf, t = x + np.log1p(e), np.tanh(x)
    else:
        logf, t = x + np.log1p(-e), 1 / np.tanh(x)
    return logf.sum(), (dx * t).sum(), (d2x * t + dx**2 * (1 - t * t)).sum()


def _gammas(l, n, K):
    """g[l] (l >= 1) and its first two K-derivatives, cancellation-free near K_c."""
    s, ch = np.sinh(2 * K), np.cosh(2 * K)
    # cosh g - 1 = (cosh 2K coth 2K - 2) + (1 - cos theta), both >= 0
    eps = (s - 1) ** 2 / s + 2 * np.sin(np.pi * l / (2 * n)) ** 2
    sh = np.sqrt(eps * (eps + 2))                      # sinh g
    g = np.log1p(eps + sh)                             # arccosh(1 + eps)
    dc = 2 * ch * (1 - 1 / s**2)                       # d(cosh 2K coth 2K)/dK
    d2c = 4 * s - 4 / s + 8 * ch**2 / s**3
    dg = dc / sh
    d2g = (d2c - (1 + eps) * dg**2) / sh
    return g, dg, d2g


def _terms(m, n, K):
    """Per term i: (log A_i, h_i, h'_i, h''_i, a1_i, a2_i) with Z_i = exp(log A_i) h_i.

    a1, a2 sum the first and second log-derivatives of the regular factors;
    h is the (scaled) g[0] factor of Z3, Z4 (1 for Z1, Z2).
    """
    odd = np.arange(1, 2 * n, 2)
    even = np.arange(2, 2 * n, 2)                      # l = 0 handled apart
    out = []
    for l, kinds in ((odd, ("cosh", "sinh")), (even, ("cosh", "sinh"))):
        g, dg, d2g = _gammas(l, n, K)
        for kind in kinds:
            out.append(list(_regular(m * g / 2, m * dg / 2, m * d2g / 2, kind)))
    # g[0] = 2K + ln tanh K; its factor 2cosh / 2sinh(x0), scaled by exp(-|x0|)
    x0 = m / 2 * (2 * K + np.log(np.tanh(K)))
    dx0 = m / 2 * (2 + 2 / np.sinh(2 * K))
    d2x0 = m / 2 * (-4 * np.cosh(2 * K) / np.sinh(2 * K) ** 2)
    e = np.exp(-2 * abs(x0))
    hc, hs = 1 + e, np.sign(x0) * (1 - e)
    h = [(1.0, 0.0, 0.0), (1.0, 0.0, 0.0),
         (hc, hs * dx0, hc * dx0**2 + hs * d2x0),
         (hs, hc * dx0, hs * dx0**2 + hc * d2x0)]
    for i in (2, 3):
        out[i][0] += abs(x0)
    return [(a[0], *hi, a[1], a[2]) for a, hi in zip(out, h)]


def _log_z_derivatives(m, n, K):
    """ln Z and its first two derivatives in K for the m x n torus."""
    terms = _terms(m, n, K)
    top = max(t[0] for t in terms)
    w = [np.exp(t[0] - top) for t in terms]
    S = sum(wi * t[1] for wi, t in zip(w, terms))
    D = sum(wi * (t[1] * t[4] + t[2]) for wi, t in zip(w, terms)) / S
    # second derivative written about the mean D: no O(N^2) cancellation
    V = sum(wi * (h * ((a1 - D) ** 2 + a2) + 2 * (a1 - D) * dh + d2h)
            for wi, (_, h, dh, d2h, a1, a2) in zip(w, terms)) / S
    N = m * n
    s = np.sinh(2 * K)
    log_z = np.log(0.5) + N / 2 * np.log(2 * s) + top + np.log(S)
    return log_z, N / np.tanh(2 * K) + D, -2 * N / s**2 + V


def _betas(beta):
    """beta as a float64 array, ValueError naming it if it is not numeric."""
    try:
        return np.asarray(beta, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"beta must be a finite number > 0 (or an array of them), "
                         f"got {beta!r}") from None


def _per_beta(func, L, beta):
    """Apply func(L, scalar beta) over a scalar or array beta."""
    L = check_L(L, minimum=2, even=False)
    b = _betas(beta)
    flat = [func(L, check_beta(x)) for x in b.ravel()]
    return float(flat[0]) if b.ndim == 0 else np.reshape(flat, b.shape)


def exact_log_partition(L, beta):
    """ln Z of the periodic L x L Ising model (L >= 2), scalar or array beta."""
    return _per_beta(lambda L, K: _log_z_derivatives(L, L, K)[0], L, beta)


def exact_energy(L, beta):
    """Exact mean energy per spin of the periodic L x L lattice.

    Parameters
    ----------
    L : int
        Lattice side, >= 2 (odd sides allowed here).
    beta : float or array
        Inverse temperature(s), finite and > 0.

    Returns
    -------
    u : float or array like beta
        <E>/L^2 = -(1/L^2) d ln Z / d beta.
    """
    return _per_beta(lambda L, K: -_log_z_derivatives(L, L, K)[1] / L**2, L, beta)


def exact_specific_heat(L, beta):
    """Exact specific heat per spin beta^2 Var(E) / L^2 of the L x L torus.

    Same parameters as `exact_energy`; returns beta^2 d^2 ln Z/d beta^2 / L^2.
    """
    # clipped at 0: deep in the ordered phase round-off can give -1e-32
    return _per_beta(lambda L, K: max(K**2 * _log_z_derivatives(L, L, K)[2] / L**2, 0.0),
                     L, beta)


def _ellipk_complementary(kc):
    """Complete elliptic integral K(k) of the first kind from kc = sqrt(1 - k^2), by AGM."""
    a, b = 1.0, kc
    for _ in range(60):
        a, b = (a + b) / 2, np.sqrt(a * b)
        if abs(a - b) < 1e-16 * a:
            break
    return np.pi / (2 * a)


def onsager_energy(beta):
    """Onsager's infinite-lattice energy per spin (scalar or array beta).

    u = -coth 2K [1 + (2/pi)(2 tanh^2 2K - 1) K(k)], k = 2 sinh 2K / cosh^2 2K.
    """
    def one(K):
        K = check_beta(K)
        s, ch = np.sinh(2 * K), np.cosh(2 * K)
        one_minus_k = (s - 1) ** 2 / ch**2          # 1 - k without cancellation
        kc = np.sqrt(one_minus_k * (2 - one_minus_k))
        kk = 2 * np.tanh(2 * K) ** 2 - 1
        # at K_c, K(k) diverges only logarithmically while kk -> 0 linearly
        tail = 0.0 if kc == 0 else kk * _ellipk_complementary(kc)
        return -(1 + 2 / np.pi * tail) / np.tanh(2 * K)
    b = _betas(beta)
    flat = [one(x) for x in b.ravel()]
    return float(flat[0]) if b.ndim == 0 else np.reshape(flat, b.shape)
