"""The flow's verdicts and its REPORT.md section, rendered from results.json's ``flow``.

Nothing is computed here beyond choosing and formatting: the numbers come from
:class:`minirg.analysis.flow_controls.FlowResult` as the stage wrote them.  A
missing result raises :class:`~minirg.analysis.figures.MissingData` naming
it, never a silent "n/a".

The AE-WR has an attractive fixed point only if the sign map's flow crosses
beta' = beta with slope < 1, confidently (found in >= 97.5% of bootstrap
replicates, slope interval below 1), under an instrument-free thermometer
(energy) or a control-corrected one (the beta-net through its own identity
response).  A crossing of the raw beta-net reading alone does not count: the
same net on unchanged lattices shows one too.
"""

import numpy as np

from minirg.analysis.figures import MissingData

__all__ = ["need", "recursion_slope", "judged_crossings", "verdict_flow_direction", "verdict_flow_near_beta_c",
           "flow_section"]

HEADLINE = "ae_sign"
JUDGES = (("energy", "readings"), ("beta_net", "calibrated"), ("beta_net_sym", "calibrated"))
_NAMES = {("energy", "readings"): "energy MLE", ("beta_net", "calibrated"): "calibrated beta-net",
          ("beta_net_sym", "calibrated"): "calibrated symmetric beta-net",
          ("beta_net", "readings"): "beta-net"}


def need(results, *path):
    """results[path[0]][path[1]]...; MissingData naming the dotted path where absent."""
    d = results
    for i, key in enumerate(path):
        if not isinstance(d, dict) or d.get(key) is None:
            raise MissingData(f"results.json lacks {'.'.join(path[:i + 1])!r} "
                              "(run the analysis stage)")
        d = d[key]
    return d


def recursion_slope(results):
    """d beta'/d beta of the recursion at its root: fixed_points' value, or computed."""
    slope = (results.get("fixed_points") or {}).get("rg_recursion_slope")
    if slope is None:
        from minirg.ising import beta_prime
        root, h = need(results, "fixed_points", "rg_recursion"), 1e-6
        slope = (beta_prime(root + h) - beta_prime(root - h)) / (2 * h)
    return slope


def _reading(flow, source, m, t):
    return need(flow, m, t) if source == "readings" else need(flow, "calibrated", m, t)


def _c(x, spec=".3f"):
    return "n/a" if x is None or not np.isfinite(x) else format(x, spec)


def _crossing_text(c):
    lo, hi = c["ci"]
    slo, shi = c["slope_ci"]
    return (f"{c['beta']:.3f} [{_c(lo)}, {_c(hi)}] slope {c['slope']:.2f} [{_c(slo, '.2f')}, "
            f"{_c(shi, '.2f')}], found in {100 * c['found']:.0f}%")


def _crossings_text(reading):
    """Resolved crossings in full; the others (noise around the identity) counted."""
    cs = reading["crossing_details"]
    if not cs:
        return "none"
    sure = [c for c in cs if c["confident"]]
    text = "; ".join(f"{c['kind']} {_crossing_text(c)}" for c in sure) or "none resolved"
    rest = [c["beta"] for c in cs if not c["confident"]]
    if rest:
        text += f" (+{len(rest)} unresolved at {', '.join(f'{b:.3f}' for b in rest)})"
    return text


def judged_crossings(flow, m=HEADLINE):
    """(name, crossing) for each confident attractive crossing of map m under a judge."""
    out = []
    for t, source in JUDGES:
        for c in _reading(flow, source, m, t)["crossing_details"]:
            if c["confident"] and c["kind"] == "attractive":
                out.append((_NAMES[(t, source)], c))
    return out


def _what_the_data_show(flow, m=HEADLINE):
    """The energy MLE reading of map m against beta, in words with numbers."""
    beta = np.array(flow["beta"])
    mean = np.array([np.nan if v is None else v for v in need(flow, m, "energy", "mean")])
    gap = mean - beta
    i = int(np.nanargmin(np.abs(gap)))
    if np.all(gap > 0):
        head = "raises beta at every grid beta"
    elif np.all(gap < 0):
        head = "lowers beta at every grid beta"
    else:
        head = "raises beta at some grid betas and lowers it at others"
    return (f"under the energy MLE the AE-WR ({m}) {head} (beta' - beta from "
            f"{np.nanmin(gap):+.3f} to {np.nanmax(gap):+.3f}), closest to the identity at "
            f"beta = {beta[i]:.3f} (beta' = {mean[i]:.3f})")


def verdict_flow_direction(results):
    """An attractive AE-WR fixed point that survives the control; the recursion's repels."""
    flow = need(results, "flow")
    slope_rg = recursion_slope(results)
    claim = ("The AE-WR flow has an attractive fixed point that survives the control "
             "(energy MLE or calibrated beta-net), the recursion's repels")
    control = _crossings_text(need(flow, "identity", "beta_net"))
    raw = _crossings_text(need(flow, HEADLINE, "beta_net"))
    found = judged_crossings(flow)
    if found:
        shown = "; ".join(f"{name}: {_crossing_text(c)}" for name, c in found)
        evidence = f"attractive crossings {shown}"
    else:
        evidence = f"no confident attractive crossing; {_what_the_data_show(flow)}"
    ends = need(flow, "attractors", "energy")["groups"]
    K = len(need(flow, "iterated", "energy")) - 1
    where = ", ".join(f"{g['range'][0]:.3f}-{g['range'][1]:.3f} (starts "
                      f"{g['starts'][0]:.3f}-{g['starts'][1]:.3f})" for g in ends)
    text = (f"{claim}: {evidence}. Control, crossings of the beta-net on unchanged lattices: "
            f"{control}; on the AE-WR output: {raw}. Iterated K = {K} times, the energy MLE "
            f"ends at {where}. Recursion slope {slope_rg:.3f}. CIs: {flow['conditional']}.")
    return bool(found) and slope_rg > 1, text


