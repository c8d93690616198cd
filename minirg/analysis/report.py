"""REPORT.md of a run: figures, the paper's numbers beside ours, and verdicts.

``results`` is the dict the pipeline writes to ``results.json``::

    losses        {name: {train, val, train_data, val_data}}  name in model1, model2,
                  model2_cg, model3, ae_wr
    histories     {name: {loss: [...], val_loss: [...]}}
    beta_net      {test_mse, train_mse}
    fixed_points  {rg_recursion, ae_flow, ae_flow_ci: [lo, hi], ae_flow_slope,
                   ae_flow_raw, decimation_measured, beta_c_exact, beta_c_used,
                   rg_recursion_slope (optional); the analysis stage adds
                   ae_flow_input, ae_flow_sign, decimation_measured_slope,
                   decimation_local, estimator_check_{mae,bias,z}}
    entropy       {beta, input, ae, ae_quantized, rg}: lists over the beta grid
    weights       {cg_W1, ae_W1, cg_W2, ae_W2, hcg_W1, hcg_W2: correlation.weight_stats(W)}
    flow          FlowResult.to_json() (minirg.analysis.flow_controls): beta, MAP:
                  {THERMOMETER: {mean, sem, ci_low, ci_high, crossings,
                  crossing_details}}, calibrated, iterated, attractors, line_fits,
                  conditional
    config, timings {total_s, <stage>: seconds}, notes (optional list of lines)

Training numbers may be missing (they read "n/a"); the analysis results
(``flow``, ``config``, ``fixed_points.beta_c_used``) may not: their absence
raises MissingData naming the key.
"""

import os

from minirg._io import atomic_path
from minirg.analysis.flow_report import (flow_section, need, recursion_slope,
                                         verdict_flow_direction, verdict_flow_near_beta_c)

__all__ = ["PAPER", "CAPTIONS", "VERDICTS", "write_report", "render_report"]

# The paper's headline numbers (arXiv:2108.06157, text and appendix A).
PAPER = {
    "model1_train": 0.276, "model1_val": 0.281,
    "model2_train": 0.338, "model2_val": 0.341,
    "model3_train": 0.600, "model3_val": 0.601,
    "ae_wr_train": 0.347, "ae_wr_val": 0.357,
    "beta_net_mse": 0.0035,
    "ae_flow": 0.45265,
    "decimation_fixed_point": 0.505, "rg_recursion_exact": 0.50698,
    "beta_c_used": 0.4352, "beta_c_exact": 0.44069,
}

CAPTIONS = {
    "losses": "Hinge loss (data + L1) per epoch: Models 1, 2 and 2-CG, Model-3 "
              "evaluated only (left); AE-WR (right).",
    "reconstruction": "Critical lattices and their raw reconstructions by Models 1-3.",
    "weights": "Encoder kernels W1 and W2 (top-left corner): RG-trained CG nets "
               "against the autoencoder.",
    "weights_full": "The same kernels in full: W1 (L^2 x L^2/2) and W2 (L^2/2 x L^2/4).",
    "correlation_full": "The W W^T matrices in full (colours span the off-diagonal range).",
    "correlation": "Spin-correlation matrices W W^T of the same kernels (top-left corner; "
                   "colours span the off-diagonal range, the diagonal saturates).",
    "entropy": "Mean local Shannon entropy (3x3, periodic) of input, AE-WR output and "
               "decimated lattices against beta.",
    "panel": "Lattices at three betas: input, AE-WR output, two-step decimation.",
    "beta_prediction": "beta-net prediction against the true beta on its test set.",
    "flow": "The beta flow beside its control: beta-net (left) and energy MLE (middle) "
            "readings of unchanged lattices (identity), AE-WR outputs and decimated lattices; "
            "right: the AE-WR's beta-net reading calibrated by the identity response "
            "(95% bootstrap band over lattices, nets held fixed).",
    "iterated": "The iterated map: beta_k of sign(AE-WR)^k applied to the grid lattices, "
                "one line per starting beta, under each thermometer.",
}


def _get(d, *path):
    """d[path[0]][path[1]]..., or None where any level is missing."""
    for key in path:
        if not isinstance(d, dict) or d.get(key) is None:
            return None
        d = d[key]
    return d


