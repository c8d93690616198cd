"""Observables and Monte Carlo error analysis.

Energies and magnetisations are per spin (J = 1, H = -sum_<ij> s_i s_j on a
periodic lattice). Autocorrelation times follow Sokal's convention
tau_int = 1/2 + sum_{t>=1} rho(t), so uncorrelated data have tau_int = 1/2,
with his automatic window (Madras & Sokal 1988).
"""

import numpy as np

from minirg._backend import get_namespace, is_numpy
from minirg._checks import check_spins

__all__ = ["lattice_energy", "energy_per_spin", "energy", "magnetization", "specific_heat", "autocorrelation",
           "tau_int", "mean_error", "jackknife"]


def lattice_energy(spins):
    """The energy H = -sum_<ij> s_i s_j of each periodic lattice (J = 1).

    Parameters
    ----------
    spins : (..., L, L) array of +-1, any array-API library (NumPy, CuPy, ...)

    Returns
    -------
    E : (...) int64
        Each of the 2 L^2 nearest-neighbour bonds counted once, as the bond
        to the right and the bond below each site. The fast version inside
        the pilot kernel is `_kernels._energy_sum` (= -E).
    """
    xp = get_namespace(spins)
    s = check_spins(spins) if is_numpy(xp) else _check_spins_xp(xp, spins)
    bonds = s * (xp.roll(s, -1, axis=-1) + xp.roll(s, -1, axis=-2))  # int8, |.| <= 2
    return -xp.sum(bonds, axis=(-2, -1), dtype=xp.int64)


def energy_per_spin(spins):
    """H / L^2 of each periodic lattice: spins (..., L, L) -> (...) float64.

    -2 for an ordered lattice, +2 for a checkerboard.
    """
    xp = get_namespace(spins)
    L = spins.shape[-1]
    return xp.astype(lattice_energy(spins), xp.float64) / (L * L)


energy = energy_per_spin        # the name used since phase 1


def _check_spins_xp(xp, spins):
    """check_spins for a non-NumPy array: shape (..., L, L), values +-1, as int8."""
    if spins.ndim < 2 or spins.shape[-1] != spins.shape[-2]:
        raise ValueError(f"spins must be square lattices (..., L, L), got shape {spins.shape}")
    if not bool(xp.all((spins == 1) | (spins == -1))):
        raise ValueError("spins must contain only +1 and -1")
    return xp.astype(spins, xp.int8)


def magnetization(spins):
    """Signed magnetisation per spin, spins : (..., L, L) -> (...) float64."""
    s = check_spins(spins)
    L = s.shape[-1]
    return np.sum(s, axis=(-2, -1), dtype=np.int64) / (L * L)


def specific_heat(e, beta, L):
    """Specific heat per spin c = beta^2 L^2 Var(e) from energies per spin e : (n,)."""
    e = np.asarray(e, dtype=np.float64)
    return beta**2 * L * L * np.var(e)


def autocorrelation(series):
    """Normalised autocorrelation rho(t), t = 0..n-1.

    series : (n,) or (chains, n). With several chains the autocovariance is
    taken about the common mean and averaged over chains (1/n normalisation,
    which has smaller variance than 1/(n - t)).
    """
    x = np.atleast_2d(np.asarray(series, dtype=np.float64))
    n = x.shape[-1]
    x = x - x.mean()
    size = 1 << int(2 * n - 1).bit_length()            # zero-pad: no wrap-around
    f = np.fft.rfft(x, size, axis=-1)
    acov = np.fft.irfft(f * np.conj(f), size, axis=-1)[:, :n].mean(axis=0) / n
    if acov[0] <= 0:
        return np.concatenate(([1.0], np.zeros(n - 1)))  # constant series
    return acov / acov[0]


def tau_int(series, c=6.0):
    """Integrated autocorrelation time with automatic windowing.

    Parameters
    ----------
    series : (n,) or (chains, n) array
        Time series (several independent chains of equal length allowed).
    c : float
        Window constant: the window W is the smallest with W >= c tau(W).

    Returns
    -------
    tau : float
        1/2 + sum_{t=1}^{W} rho(t), in units of the series' spacing; 0.5 for
        uncorrelated (or constant) data. If no window qualifies (series too
        short) the estimate at the longest window is returned.
    """
    rho = autocorrelation(series)
    taus = 0.5 + np.concatenate(([0.0], np.cumsum(rho[1:])))
    window = np.arange(taus.size)
    ok = window >= c * taus
    return float(taus[np.argmax(ok)] if ok.any() else taus[-1])


def mean_error(series, tau=None):
    """Mean and its standard error sqrt(2 tau Var / n) for correlated data.

    series : (n,) or (chains, n); tau defaults to tau_int(series).
    """
    x = np.asarray(series, dtype=np.float64)
    tau = tau_int(x) if tau is None else tau
    return float(x.mean()), float(np.sqrt(2 * tau * x.var() / x.size))


def jackknife(func, data, n_blocks=20):
    """Blocked jackknife estimate and error of func(data).

    data : (n, ...) array, split into n_blocks contiguous blocks along axis 0
    (blocks longer than the autocorrelation time make the error honest for
    correlated data); func maps an (m, ...) array to a scalar.
    """
    data = np.asarray(data)
    n = data.shape[0] - data.shape[0] % n_blocks
    blocks = np.split(data[:n], n_blocks)
    full = func(data[:n])
    loo = np.array([func(np.concatenate(blocks[:b] + blocks[b + 1:]))
                    for b in range(n_blocks)])
    err = np.sqrt((n_blocks - 1) / n_blocks * np.sum((loo - loo.mean()) ** 2))
    return float(full), float(err)
