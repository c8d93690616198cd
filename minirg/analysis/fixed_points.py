"""The paper's fixed-point numbers: straight lines through (beta, beta'), the recursion's root.

These are the ``fixed_points`` keys of results.json, kept as the paper's
numbers; :mod:`minirg.analysis.flow_controls` judges the flow against its
control.  NumPy only.
"""

import numpy as np

from minirg.analysis.flow import fit_line, flow_fixed_point, local_crossing, mean_by_beta

__all__ = ["fixed_points"]


def _num(x):
    """float(x), or None where x is None or not finite (JSON has no NaN)."""
    return None if x is None or not np.isfinite(x) else float(x)


def _flow(beta, pred, n_boot, seed):
    """flow_fixed_point, or None where the fitted line never meets the identity (slope 1).

    Any other error (a bad n_boot, degenerate betas) propagates: a swallowed
    one would turn every fixed point into null without saying why.
    """
    if fit_line(beta, pred)[0] == 1:
        return None
    return flow_fixed_point(beta, pred, n_boot=n_boot, seed=seed)


def _estimator_check(beta, est):
    """How well energy_beta recovers the known beta of undecimated lattices.   beta, est: (n,).

    ``estimator_check_mae``: mean |est - beta| over lattices (mostly one
    lattice's energy fluctuation); ``estimator_check_bias``: the largest
    |mean(est) - beta| over grid betas; ``estimator_check_z``: the largest
    such bias in units of its standard error (None with one lattice per beta).
    """
    keys, means = mean_by_beta(est, beta)
    bias = np.abs(means - keys)
    counts = np.array([np.sum(beta == k) for k in keys])
    z = None
    if np.all(counts > 1):
        sd = np.array([np.std(est[beta == k], ddof=1) for k in keys])
        with np.errstate(divide="ignore", invalid="ignore"):
            z = _num(np.max(np.where(bias > 0, bias / (sd / np.sqrt(counts)), 0.0)))
    return {"estimator_check_mae": float(np.mean(np.abs(est - beta))),
            "estimator_check_bias": float(np.max(bias)), "estimator_check_z": z}


def _recursion_twice_gap(beta, pooled):
    """Largest |measured beta of the (L/2 x L/2) decimated lattices - R(R(beta))| over the grid.

    Two decimation steps make the L/2 x L/2 lattice, so the recursion's
    prediction for it is R applied twice, R(beta) = (3/8) ln cosh 4 beta.
    """
    from minirg.ising import beta_prime
    keys = np.unique(beta)
    twice = np.array([beta_prime(beta_prime(float(b))) for b in keys])
    return float(np.max(np.abs(np.asarray(pooled) - twice)))


def fixed_points(arrays, head, n_boot, seed, beta_critical):
    """The ``fixed_points`` dict from the analysis arrays (contract in ``figures``).

    head : "sign" or "raw", the beta-net input whose line is ``ae_flow``;
    n_boot, seed : the pairs bootstrap of each line; beta_critical : the
    configuration's stand-in for beta_c (``beta_c_used``).
    """
    from minirg.ising import BETA_C, fixed_point, recursion_slope
    beta = arrays["grid_beta"]
    flows = {v: _flow(beta, arrays[f"grid_pred_{v}"], n_boot, seed) for v in ("sign", "raw")}
    ae, dec = flows[head] or {}, _flow(beta, arrays["dec_beta_est"], n_boot, seed) or {}
    in_range = dec and float(np.min(beta)) <= dec["value"] <= float(np.max(beta))
    return {
        "rg_recursion": fixed_point(), "rg_recursion_slope": recursion_slope(),
        "ae_flow": _num(ae.get("value")), "ae_flow_input": head,
        "ae_flow_ci": [_num(ae.get("ci_low")), _num(ae.get("ci_high"))],
        "ae_flow_slope": _num(ae.get("slope")),
        "ae_flow_sign": _num((flows["sign"] or {}).get("value")),
        "ae_flow_raw": _num((flows["raw"] or {}).get("value")),
        "decimation_measured": _num(dec["value"]) if in_range else None,
        "decimation_measured_slope": _num(dec.get("slope")),
        "decimation_local": local_crossing(np.unique(beta), arrays["dec_beta_pooled"]),
        "decimation_vs_recursion_twice": _recursion_twice_gap(beta, arrays["dec_beta_pooled"]),
        **_estimator_check(beta, arrays["grid_beta_est_input"]),
        "beta_c_exact": BETA_C, "beta_c_used": beta_critical,
    }
