"""The flow of beta under an autoencoder or a decimation, and its fixed point.

A map beta -> beta' (measured lattice by lattice) is summarised by the
straight line fitted to the pairs (beta, beta'); where that line crosses the
identity beta' = beta is the flow's fixed point.  A fitted slope below 1
makes it attractive (lattices flow towards it), above 1 repulsive, like the
decimation recursion beta' = (3/8) ln cosh 4 beta at its root 0.50698.

``energy_beta`` measures beta without a trained network: for the
nearest-neighbour Ising model the energy is a sufficient statistic, so the
maximum-likelihood beta of a lattice is the beta at which the exact mean
energy of the L x L torus equals the lattice's energy.
"""

import functools

import numpy as np

from minirg._backend import get_namespace, to_numpy

__all__ = ["mean_by_beta", "fit_line", "identity_crossing", "flow_fixed_point", "local_crossing",
           "beta_from_energy", "energy_beta"]


def mean_by_beta(values, beta):
    """Mean of ``values`` per distinct ``beta``.  values, beta: (n,) -> keys (g,), means (g,).

    Sort-based (O(n log n) time, O(n) memory), so it also copes with many
    distinct betas.  ``beta`` values are compared exactly (grid values).
    """
    xp = get_namespace(values, beta)
    keys, inverse = xp.unique_inverse(beta)
    order = xp.argsort(inverse)
    group = xp.take(inverse, order)
    v = xp.take(xp.astype(values, xp.float64), order)
    ids = xp.arange(keys.shape[0], dtype=group.dtype)
    start = xp.searchsorted(group, ids, side="left")
    stop = xp.searchsorted(group, ids, side="right")
    csum = xp.cumulative_sum(v, include_initial=True)
    sums = xp.take(csum, stop) - xp.take(csum, start)
    return keys, sums / xp.astype(stop - start, xp.float64)


def _line_fit(x, y, axis=-1):
    """Least-squares slope and intercept along ``axis`` (batched over the others)."""
    xp = get_namespace(x, y)
    xm = xp.mean(x, axis=axis, keepdims=True)
    ym = xp.mean(y, axis=axis, keepdims=True)
    dx = x - xm
    slope = xp.sum(dx * (y - ym), axis=axis) / xp.sum(dx * dx, axis=axis)
    intercept = xp.squeeze(ym, axis=axis) - slope * xp.squeeze(xm, axis=axis)
    return slope, intercept


def fit_line(x, y):
    """Least-squares line y = slope * x + intercept.   x, y: (n,) -> (float, float)."""
    xp = get_namespace(x, y)
    x, y = xp.astype(x, xp.float64), xp.astype(y, xp.float64)
    if x.ndim != 1 or x.shape != y.shape or x.shape[0] < 2:
        raise ValueError(f"fit_line: expected two (n,) arrays, n >= 2; got {x.shape}, {y.shape}")
    if float(xp.max(x)) == float(xp.min(x)):
        raise ValueError("fit_line: all x are equal, the slope is undefined")
    slope, intercept = _line_fit(x, y)
    return float(slope), float(intercept)


def identity_crossing(slope, intercept):
    """The x where y = slope * x + intercept meets y = x: intercept / (1 - slope)."""
    if slope == 1:
        raise ValueError("identity_crossing: slope is exactly 1, the line never meets "
                         "(or lies on) the identity")
    return intercept / (1 - slope)


def _bootstrap_lines(x, y, n_boot, seed, chunk):
    """Slopes and intercepts (n_boot,) NumPy of lines fitted to resampled (x, y) pairs."""
    xp = get_namespace(x, y)
    x, y = xp.astype(x, xp.float64), xp.astype(y, xp.float64)
    n, rng = x.shape[0], np.random.default_rng(seed)   # indices drawn on the host
    slopes, intercepts = [], []
    for start in range(0, n_boot, chunk):
        m = min(chunk, n_boot - start)
        idx = xp.asarray(rng.integers(0, n, size=m * n))
        s, c = _line_fit(xp.reshape(xp.take(x, idx), (m, n)),
                         xp.reshape(xp.take(y, idx), (m, n)))
        slopes.append(to_numpy(s))
        intercepts.append(to_numpy(c))
    return np.concatenate(slopes), np.concatenate(intercepts)


