"""Reading beta off mapped lattices: per-beta means, bootstrap errors, crossings, calibration.

A *thermometer* turns each lattice into a number (a beta-net's prediction, or
an energy per spin) and each group of lattices drawn at one grid beta into
one reading: the mean prediction, or the maximum-likelihood beta of the
pooled energy.  A *map* (identity, an autoencoder, a decimation) sends the
grid lattices somewhere; reading its outputs gives beta' against beta.

Errors are a bootstrap over lattices within each grid beta: the trained nets,
the Monte Carlo chains behind the grid and the thermometer's own training
are held fixed.  One set of resampling indices serves every map and
thermometer, so readings of the same lattices stay paired (the calibrated
flow needs that).  NumPy only.
"""

import warnings
from dataclasses import dataclass

import numpy as np

__all__ = ["Crossing", "Reading", "Resampler", "crossings", "read", "calibrate"]


@dataclass(frozen=True)
class Crossing:
    """Where per-beta readings cross beta' = beta, interpolated between grid betas.

    beta : the crossing; slope : d beta' / d beta there, from a line through
    the four grid points around it (|slope| < 1: attractive, iterating the map
    moves lattices towards it; otherwise repulsive);
    ci, slope_ci : 95% bootstrap intervals (lattices resampled within each
    grid beta, nets held fixed) of the replicates' nearest crossing of the
    same direction (from above the identity to below, or the reverse); found :
    fraction of replicates that have one.
    """

    beta: float
    slope: float
    ci: tuple
    slope_ci: tuple
    found: float

    @property
    def kind(self):
        return "attractive" if abs(self.slope) < 1 else "repulsive"

    @property
    def confident(self):
        """Found in >= 97.5% of replicates, the slope interval inside (-1, 1) or outside it."""
        lo, hi = self.slope_ci
        return self.found >= 0.975 and (-1 < lo and hi < 1 or lo > 1 or hi < -1)

    def to_json(self):
        return {"beta": self.beta, "slope": self.slope, "kind": self.kind,
                "ci": _json_list(self.ci), "slope_ci": _json_list(self.slope_ci),
                "found": self.found, "confident": self.confident}


@dataclass(frozen=True)
class Reading:
    """One thermometer on one map: per-grid-beta values (g,) and their crossings.

    mean : the reading on all lattices; sem : the bootstrap standard error;
    ci_low, ci_high : 95% bootstrap percentiles; boot : (n_boot, g) replicates
    (kept for calibration, not written to JSON).  NaN marks a beta the
    reading does not reach (a calibration outside its control's range).
    """

    mean: np.ndarray
    sem: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    crossings: tuple
    boot: np.ndarray

    def to_json(self):
        num = _json_list
        return {"mean": num(self.mean), "sem": num(self.sem), "ci_low": num(self.ci_low),
                "ci_high": num(self.ci_high),
                "crossings": [c.beta for c in self.crossings],
                "crossing_details": [c.to_json() for c in self.crossings]}


def _json_list(a):
    return [None if not np.isfinite(x) else float(x) for x in np.asarray(a, dtype=float)]


class Resampler:
    """Bootstrap indices drawn once per grid beta, shared by every map and thermometer.

    beta : (n,) grid beta of each lattice; n_boot >= 1 replicates; seed of the
    NumPy Generator.  ``keys`` (g,) ascending; ``groups[j]`` the lattice
    indices at keys[j]; ``idx[j]`` (n_boot, n_j) resampled positions in it.
    """

    def __init__(self, beta, n_boot, seed):
        if int(n_boot) < 1:
            raise ValueError(f"n_boot = {n_boot}: expected at least 1 bootstrap replicate")
        beta = np.asarray(beta, dtype=np.float64)
        self.keys, inverse = np.unique(beta, return_inverse=True)
        self.groups = [np.flatnonzero(inverse == j) for j in range(self.keys.size)]
        rng = np.random.default_rng(seed)
        self.idx = [rng.integers(0, g.size, size=(int(n_boot), g.size), dtype=np.int32)
                    for g in self.groups]

    def apply(self, values, reduce):
        """reduce(values of a group, axis=-1): full (g,) and replicates (n_boot, g)."""
        values = np.asarray(values, dtype=np.float64)
        full = np.array([reduce(values[g], axis=-1) for g in self.groups])
        boot = np.stack([reduce(values[g][i], axis=-1) for g, i in zip(self.groups, self.idx)],
                        axis=1)
        return full, boot