def _fmt(x, spec=".4g"):
    return "n/a" if x is None else format(x, spec)


def _pair(a, b, spec=".4g"):
    return f"{_fmt(a, spec)} / {_fmt(b, spec)}"


def verdict_loss_ordering(results):
    """Model-1 < Model-2 < Model-3 in validation loss."""
    v = [_get(results, "losses", m, "val") for m in ("model1", "model2", "model3")]
    claim = "Validation loss orders Model-1 < Model-2 < Model-3 (paper 0.281 < 0.341 < 0.601)"
    if None in v:
        return None, f"{claim}: n/a (losses missing)."
    holds = v[0] < v[1] < v[2]
    return bool(holds), f"{claim}; this run: {v[0]:.3f}, {v[1]:.3f}, {v[2]:.3f}."


def verdict_loss_ordering_data(results):
    """Model-1 < Model-2 < Model-3 in validation data loss (the L1 penalty left out)."""
    v = [_get(results, "losses", m, "val_data") for m in ("model1", "model2", "model3")]
    claim = "Validation data loss (no L1 term) orders Model-1 < Model-2 < Model-3"
    if None in v:
        return None, f"{claim}: n/a (data losses missing)."
    return bool(v[0] < v[1] < v[2]), f"{claim}; this run: {v[0]:.3f}, {v[1]:.3f}, {v[2]:.3f}."


def verdict_sparse_weights(results):
    """RG-trained kernels sparser (sparsity and Gini) than the autoencoder's."""
    claim = "RG-trained kernels are sparse, the autoencoder's diffuse"
    parts, ok = [], []
    for layer in ("W1", "W2"):
        cg, ae = _get(results, "weights", f"cg_{layer}"), _get(results, "weights", f"ae_{layer}")
        if cg is None or ae is None:
            continue
        ok.append(cg["sparsity"] > ae["sparsity"] and cg["gini"] > ae["gini"])
        parts.append(f"{layer} sparsity {cg['sparsity']:.3f} vs {ae['sparsity']:.3f}, "
                     f"Gini {cg['gini']:.3f} vs {ae['gini']:.3f}")
    if not ok:
        return None, f"{claim}: n/a (weight statistics missing)."
    return bool(all(ok)), f"{claim} (RG vs AE): {'; '.join(parts)}."


def verdict_near_diagonal(results):
    """W1 W1^T carries more mass on lattice-neighbour offsets (+-1, +-L) for the RG-trained kernel.

    The exact decimation matrix is the baseline: its W W^T is diagonal (share
    1 on offset 0, nothing on neighbours), so what an RG-trained kernel puts
    on neighbours is learned, not inherited from the decimation it imitates.
    """
    L = need(results, "config", "L")
    keys = ["1", str(L)]
    stats = {w: _get(results, "weights", f"{w}_W1", "near_diagonal") for w in ("cg", "ae", "hcg")}
    claim = f"W1 W1^T has more mass on lattice-neighbour offsets (+-1, +-{L}) for RG than for AE"
    if stats["cg"] is None or stats["ae"] is None or \
            not all(k in stats[w] for w in ("cg", "ae") for k in keys):
        return None, f"{claim}: n/a (statistics missing)."
    m = {w: sum(s[k] for k in keys) for w, s in stats.items() if s and all(k in s for k in keys)}
    base = stats["hcg"]
    baseline = "" if base is None or "hcg" not in m else \
        f"; exact decimation: {m['hcg']:.4f} on neighbours, {base['0']:.4f} on the diagonal"
    diag = f" (diagonal {stats['cg']['0']:.4f} vs {stats['ae']['0']:.4f})"
    return bool(m["cg"] > m["ae"]), (f"{claim}: share of sum|C| {m['cg']:.4f} (RG) vs "
                                     f"{m['ae']:.4f} (AE){diag}{baseline}.")


def _entropy_side(results, side):
    """(betas, curves) of the entropy grid on one side of beta_c_used."""
    ent = results.get("entropy") or {}
    bc = need(results, "fixed_points", "beta_c_used")
    keep = [i for i, b in enumerate(ent.get("beta") or [])
            if (b < bc if side == "low" else b > bc)]
    return {k: [v[i] for i in keep] for k, v in ent.items() if v}, bc