def flow_fixed_point(beta, beta_pred, n_boot=1000, seed=0, chunk=50):
    """Fixed point of a measured flow, with a 95% pairs-bootstrap interval.

    Parameters
    ----------
    beta : (n,) array
        The beta each input lattice was sampled at.
    beta_pred : (n,) array
        The beta measured on the mapped lattice (one value per lattice).
    n_boot : int
        Bootstrap replicates: resample the n lattices with replacement, refit.
    seed : int
        Seed of the host NumPy Generator drawing the resampling indices.
    chunk : int
        Replicates fitted at once (bounds memory at ``chunk * n`` indices).

    Returns
    -------
    dict
        ``value``, ``slope``, ``intercept`` of the fit to all lattices;
        ``ci_low``, ``ci_high`` (2.5 and 97.5 percentiles of the replicates'
        crossings) and ``slope_ci_low``, ``slope_ci_high``.
    """
    if n_boot < 1:
        raise ValueError(f"n_boot = {n_boot}: expected at least 1 replicate")
    slope, intercept = fit_line(beta, beta_pred)
    s, c = _bootstrap_lines(beta, beta_pred, n_boot, seed, chunk)
    with np.errstate(divide="ignore", invalid="ignore"):   # a replicate may hit slope 1
        crossings = c / (1 - s)
    lo, hi = np.nanpercentile(crossings, [2.5, 97.5])
    s_lo, s_hi = np.nanpercentile(s, [2.5, 97.5])
    return {"value": identity_crossing(slope, intercept), "slope": slope,
            "intercept": intercept, "ci_low": float(lo), "ci_high": float(hi),
            "slope_ci_low": float(s_lo), "slope_ci_high": float(s_hi)}


def local_crossing(beta, beta_pred):
    """First beta where the per-beta means of ``beta_pred`` cross beta' = beta upwards.

    beta, beta_pred : (n,) -> float, or None if the means never cross from
    below.  Linear interpolation between neighbouring grid betas, so unlike
    `flow_fixed_point` no line is fitted over the whole range (a curved flow,
    such as a decimation's, is not a line).
    """
    keys, means = (to_numpy(a) for a in mean_by_beta(beta_pred, beta))
    gap = means - keys
    for i in np.flatnonzero((gap[:-1] < 0) & (gap[1:] >= 0)):
        return float(keys[i] - gap[i] * (keys[i + 1] - keys[i]) / (gap[i + 1] - gap[i]))
    return None


@functools.lru_cache(maxsize=16)
def _energy_table(L):
    """(beta grid, exact energy per spin) of the L x L torus on beta in [-2, 2]."""
    from minirg.ising import exact_energy

    beta = np.concatenate([np.linspace(1e-4, 1.0, 1200), np.linspace(1.0, 2.0, 201)[1:]])
    u = np.array([float(exact_energy(L, b)) for b in beta])
    # The square lattice is bipartite (even L): flipping one sublattice maps
    # beta to -beta and E to -E, so u(-beta) = -u(beta).  Allowing beta < 0
    # keeps per-lattice estimates unbiased near beta = 0, where a hot
    # lattice's energy fluctuates above zero half the time.
    return np.concatenate([-beta[::-1], beta]), np.concatenate([-u[::-1], u])


def beta_from_energy(u, L):
    """Invert the exact mean energy per spin of the L x L torus.  u: (n,) -> (n,) float64.

    Linear interpolation in a table of ``minirg.ising.exact_energy`` on
    beta in [-2, 2] (u decreases monotonically in beta); values beyond the
    table's energies are clipped to beta = -2 or 2.
    """
    if L % 2:
        raise ValueError(f"L = {L}: expected an even lattice side")
    beta, table = _energy_table(int(L))
    # np.interp needs increasing abscissae: u falls as beta grows, so reverse.
    return np.interp(to_numpy(u), table[::-1], beta[::-1])


def energy_beta(spins, L=None):
    """Maximum-likelihood beta of each lattice under the nearest-neighbour Ising model.

    Parameters
    ----------
    spins : (n, L, L) or (n, L*L) +-1 array
        Square lattices (periodic); flattened rows need ``L``.
    L : int, optional
        Lattice side, required only for flattened input.

    Returns
    -------
    (n,) float64 NumPy array
        The beta at which the exact mean energy per spin of the L x L torus
        equals each lattice's energy per spin (energy is the sufficient
        statistic, so this solves the likelihood equation).  For a pooled
        estimate over lattices at one beta, use
        ``beta_from_energy(mean(minirg.ising.energy_per_spin(spins)), L)``.
    """
    from minirg.ising import energy_per_spin       # the one lattice energy
    xp = get_namespace(spins)
    if spins.ndim == 2 and L is not None and spins.shape[1] == L * L:
        spins = xp.reshape(spins, (spins.shape[0], L, L))
    if spins.ndim != 3 or spins.shape[1] != spins.shape[2]:
        raise ValueError(f"energy_beta: expected square lattices (n, L, L) (or (n, L*L) "
                         f"with L given), got shape {tuple(spins.shape)}")
    return beta_from_energy(energy_per_spin(spins), spins.shape[1])