def _local_slopes(keys, means):
    """Least-squares slope over grid points i-1 .. i+2 (those that exist and are finite)
    for each segment i.   keys: (g,); means: (..., g) -> (..., g-1)."""
    g = keys.size
    sums = [np.zeros(means.shape[:-1] + (g - 1,)) for _ in range(5)]   # n, x, y, xx, xy
    for off in (-1, 0, 1, 2):
        j = np.arange(g - 1) + off
        inside = (j >= 0) & (j < g)
        x = np.where(inside, keys[np.clip(j, 0, g - 1)], 0.0)
        y = means[..., np.clip(j, 0, g - 1)]
        w = inside & np.isfinite(y)                  # segment i's two ends always are
        y = np.where(w, y, 0.0)
        for acc, term in zip(sums, (w, w * x, y, w * x * x, y * x)):
            acc += term
    n, sx, sy, sxx, sxy = sums
    with np.errstate(divide="ignore", invalid="ignore"):
        return (n * sxy - sx * sy) / (n * sxx - sx * sx)


def _segments(keys, means):
    """Crossings of means (..., g) with keys, per segment (..., g-1): the interpolated beta
    (NaN where means - keys keeps its sign), the local slope, and whether the crossing is
    downward (from above the identity to below it as beta grows)."""
    gap = means - keys
    below = gap < 0
    dk = np.diff(keys)
    with np.errstate(divide="ignore", invalid="ignore"):
        beta = keys[:-1] - gap[..., :-1] * dk / (gap[..., 1:] - gap[..., :-1])
    cross = (below[..., :-1] != below[..., 1:]) & np.isfinite(gap[..., :-1] + gap[..., 1:])
    return np.where(cross, beta, np.nan), _local_slopes(keys, means), below[..., 1:]


def crossings(keys, means, boot):
    """Every interpolated crossing of beta' = beta, with bootstrap intervals.

    keys : (g,) grid betas, ascending; means : (g,) readings; boot : (n_boot, g).
    Returns a tuple of :class:`Crossing`, ascending in beta.
    """
    keys = np.asarray(keys, dtype=np.float64)
    beta, slope, down = _segments(keys, np.asarray(means, dtype=np.float64))
    r_beta, r_slope, r_down = _segments(keys, np.asarray(boot, dtype=np.float64))
    out = []
    for i in np.flatnonzero(np.isfinite(beta)):
        # Each replicate's crossing of the same direction nearest this one, if any.
        dist = np.where(r_down == down[i], np.abs(r_beta - beta[i]), np.inf)
        dist = np.where(np.isnan(dist), np.inf, dist)
        nearest = np.argmin(dist, axis=1)
        rows = np.flatnonzero(np.isfinite(dist[np.arange(len(dist)), nearest]))
        hits_b, hits_s = r_beta[rows, nearest[rows]], r_slope[rows, nearest[rows]]
        if rows.size:
            ci = tuple(float(x) for x in np.percentile(hits_b, [2.5, 97.5]))
            slope_ci = tuple(float(x) for x in np.percentile(hits_s, [2.5, 97.5]))
        else:
            ci = slope_ci = (float("nan"), float("nan"))
        out.append(Crossing(float(beta[i]), float(slope[i]), ci, slope_ci,
                            rows.size / max(len(boot), 1)))
    return tuple(out)


def _reading(keys, full, boot):
    with warnings.catch_warnings():      # a beta no replicate reaches is NaN, said so in JSON
        warnings.simplefilter("ignore", RuntimeWarning)
        sem = np.nanstd(boot, axis=0, ddof=1) if boot.shape[0] > 1 else np.zeros_like(full)
        lo, hi = np.nanpercentile(boot, [2.5, 97.5], axis=0)
    return Reading(full, sem, lo, hi, crossings(keys, full, boot), boot)


def read(resampler, values, reduce=np.mean):
    """A :class:`Reading` of per-lattice ``values`` (n,), grouped by grid beta."""
    full, boot = resampler.apply(values, reduce)
    return _reading(resampler.keys, full, boot)


def _invert(response, keys, values):
    """keys where the monotone ``response`` (g,) equals ``values``; NaN outside its range."""
    r = np.maximum.accumulate(response)          # a response must not fall back: take its hull
    out = np.interp(values, r, keys)
    return np.where((values < r[0]) | (values > r[-1]), np.nan, out)


def calibrate(keys, control, reading):
    """A reading mapped through the inverse of the thermometer's identity response.

    control : the :class:`Reading` of the same thermometer on the unchanged
    lattices (beta -> what the instrument says for beta); reading : on the
    mapped lattices.  Each bootstrap replicate inverts its own (paired)
    control, so the interval carries the instrument's uncertainty too.
    """
    keys = np.asarray(keys, dtype=np.float64)
    full = _invert(control.mean, keys, reading.mean)
    boot = np.stack([_invert(c, keys, r) for c, r in zip(control.boot, reading.boot)])
    return _reading(keys, full, boot)
