"""Figures of a finished run, read from its directory.

A run directory holds ``results.json`` (the numbers; schema in
:mod:`minirg.analysis.report`) and ``analysis/arrays.npz``, the arrays the
figures need.  The analysis stage writes that file; its keys are the contract
below (``L`` = lattice side, ``k`` = a few examples, ``n`` = lattices).

======================  ==================  =======================================
key                     shape               meaning
======================  ==================  =======================================
``recon_input``         (k, L, L)           critical test lattices fed to Models 1-3
``recon_<model>``       (k, L*L)            raw outputs, model in model1, model2,
                                            model2_cg, model3 (any subset)
``W1_cg``, ``W1_ae``    (L*L, L*L/2)        first encoder kernel: trained CG-1024-512
                                            and Model-1's first layer
``W2_cg``, ``W2_ae``    (L*L/2, L*L/4)      second encoder kernel: CG-512-256, Model-1
``panel_beta``          (k,)                betas of the lattice panel (e.g. 0.025,
                                            0.25, 0.5)
``panel_input``         (k, L, L)           one grid lattice per beta
``panel_ae``            (k, L, L)           its AE-WR output (raw)
``panel_dec``           (k, L/2, L/2)       its two-step decimation
``test_beta``           (n,)                true beta of the beta-net's test set
``test_pred``           (n,)                the beta-net's prediction
``grid_beta``           (n,)                beta of each entropy/flow grid lattice
``grid_pred_sign``      (n,)                beta-net on sign(AE-WR output)
``grid_pred_raw``       (n,)                beta-net on the raw output (optional)
``dec_beta``            (m,)                beta of the decimated lattices (optional;
                                            default ``grid_beta``)
``dec_beta_est``        (m,)                ``energy_beta`` of each decimated lattice
                                            (optional)
``grid_beta_est_input`` (n,)                ``energy_beta`` of each grid lattice itself
                                            (a check of the estimator; not plotted)
``dec_beta_pooled``     (g,)                beta of the decimated lattices from their
                                            mean energy, one per distinct grid
                                            beta, ascending (g of them; not plotted)
======================  ==================  =======================================

:func:`minirg.analysis.stage.run_analysis` writes every key but ``dec_beta``
(its decimated lattices are the grid's own, so ``grid_beta`` serves).

The flow figures (``fig16_flow.png``, ``fig17_iterated.png``) read only
results.json's ``flow`` (:class:`minirg.analysis.flow_controls.FlowResult`).

A figure whose inputs are missing raises :class:`MissingData`;
:func:`make_all_figures` skips it and makes the others.
"""

import argparse
import json
import os

import numpy as np
from matplotlib.figure import Figure

from minirg._backend import to_numpy
from minirg._io import read_npz
from minirg.analysis import plots
from minirg.analysis.correlation import spin_correlation

__all__ = ["ARRAYS", "MissingData", "load_results", "load_arrays", "FIGURES",
           "make_all_figures", "run_figure_script"]

ARRAYS = os.path.join("analysis", "arrays.npz")


class MissingData(ValueError):
    """A figure's input (a results.json key or an arrays.npz key) is absent."""


def load_results(run_dir):
    """The dict in ``run_dir/results.json`` (MissingData if the file is absent)."""
    path = os.path.join(run_dir, "results.json")
    if not os.path.exists(path):
        raise MissingData(f"{path} does not exist: run `minirg analyse --run {run_dir}` first")
    with open(path) as f:
        return json.load(f)


def load_arrays(run_dir):
    """The arrays of ``run_dir/analysis/arrays.npz`` as a dict ({} if absent)."""
    path = os.path.join(run_dir, ARRAYS)
    if not os.path.exists(path):
        return {}
    return read_npz(path)[0]


def _need_result(results, *path):
    """results[path[0]][path[1]]...; MissingData naming the dotted path where absent."""
    d = results
    for i, key in enumerate(path):
        if not isinstance(d, dict) or d.get(key) is None:
            raise MissingData(f"results.json lacks {'.'.join(path[:i + 1])!r}")
        d = d[key]
    return d


def _need(arrays, *keys):
    missing = [k for k in keys if k not in arrays]
    if missing:
        raise MissingData(f"{ARRAYS} lacks {', '.join(missing)}")
    return [arrays[k] for k in keys]