def verdict_entropy_low_beta(results):
    """AE-WR output entropy below the input's at every grid beta < beta_c_used, on both
    the sign and the stochastic spin maps (sign lowers entropy by construction)."""
    cur, bc = _entropy_side(results, "low")
    claim = (f"AE-WR output has less local entropy than its input at every beta < {bc}, "
             "read as sign and as stochastic spins")
    if not cur.get("beta") or not all(k in cur for k in ("ae", "ae_quantized", "input")):
        return None, f"{claim}: n/a (entropy curves missing)."
    spans, ok = [], []
    for key, name in (("ae", "sign"), ("ae_quantized", "stochastic")):
        gaps = [a - i for a, i in zip(cur[key], cur["input"])]
        ok.append(max(gaps) < 0)
        spans.append(f"{name} - input from {min(gaps):.3f} to {max(gaps):.3f} bits")
    return bool(all(ok)), f"{claim}; {'; '.join(spans)}."


def verdict_entropy_high_beta(results):
    """Decimated entropy above the AE-WR output's at every grid beta > beta_c_used."""
    cur, bc = _entropy_side(results, "high")
    claim = f"Decimated lattices keep more local entropy than AE-WR output at every beta > {bc}"
    if not cur.get("beta") or "ae" not in cur or "rg" not in cur:
        return None, f"{claim}: n/a (no grid beta above it, or curves missing)."
    gaps = [r - a for r, a in zip(cur["rg"], cur["ae"])]
    span = f"RG - AE from {min(gaps):.3f} to {max(gaps):.3f} bits"
    return bool(min(gaps) > 0), f"{claim}; {span}."


def verdict_flow_line_fit(results):
    """The paper's reading: a straight line through (beta, beta') has slope < 1 (not judged
    against the control; the control-judged verdict is ``verdict_flow_direction``)."""
    claim = ("The paper's line fit: AE-WR slope < 1 (the same fit to the identity control "
             "is shown beside it)")
    s_ae, s_rg = _get(results, "fixed_points", "ae_flow_slope"), recursion_slope(results)
    ident = need(results, "flow", "line_fits", "identity", "beta_net")
    if s_ae is None or s_rg is None:
        return None, f"{claim}: n/a (slopes missing)."
    return bool(s_ae < 1 < s_rg), (f"{claim}; slopes {s_ae:.3f} (AE-WR), "
                                   f"{_fmt(ident['slope'], '.3f')} (beta-net on unchanged "
                                   f"lattices, crossing {_fmt(ident['whole'], '.3f')}) and "
                                   f"{s_rg:.3f} (recursion).")


VERDICTS = [verdict_loss_ordering, verdict_loss_ordering_data, verdict_sparse_weights,
            verdict_near_diagonal, verdict_entropy_low_beta, verdict_entropy_high_beta,
            verdict_flow_line_fit, verdict_flow_direction, verdict_flow_near_beta_c]


def _loss_cell(results, name):
    lo = _get(results, "losses", name) or {}
    cell = _pair(lo.get("train"), lo.get("val"), ".3f")
    if lo.get("train_data") is not None and lo.get("val_data") is not None:
        cell += f" (data {_pair(lo['train_data'], lo['val_data'], '.3f')})"
    return cell