def _decimation_crossing(results):
    """The measured decimation flow's crossing nearest the recursion's root, or None."""
    root = need(results, "fixed_points", "rg_recursion")
    cs = need(results, "flow", "decimation", "energy")["crossing_details"]
    return min(cs, key=lambda c: abs(c["beta"] - root), default=None)


def verdict_flow_near_beta_c(results):
    """The AE-WR's judged crossing, CI and all, lies nearer beta_c than the decimation's."""
    bc = need(results, "fixed_points", "beta_c_exact")
    root = need(results, "fixed_points", "rg_recursion")
    claim = f"The AE-WR fixed point lies nearer beta_c = {bc:.5f} than decimation's"
    dec = _decimation_crossing(results)
    if dec is not None and np.all(np.isfinite(dec["ci"])):
        far_ref = min(abs(x - bc) for x in (*dec["ci"], dec["beta"])) \
            if not dec["ci"][0] <= bc <= dec["ci"][1] else 0.0
        ref = f"measured decimation crossing {_crossing_text(dec)}"
    else:
        far_ref, ref = abs(root - bc), f"no measured decimation crossing; recursion root {root:.5f}"
    found = judged_crossings(need(results, "flow"))
    if not found:
        return False, f"{claim}: no confident AE-WR crossing under a judged thermometer ({ref})."
    name, c = min(found, key=lambda nc: abs(nc[1]["beta"] - bc))
    far_ae = max(abs(x - bc) for x in c["ci"])
    return bool(far_ae < far_ref), (f"{claim}: {name} {_crossing_text(c)} (CI within "
                                    f"{far_ae:.3f} of beta_c) vs {ref} (at least "
                                    f"{far_ref:.3f} away).")


def _row(flow, source, m, t, idx):
    r = _reading(flow, source, m, t)
    vals = [f"{_c(r['mean'][i])} +- {_c(r['sem'][i])}" for i in idx]
    fits = need(flow, "line_fits", m, t) if source == "readings" else None
    fit = "" if fits is None else (f"{_c(fits['whole'])} / {_c(fits['lower_half'])} / "
                                   f"{_c(fits['upper_half'])}")
    label = m if source == "readings" else f"{m}, calibrated"
    return f"| {label} | {t} | {' | '.join(vals)} | {_crossings_text(r)} | {fit} |"


def _iterated_lines(flow):
    lines = []
    for t, a in need(flow, "attractors").items():
        groups = "; ".join(f"{g['range'][0]:.3f}-{g['range'][1]:.3f} (from starts "
                           f"{g['starts'][0]:.3f}-{g['starts'][1]:.3f}, {g['n']} of them)"
                           for g in a["groups"])
        lines.append(f"- {t}: after K = {len(need(flow, 'iterated', t)) - 1} maps the per-beta "
                     f"readings end at {groups}; the slowest start settles (within 0.02) at "
                     f"k = {max(a['settle_k'])}, the last step moves at most "
                     f"{a['last_step']:.3f}.")
    return lines


def flow_section(results):
    """Markdown lines: the flow's readings beside the identity control, calibrated and iterated."""
    flow = need(results, "flow")
    beta = flow["beta"]
    idx = sorted({0, len(beta) // 2, len(beta) - 1})
    head = " | ".join(f"beta' at {beta[i]:.3f}" for i in idx)
    out = ["## The beta flow against its control", "",
           f"Per-beta readings (mean +- bootstrap standard error), crossings of beta' = beta "
           f"[95% CI] with the local slope [95% CI] (|slope| < 1 attracts), and the paper's "
           f"straight line fitted to the whole grid / its lower / upper half. A crossing is "
           f"resolved when >= 97.5% of the bootstrap replicates have one and its slope "
           f"interval lies inside (-1, 1) or outside it; others are listed as unresolved. "
           f"CIs: {flow['conditional']}.", "",
           f"| map | thermometer | {head} | crossings | line fit: whole / lower / upper |",
           "|---|---|" + "---|" * len(idx) + "---|---|"]
    # majority: results made before the stage read it lack the map (optional).
    maps = ("identity", "ae_sign", "ae_stochastic", "decimation") + (
        ("majority",) if "majority" in flow else ())
    for m in maps:
        for t in need(flow, m):
            out.append(_row(flow, "readings", m, t, idx))
    for m, by in need(flow, "calibrated").items():
        for t in by:
            out.append(_row(flow, "calibrated", m, t, idx))
    out += ["", "The iterated map sign(AE-WR)^k, k = 0..K, on the grid lattices:", ""]
    return out + _iterated_lines(flow) + [""]