def make_loss_figure(run_dir, out_path):
    """Loss curves of Models 1, 2, 2-CG (Model-3 constant) and of AE-WR."""
    res = load_results(run_dir)
    hist, losses = res.get("histories") or {}, res.get("losses") or {}
    if not hist:
        raise MissingData("results.json lacks 'histories'")
    fig = Figure(figsize=(12, 4.5), layout="constrained")
    ax_deep, ax_wr = fig.subplots(1, 2)
    deep = {k: hist[k] for k in ("model1", "model2", "model2_cg") if k in hist}
    const = {"model3": (losses["model3"]["train"], losses["model3"]["val"])} \
        if "model3" in losses else {}
    beta_c = _need_result(res, "fixed_points", "beta_c_used")
    plots.plot_losses(deep, const, ax_deep).set_title(f"critical set (beta = {beta_c})")
    if "ae_wr" in hist:
        plots.plot_losses({"ae_wr": hist["ae_wr"]}, None, ax_wr).set_title("wide-range set")
    else:
        ax_wr.set_axis_off()
    return plots.save_figure(fig, out_path)


def make_reconstruction_figure(run_dir, out_path):
    """Input lattices and their reconstructions by Models 1-3 (raw outputs)."""
    arrays = load_arrays(run_dir)
    (inputs,) = _need(arrays, "recon_input")
    outputs = {m: arrays[f"recon_{m}"] for m in ("model1", "model2", "model2_cg", "model3")
               if f"recon_{m}" in arrays}
    if not outputs:
        raise MissingData(f"{ARRAYS} lacks every recon_<model> key")
    return plots.save_figure(plots.reconstruction_figure(inputs, outputs), out_path)


_KERNELS = {"W1_cg": ("W1", "trained on RG (CG, first step)"),
            "W1_ae": ("W1", "autoencoder (Model-1)"),
            "W2_cg": ("W2", "trained on RG (CG, second step)"),
            "W2_ae": ("W2", "autoencoder (Model-1)")}


def _kernels(run_dir):
    """The four encoder kernels as (name, who, W), in the paper's panel order."""
    arrays = _need(load_arrays(run_dir), *_KERNELS)
    return [(*_KERNELS[key], W) for key, W in zip(_KERNELS, arrays)]


def make_weights_figure(run_dir, out_path, zoom=(64, 32)):
    """Encoder kernels W1, W2: RG-trained against autoencoder (zoomed corner)."""
    mats = {f"{name}, {who}": W for name, who, W in _kernels(run_dir)}
    return plots.save_figure(plots.matrix_grid_figure(mats, zoom=zoom), out_path)


def make_weights_full_figure(run_dir, out_path):
    """The same kernels in full (the paper's appendix figures B.1, B.2)."""
    return make_weights_figure(run_dir, out_path, zoom=None)


def make_correlation_figure(run_dir, out_path, zoom=(96, 96)):
    """Spin-correlation matrices W W^T of the four kernels (zoomed corner, or full)."""
    mats = {f"{name} {name}^T, {who}": to_numpy(spin_correlation(W))
            for name, who, W in _kernels(run_dir)}
    limits = {title: _off_diagonal_max(C if zoom is None else C[:zoom[0], :zoom[1]])
              for title, C in mats.items()}
    fig = plots.matrix_grid_figure(mats, zoom=zoom, vmax=limits)
    return plots.save_figure(fig, out_path)


def make_correlation_full_figure(run_dir, out_path):
    """The W W^T matrices in full (the paper's appendix figures B.3, B.4)."""
    return make_correlation_figure(run_dir, out_path, zoom=None)


def _off_diagonal_max(C):
    """max |C_ij| over i != j: the self-correlations would otherwise wash out the rest."""
    A = np.abs(C)
    np.fill_diagonal(A, 0)
    return float(np.max(A)) or None


def make_entropy_figure(run_dir, out_path):
    """Mean local entropy of input, AE-WR output and decimated lattices against beta."""
    res = load_results(run_dir)
    ent = res.get("entropy") or {}
    if "beta" not in ent:
        raise MissingData("results.json lacks 'entropy.beta'")
    curves = {k: ent[k] for k in ("input", "ae", "ae_quantized", "rg") if ent.get(k)}
    beta_c = _need_result(res, "fixed_points", "beta_c_used")
    ax = plots.plot_entropy(ent["beta"], curves, beta_c=beta_c)
    return plots.save_figure(ax, out_path)


def make_panel_figure(run_dir, out_path):
    """Lattices at a few betas: input, AE-WR output, decimated."""
    arrays = load_arrays(run_dir)
    betas, inp, ae, dec = _need(arrays, "panel_beta", "panel_input", "panel_ae", "panel_dec")
    rows = {"input": list(inp), "AE-WR output (raw)": list(ae),
            "decimated twice (RG)": list(dec)}
    return plots.save_figure(plots.lattice_panel_figure(betas, rows), out_path)