def _table(results):
    fp, P = results.get("fixed_points") or {}, PAPER
    side = need(results, "config", "L") // 2
    ci = fp.get("ae_flow_ci") or [None, None]
    rows = [(f"{n} loss, train / val", _pair(P.get(f"{k}_train"), P.get(f"{k}_val"), ".3f"),
             _loss_cell(results, k))
            for n, k in (("Model-1", "model1"), ("Model-2 (HCG encoder)", "model2"),
                         ("Model-2 (CG encoder)", "model2_cg"), ("Model-3", "model3"),
                         ("AE-WR", "ae_wr"))]
    rows += [
        ("beta-net MSE, test (train)", _fmt(P["beta_net_mse"], ".2g"),
         f"{_fmt(_get(results, 'beta_net', 'test_mse'), '.3g')} "
         f"({_fmt(_get(results, 'beta_net', 'train_mse'), '.3g')})"),
        ("AE-WR flow fixed point, line fit [95% pairs bootstrap over lattices, nets fixed]",
         _fmt(P["ae_flow"], ".5f"),
         f"{_fmt(fp.get('ae_flow'), '.4f')} [{_fmt(ci[0], '.4f')}, {_fmt(ci[1], '.4f')}]"),
        ("AE-WR flow slope", "n/a", _fmt(fp.get("ae_flow_slope"), ".3f")),
        ("AE-WR flow fixed point, raw output", "n/a", _fmt(fp.get("ae_flow_raw"), ".4f")),
        ("Decimation recursion fixed point", f"~{P['decimation_fixed_point']} "
         f"(root {P['rg_recursion_exact']})", _fmt(fp.get("rg_recursion"), ".5f")),
        ("Decimation, measured (energy beta, fitted line)", "n/a",
         _fmt(fp.get("decimation_measured"), ".4f")),
        ("Decimation, measured (mean energy per beta, interpolated)", "n/a",
         _fmt(fp.get("decimation_local"), ".4f")),
        (f"Decimation, measured {side}x{side} vs recursion applied twice, max gap", "n/a",
         _fmt(fp.get("decimation_vs_recursion_twice"), ".4f")),
        ("beta_c used / exact", _pair(P["beta_c_used"], P["beta_c_exact"], ".5g"),
         _pair(fp.get("beta_c_used"), fp.get("beta_c_exact"), ".5g")),
    ]
    lines = ["| quantity | paper | this run |", "|---|---|---|"]
    return lines + [f"| {a} | {b} | {c} |" for a, b, c in rows]


def _config_lines(results):
    cfg, t = results.get("config") or {}, results.get("timings") or {}
    total = t.get("total_s")
    wall = "n/a" if total is None else f"{total:.1f} s ({total / 60:.1f} min)"
    lines = [f"- preset: {cfg.get('preset', 'n/a')}, seed: {cfg.get('seed', 'n/a')}, "
             f"device: {cfg.get('device', 'n/a')}, L: {cfg.get('L', 'n/a')}",
             f"- wall time: {wall}"]
    stages = [f"{k} {v:.1f} s" for k, v in t.items()
              if k != "total_s" and isinstance(v, (int, float))]
    if stages:
        lines.append(f"- stages: {', '.join(stages)}")
    for section in ("data", "train"):
        if isinstance(cfg.get(section), dict):
            items = ", ".join(f"{k} = {v}" for k, v in cfg[section].items())
            lines.append(f"- {section}: {items}")
    return lines


def _verdict_lines(results):
    lines = []
    for verdict in VERDICTS:
        holds, sentence = verdict(results)
        word = {True: "holds", False: "does not hold", None: "n/a"}[holds]
        lines.append(f"- **{word}**: {sentence}")
    return lines


def render_report(results, figures):
    """The markdown text of the report.  figures: dict name -> path relative to the run."""
    out = ["# minirg run report", "",
           "Reproduction of Shukla & Thakur, arXiv:2108.06157 (RG vs autoencoders on the "
           "2D Ising model).", "", "## Run", ""]
    out += _config_lines(results)
    out += ["", "## The paper's numbers and this run's", ""] + _table(results)
    out += ["", "Losses are hinge data loss + L1 penalty unless stated; the data part is in "
            "parentheses.", ""] + flow_section(results)
    out += ["## Claims", ""] + _verdict_lines(results)
    out += ["", "## Figures", ""]
    for name, rel in figures.items():
        caption = CAPTIONS.get(name, name)
        out += [f"![{caption}]({rel.replace(os.sep, '/')})", "", f"*{caption}*", ""]
    if results.get("notes"):
        out += ["## Notes", ""] + [f"- {line}" for line in results["notes"]] + [""]
    return "\n".join(out)


def write_report(run_dir, results, figures):
    """Write ``run_dir/REPORT.md`` atomically; returns its path.

    Parameters
    ----------
    run_dir : str or path
    results : dict
        The run's results (schema in the module docstring); missing keys read "n/a".
    figures : dict
        name -> PNG path relative to ``run_dir`` (as from ``make_all_figures``).
    """
    path = os.path.join(run_dir, "REPORT.md")
    with atomic_path(path) as tmp:
        tmp.write_text(render_report(results, figures), encoding="utf-8")
    return path
