"""The beta flow under control: two thermometers on every map, calibration, the iterated map.

Maps of the grid lattices (n, L, L) at their grid betas:

- ``identity``: the lattices unchanged, the control: what each thermometer
  says about lattices whose beta is known;
- ``ae_sign``, ``ae_stochastic``: AE-WR outputs mapped to spins (majority
  sign, or one draw with the output as local magnetisation);
- ``decimation``: two decimation steps, (n, L/2, L/2) (energy only: the
  beta-net reads L x L lattices);
- ``majority`` (read when given): one 2 x 2 majority-rule step, (n, L/2, L/2),
  energy only like decimation: the second coarse-grainer's flow.

Thermometers: ``beta_net`` (the trained regressor), ``beta_net_sym`` =
(f(s) + f(-s)) / 2 (the Hamiltonian is flip-symmetric; the net need not be)
and ``energy``, the maximum-likelihood beta of the pooled lattices from the
exact finite-L mean energy: it needs no training, so it cannot shrink
towards a training mean.

The *calibrated* flow maps an AE reading through the inverse of the same
thermometer's identity response; the *iterated* map applies sign(AE-WR)
k = 0..K times and reads every step.
"""

from dataclasses import dataclass

import numpy as np

from minirg.analysis.flow import beta_from_energy, fit_line, identity_crossing
from minirg.analysis.thermometry import Resampler, calibrate, read

__all__ = ["MAPS", "OPTIONAL_MAPS", "THERMOMETERS", "CONDITIONAL", "FlowResult",
           "flow_analysis", "attractors", "line_fits", "crossings_by_kind"]

MAPS = ("identity", "ae_sign", "ae_stochastic", "decimation")
OPTIONAL_MAPS = ("majority",)      # read when the stage gives them (older callers do not)
THERMOMETERS = ("beta_net", "beta_net_sym", "energy")
CONDITIONAL = ("95% bootstrap over the lattices at each grid beta; the trained AE-WR and "
               "beta-net, and the Monte Carlo chains behind the grid, held fixed")
_SETTLE = 0.02          # |beta_k - beta_K| below which a start has settled (beta units)
_GAP = 0.05             # final betas further apart than this are different attractors


@dataclass(frozen=True)
class FlowResult:
    """Everything the report and figures say about the flow; computed once by the stage.

    beta : (g,) grid betas; readings[map][thermometer] and
    calibrated[map][thermometer] : :class:`~minirg.analysis.thermometry.Reading`;
    iterated[thermometer] : (K+1, g) per-beta means after k maps;
    attractors[thermometer] : :func:`attractors`; line_fits[map][thermometer] :
    :func:`line_fits`; conditional : what every interval is conditional on.
    """

    beta: np.ndarray
    readings: dict
    calibrated: dict
    iterated: dict
    attractors: dict
    line_fits: dict
    conditional: str = CONDITIONAL

    def to_json(self):
        """The ``flow`` object of results.json (plain lists; NaN -> None).

        Each reading also carries :func:`crossings_by_kind`'s scalars, so an
        aggregate over seeds averages like with like.
        """
        def one(r):
            return {**r.to_json(), **crossings_by_kind(r.crossings)}

        nested = {m: {t: one(r) for t, r in by.items()} for m, by in self.readings.items()}
        return {"beta": [float(b) for b in self.beta], **nested,
                "calibrated": {m: {t: one(r) for t, r in by.items()}
                               for m, by in self.calibrated.items()},
                "iterated": {t: [[float(x) for x in row] for row in a]
                             for t, a in self.iterated.items()},
                "attractors": self.attractors, "line_fits": self.line_fits,
                "conditional": self.conditional}


class _Thermometers:
    """Per-lattice values of each thermometer, and how a group of them becomes a reading."""

    def __init__(self, predict_beta, L):
        self.predict_beta, self.L = predict_beta, int(L)

    def values(self, lattices, names):
        """name -> (n,) per-lattice values: predictions, or energies per spin."""
        from minirg.ising import energy_per_spin
        out, plain = {}, None
        if "beta_net" in names or "beta_net_sym" in names:
            plain = self.predict_beta(lattices)
        if "beta_net" in names:
            out["beta_net"] = plain
        if "beta_net_sym" in names:
            out["beta_net_sym"] = (plain + self.predict_beta(-lattices)) / 2
        if "energy" in names:
            out["energy"] = energy_per_spin(lattices)
        return out

    def reducer(self, name, side):
        """Per-group statistic: the mean prediction, or the pooled energy's ML beta."""
        if name != "energy":
            return np.mean
        return lambda u, axis: beta_from_energy(np.mean(u, axis=axis), side)


def crossings_by_kind(crossings):
    """The beta of a reading's one confident crossing of each kind, and how many it has.

    crossings : :class:`~minirg.analysis.thermometry.Crossing` objects.  Returns
    ``attractive``, ``repulsive`` (the beta, or None where the reading has no
    confident crossing of that kind, or several: which of them is "the" fixed
    point is a judgement, not something to average over seeds) and
    ``n_attractive``, ``n_repulsive`` (the number of confident ones).
    Unresolved crossings (noise around the identity) count for neither.
    """
    out = {}
    for kind in ("attractive", "repulsive"):
        sure = [c.beta for c in crossings if c.confident and c.kind == kind]
        out[kind] = sure[0] if len(sure) == 1 else None
        out[f"n_{kind}"] = len(sure)
    return out


