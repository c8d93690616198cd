"""One-line notes for REPORT.md, computed from a run's analysis arrays and fixed points.

Each note states a number and what it means for this run, so a reader can
judge the headline values: the beta-net against a constant guess, the
energy estimator on lattices of known beta, and how much a fixed point of a
fitted line depends on the fit range and the beta-net's input.
"""

import numpy as np

from minirg.analysis.flow import fit_line, identity_crossing

__all__ = ["run_notes", "half_crossings"]

# energy_beta "recovers beta" if no per-beta mean is off by more than either.
_BIAS_OK, _Z_OK = 0.02, 4.0     # absolute; standard errors (20 betas: 4 sigma is rare)


def _fmt(x, spec=".4f"):
    return "n/a" if x is None or not np.isfinite(x) else format(x, spec)


def half_crossings(beta, beta_pred):
    """Identity crossings of the lines fitted to the lower and upper halves of the grid.

    beta, beta_pred : (n,) -> [low, high] floats (NaN where a half holds a
    single beta or its line has slope 1).
    """
    keys = np.unique(beta)
    cut = keys[len(keys) // 2]
    out = []
    for part in (beta < cut, beta >= cut):
        try:
            out.append(identity_crossing(*fit_line(beta[part], beta_pred[part])))
        except ValueError:
            out.append(float("nan"))
    return out


def _check_notes(arrays, fp):
    """The beta-net against a constant guess; energy_beta on lattices of known beta."""
    test_beta, test_pred = arrays["test_beta"], arrays["test_pred"]
    mse, const = np.mean((test_pred - test_beta) ** 2), np.var(test_beta)
    bias, z = fp["estimator_check_bias"], fp.get("estimator_check_z")
    ok = bias < _BIAS_OK or (z is not None and z < _Z_OK)
    verdict = "it recovers beta" if ok else "the estimator or the data is off"
    se = "" if z is None else f" ({z:.1f} standard errors)"
    return [f"beta-net test MSE {mse:.4g} against {const:.4g} for the best constant guess "
            f"(the test set's mean beta): {'better' if mse < const else 'no better'} than it.",
            f"energy_beta on the undecimated grid lattices: mean |error| per lattice "
            f"{fp['estimator_check_mae']:.4f} (one lattice's energy fluctuates), "
            f"largest |bias| of a per-beta mean {bias:.4f}{se}: {verdict}."]


def _flow_notes(arrays, fp):
    """The AE-WR fixed point: fit range, beta-net input, extrapolation."""
    beta, head = arrays["grid_beta"], fp["ae_flow_input"]
    lo, hi = half_crossings(beta, arrays[f"grid_pred_{head}"])
    notes = [f"The AE-WR fixed point is where a straight line fitted to (beta, beta') meets "
             f"beta' = beta, so it depends on the fit range: {_fmt(fp['ae_flow'])} over the "
             f"whole grid, {_fmt(lo)} over its lower half, {_fmt(hi)} over its upper half.",
             f"beta-net input: {head} (headline); fixed point {_fmt(fp['ae_flow_sign'])} on "
             f"sign(output), {_fmt(fp['ae_flow_raw'])} on the raw output."]
    b_lo, b_hi = float(np.min(beta)), float(np.max(beta))
    if fp["ae_flow"] is not None and not b_lo <= fp["ae_flow"] <= b_hi:
        notes.append(f"The AE-WR crossing {fp['ae_flow']:.4f} lies outside the grid "
                     f"[{b_lo:.3g}, {b_hi:.3g}]: it extrapolates the fitted line.")
    return notes


def _decimation_note(fp):
    dec, local = fp["decimation_measured"], fp["decimation_local"]
    where = f"at {dec:.4f}" if dec is not None else "nowhere within the grid"
    local = f"at {local:.4f}" if local is not None else "nowhere"
    note = (f"Decimated lattices' measured beta: the line fitted over the grid meets "
            f"beta' = beta {where}; the pooled per-beta estimates (from the mean energy) "
            f"cross it {local} (interpolated); "
            f"the recursion's root is {fp['rg_recursion']:.5f}.")
    gap = fp.get("decimation_vs_recursion_twice")
    if gap is not None:
        note += (f" The decimated lattices are two decimation steps away from the input; "
                 f"their measured beta differs from the recursion applied twice by at "
                 f"most {gap:.4f} over the grid.")
    return note


def run_notes(arrays, fixed_points):
    """Notes (list of str) from the analysis ``arrays`` and ``fixed_points`` of a run.

    arrays needs ``test_beta``, ``test_pred``, ``grid_beta`` and
    ``grid_pred_<input>``; fixed_points is ``results["fixed_points"]`` as the
    analysis stage writes it.
    """
    fp = fixed_points
    return _check_notes(arrays, fp) + _flow_notes(arrays, fp) + [_decimation_note(fp)]