def make_beta_prediction_figure(run_dir, out_path):
    """The beta-net's prediction on its test set against the true beta."""
    actual, pred = _need(load_arrays(run_dir), "test_beta", "test_pred")
    ax = plots.plot_beta_prediction(actual, pred)
    return plots.save_figure(ax, out_path)


def _err(reading):
    """(mean, sem) of a flow reading as float arrays (None -> NaN)."""
    return tuple(np.array([np.nan if v is None else v for v in reading[k]], dtype=float)
                 for k in ("mean", "sem"))


def make_flow_figure(run_dir, out_path):
    """The flow beside its control: beta-net, energy MLE and calibrated readings."""
    res = load_results(run_dir)
    flow = _need_result(res, "flow")
    beta, L = np.array(flow["beta"]), _need_result(res, "config", "L")
    from minirg.ising import beta_prime         # after the checks: a missing run says so
    fig = Figure(figsize=(17, 5.2), layout="constrained")
    ax_net, ax_energy, ax_cal = fig.subplots(1, 3)
    net = {f"{m}, {t}": _err(_need_result(flow, m, t))
           for m in ("identity", "ae_sign", "ae_stochastic") for t in ("beta_net", "beta_net_sym")}
    plots.plot_readings(beta, net, ax_net, "beta-net (identity = the control)")
    grid = np.linspace(float(beta.min()), float(beta.max()), 200)
    twice = np.array([beta_prime(beta_prime(float(b))) for b in grid])
    energy = {m: _err(_need_result(flow, m, "energy"))
              for m in ("identity", "ae_sign", "ae_stochastic", "decimation")}
    plots.plot_readings(beta, energy, ax_energy,
                        f"energy MLE (exact finite-size energy; decimation read at "
                        f"{L // 2}x{L // 2})", lines={"recursion applied twice": (grid, twice)})
    cal = {f"{m}, {t}, calibrated": _err(_need_result(flow, "calibrated", m, t))
           for m in ("ae_sign", "ae_stochastic") for t in ("beta_net", "beta_net_sym")}
    plots.plot_readings(beta, cal, ax_cal, "beta-net through its own identity response")
    return plots.save_figure(fig, out_path)


def make_iterated_figure(run_dir, out_path):
    """beta_k of the iterated map sign(AE-WR)^k against k, per start beta and thermometer."""
    flow = _need_result(load_results(run_dir), "flow")
    paths = _need_result(flow, "iterated")
    fig = Figure(figsize=(5.5 * len(paths), 4.5), layout="constrained")
    for ax, (t, path) in zip(np.atleast_1d(fig.subplots(1, len(paths))), paths.items()):
        plots.plot_iterated(flow["beta"], np.array(path, dtype=float), ax, t)
    return plots.save_figure(fig, out_path)


# name -> (maker, file name under DIR/figures); names are the report's figure keys.
FIGURES = {
    "losses": (make_loss_figure, "fig09_losses.png"),
    "reconstruction": (make_reconstruction_figure, "fig10_reconstruction.png"),
    "weights": (make_weights_figure, "fig11_weights.png"),
    "weights_full": (make_weights_full_figure, "fig11_weights_full.png"),
    "correlation": (make_correlation_figure, "fig12_correlation.png"),
    "correlation_full": (make_correlation_full_figure, "fig12_correlation_full.png"),
    "entropy": (make_entropy_figure, "fig13_entropy.png"),
    "panel": (make_panel_figure, "fig14_lattice_panel.png"),
    "beta_prediction": (make_beta_prediction_figure, "fig15_beta_prediction.png"),
    "flow": (make_flow_figure, "fig16_flow.png"),
    "iterated": (make_iterated_figure, "fig17_iterated.png"),
}


def make_all_figures(run_dir):
    """Every figure whose data exist.  Returns dict name -> path relative to ``run_dir``."""
    made = {}
    for name, (maker, filename) in FIGURES.items():
        rel = os.path.join("figures", filename)
        try:
            maker(run_dir, os.path.join(run_dir, rel))
        except MissingData:
            continue          # e.g. a run without a beta-net; the report says "n/a"
        made[name] = rel
    return made


def run_figure_script(name, argv=None):
    """``main`` of ``scripts/fig*.py``: make figure ``name`` of a run directory."""
    maker, filename = FIGURES[name]
    parser = argparse.ArgumentParser(description=maker.__doc__)
    parser.add_argument("--run", default="minirg-run", help="run directory (%(default)s)")
    parser.add_argument("--out", help=f"PNG path (default RUN/figures/{filename})")
    args = parser.parse_args(argv)
    out = args.out or os.path.join(args.run, "figures", filename)
    try:
        print(maker(args.run, out))
    except MissingData as err:
        parser.exit(2, f"{parser.prog}: error: {err}\n")
    return 0