def line_fits(keys, means):
    """The paper's straight line through per-beta means, on the whole grid and each half.

    keys, means : (g,) -> dict of crossings ``whole``, ``lower_half``,
    ``upper_half`` (None where undefined) and the whole-grid ``slope``.
    """
    keys, means = np.asarray(keys, float), np.asarray(means, float)
    cut = keys[len(keys) // 2]
    parts = {"whole": np.isfinite(means), "lower_half": (keys < cut) & np.isfinite(means),
             "upper_half": (keys >= cut) & np.isfinite(means)}
    out = {}
    for name, keep in parts.items():
        try:
            slope, intercept = fit_line(keys[keep], means[keep])
            out[name] = identity_crossing(slope, intercept)
            if name == "whole":
                out["slope"] = slope
        except ValueError:                      # one beta in a half, or slope exactly 1
            out[name] = None
    out.setdefault("slope", None)
    return out


def attractors(keys, path):
    """Where the iterated map goes.   keys: (g,) start betas; path: (K+1, g) means.

    Returns ``final`` (g,) beta_K; ``settle_k`` (g,) the first k from which
    every later beta_k stays within 0.02 of beta_K; ``groups``: final values
    clustered (gaps > 0.05 separate them), each with its mean ``beta``, the
    ``range`` of final values in it (wide: each start stops at its own value,
    a line of fixed points rather than one attractor), the ``starts`` [lowest, highest] start beta that ends there and ``n`` starts;
    ``last_step``: max |beta_K - beta_{K-1}| (small: the iteration has settled).
    """
    path = np.asarray(path, dtype=np.float64)
    final = path[-1]
    near = np.abs(path - final) <= _SETTLE
    settle = [int(len(path) - np.argmin(near[::-1, j])) if not near[:, j].all() else 0
              for j in range(path.shape[1])]
    order = np.argsort(final)
    cuts = np.flatnonzero(np.diff(final[order]) > _GAP) + 1
    groups = [{"beta": float(np.mean(final[idx])),
               "range": [float(final[idx].min()), float(final[idx].max())],
               "starts": [float(keys[idx].min()), float(keys[idx].max())], "n": int(idx.size)}
              for idx in np.split(order, cuts)]
    last = float(np.max(np.abs(path[-1] - path[-2]))) if len(path) > 1 else 0.0
    return {"final": [float(x) for x in final], "settle_k": settle, "groups": groups,
            "last_step": last}


def _iterate(ae_sign_map, readings, start, therm, groups, L, K):
    """(K+1, g) per-beta readings of sign(AE)^k, k = 0..K, for each thermometer.

    k = 0 and k = 1 are the identity and ae_sign readings already made;
    ``start`` is the ae_sign lattices, mapped again for k >= 2.
    """
    paths = {t: [readings["identity"][t].mean, readings["ae_sign"][t].mean][:K + 1]
             for t in THERMOMETERS}
    x = start
    for _ in range(2, K + 1):
        x = ae_sign_map(x)
        for name, v in therm.values(x, THERMOMETERS).items():
            reduce = therm.reducer(name, L)
            paths[name].append(np.array([reduce(v[g], axis=-1) for g in groups]))
    return {t: np.stack(p) for t, p in paths.items()}


def flow_analysis(beta, lattices, predict_beta, ae_sign_map, n_boot, seed, iterations):
    """The flow with controls (see the module docstring).

    Parameters
    ----------
    beta : (n,) grid beta of each lattice
    lattices : dict map -> (n, side, side) int8 +-1 lattices, maps as in ``MAPS``
        and optionally ``OPTIONAL_MAPS`` (``identity`` sets L; ``decimation`` and
        ``majority`` may have another side: energy only)
    predict_beta : callable (n, L, L) int8 -> (n,) float64, the beta-net
    ae_sign_map : callable (n, L, L) -> (n, L, L), sign of the AE-WR output
        (``lattices["ae_sign"]`` must be ``ae_sign_map(lattices["identity"])``)
    n_boot : int >= 1; seed : int (bootstrap indices)
    iterations : K >= 1, the number of times the iterated map is applied

    Returns
    -------
    FlowResult
    """
    L = lattices["identity"].shape[-1]
    res = Resampler(beta, n_boot, seed)
    therm = _Thermometers(predict_beta, L)
    readings = {}
    for name in MAPS + tuple(m for m in OPTIONAL_MAPS if m in lattices):
        x = lattices[name]
        wanted = THERMOMETERS if x.shape[-1] == L else ("energy",)
        vals = therm.values(x, wanted)
        readings[name] = {t: read(res, v, therm.reducer(t, x.shape[-1]))
                          for t, v in vals.items()}
    control = readings["identity"]
    calibrated = {m: {t: calibrate(res.keys, control[t], r) for t, r in readings[m].items()}
                  for m in ("ae_sign", "ae_stochastic")}
    iterated = _iterate(ae_sign_map, readings, lattices["ae_sign"], therm, res.groups, L,
                        int(iterations))
    return FlowResult(
        beta=res.keys, readings=readings, calibrated=calibrated, iterated=iterated,
        attractors={t: attractors(res.keys, p) for t, p in iterated.items()},
        line_fits={m: {t: line_fits(res.keys, r.mean) for t, r in by.items()}
                   for m, by in readings.items()})
