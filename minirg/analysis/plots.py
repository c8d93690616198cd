"""Plotting functions for the paper's figures (matplotlib, headless).

Figures are ``matplotlib.figure.Figure`` objects made without pyplot, so
nothing here touches the user's backend or opens a window.  Each ``plot_*``
function draws on ``ax`` (a new figure's axes when None) and returns it;
``*_figure`` functions build a whole multi-panel figure and return it.  No
numerics beyond reshapes: callers pass finished numbers (NumPy arrays).
"""

import itertools
import os

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from minirg._io import atomic_path

__all__ = ["LABELS", "new_axes", "save_figure", "plot_losses", "plot_lattice",
           "plot_lattices", "reconstruction_figure", "plot_matrix", "matrix_grid_figure",
           "plot_entropy", "lattice_panel_figure", "plot_beta_prediction", "plot_flow",
           "plot_readings", "plot_iterated"]

LABELS = {"model1": "Model-1 (AE)", "model2": "Model-2 (HCG encoder)",
          "model2_cg": "Model-2 (CG encoder)", "model3": "Model-3 (CG + UP)",
          "ae_wr": "AE-WR", "input": "input", "ae": "AE-WR output (sign)",
          "ae_quantized": "AE-WR output (stochastic)", "rg": "decimated (RG)"}


def _label(name):
    return LABELS.get(name, name)


def new_axes(ax=None, figsize=(6.0, 4.5)):
    """``ax`` itself, or the axes of a new headless Figure."""
    if ax is not None:
        return ax
    return Figure(figsize=figsize, layout="constrained").add_subplot()


def save_figure(fig, path, dpi=120):
    """Write ``fig`` (a Figure, or any Axes on it) to ``path`` as PNG, atomically."""
    fig = getattr(fig, "figure", fig)
    with atomic_path(path) as tmp:      # never a half-written PNG under the final name
        fig.savefig(tmp, format="png", dpi=dpi)
    return os.fspath(path)


def plot_losses(histories, constants=None, ax=None):
    """Per-epoch loss curves: train solid, validation dashed, one colour per model.

    histories : dict name -> {"loss": (epochs,), "val_loss": (epochs,)}
    constants : dict name -> (train, val), models evaluated but not trained
        (Model-3), drawn as horizontal lines.
    """
    ax = new_axes(ax)
    colors = (f"C{i}" for i in itertools.count())
    for name, hist in histories.items():
        c = next(colors)
        for key, style in (("loss", "-"), ("val_loss", "--")):
            if hist.get(key) is not None and len(hist[key]):
                y = np.asarray(hist[key], dtype=float)
                kind = "train" if key == "loss" else "val"
                ax.plot(np.arange(1, y.size + 1), y, style, color=c,
                        label=f"{_label(name)} {kind}")
    for name, (train, val) in (constants or {}).items():
        c = next(colors)
        train, val = np.asarray([train, val], dtype=float)   # null (strict JSON) -> NaN
        ax.axhline(train, color=c, ls="-", label=f"{_label(name)} train (not trained)")
        ax.axhline(val, color=c, ls="--", label=f"{_label(name)} val")
    ax.set(xlabel="epoch", ylabel="hinge loss (data + L1)")
    ax.legend(fontsize="small")
    return ax


def plot_lattice(lattice, ax=None, title=None, vmin=-1.0, vmax=1.0):
    """One lattice (H, W) as a grey image; raw outputs beyond [vmin, vmax] saturate."""
    ax = new_axes(ax, figsize=(3, 3))
    ax.imshow(np.asarray(lattice, dtype=float), cmap="gray", vmin=vmin, vmax=vmax,
              interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize="small")
    return ax


def plot_lattices(lattices, titles=None, axes=None):
    """Lattices side by side; ``axes`` (one per lattice) or a new 1-row figure."""
    lattices = list(lattices)
    if axes is None:
        fig = Figure(figsize=(2.4 * len(lattices), 2.6), layout="constrained")
        axes = fig.subplots(1, len(lattices), squeeze=False)[0]
    titles = list(titles) if titles is not None else [None] * len(lattices)
    for lat, title, ax in zip(lattices, titles, axes):
        plot_lattice(lat, ax, title)
    return list(axes)


def reconstruction_figure(inputs, outputs):
    """Rows: examples; columns: the input, then each model's raw output.

    inputs : (k, H, W) or (H, W); outputs : dict name -> (k, H*W) or (k, H, W).
    """
    inputs = np.asarray(inputs, dtype=float)
    inputs = inputs[None] if inputs.ndim == 2 else inputs
    k, cols = inputs.shape[0], 1 + len(outputs)
    fig = Figure(figsize=(2.4 * cols, 2.5 * k), layout="constrained")
    axes = fig.subplots(k, cols, squeeze=False)
    for row in range(k):
        names = ["input"] + list(outputs)
        lats = [inputs[row]] + [np.reshape(outputs[n], (-1,) + inputs.shape[1:])[row]
                                for n in outputs]
        plot_lattices(lats, [_label(n) if row == 0 else None for n in names], axes[row])
    return fig


def plot_matrix(W, ax=None, title=None, zoom=None, vmax=None):
    """Heat map of a matrix with a colour bar, symmetric diverging colours around 0.

    zoom : (rows, cols) ints (the top-left block) or slices, to show a part.
    vmax : colour limit (default max |W| of the part shown); larger values saturate.
    """
    ax = new_axes(ax, figsize=(5, 4.5))
    W = np.asarray(W, dtype=float)
    if zoom is not None:
        W = W[tuple(slice(z) if isinstance(z, int) else z for z in zoom)]
    vmax = vmax or float(np.max(np.abs(W))) or 1.0
    im = ax.imshow(W, cmap="RdBu_r", vmin=-vmax, vmax=vmax, interpolation="nearest",
                   aspect="auto")
    ax.figure.colorbar(im, ax=ax, shrink=0.85)
    ax.set(xlabel="column", ylabel="row")
    if title:
        ax.set_title(title, fontsize="small")
    return ax


def matrix_grid_figure(matrices, zoom=None, ncols=2, vmax=None):
    """Several :func:`plot_matrix` panels.  matrices: dict title -> (r, c) array.

    vmax : None, or dict title -> colour limit.
    """
    n = len(matrices)
    nrows = -(-n // ncols)
    fig = Figure(figsize=(5 * ncols, 4.3 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, (title, M) in zip(axes, matrices.items()):
        plot_matrix(M, ax, title, zoom, (vmax or {}).get(title))
    for ax in axes[n:]:
        ax.set_axis_off()
    return fig


def plot_entropy(beta, curves, ax=None, beta_c=None):
    """Mean local entropy against beta.  beta: (g,); curves: dict name -> (g,)."""
    ax = new_axes(ax)
    for name, h in curves.items():
        ax.plot(beta, h, "o-", ms=3, label=_label(name))
    if beta_c is not None:
        ax.axvline(beta_c, color="k", ls=":", lw=1, label=f"beta_c = {beta_c:.4f}")
    ax.set(xlabel="beta", ylabel="local entropy per site (bits, 3x3)")
    ax.legend(fontsize="small")
    return ax


def lattice_panel_figure(betas, rows):
    """Grid of lattices: one column per beta, one row per source.

    betas : (k,) floats; rows : dict name -> list of k lattices (any sizes).
    """
    fig = Figure(figsize=(2.4 * len(betas), 2.5 * len(rows)), layout="constrained")
    axes = fig.subplots(len(rows), len(betas), squeeze=False)
    for r, (name, lattices) in enumerate(rows.items()):
        titles = [f"beta = {b:.3g}" if r == 0 else None for b in betas]
        plot_lattices(lattices, titles, axes[r])
        axes[r][0].set_ylabel(_label(name), fontsize="small")
    return fig


def plot_beta_prediction(actual, predicted, ax=None):
    """beta-net prediction against the true beta, with the identity line."""
    ax = new_axes(ax)
    ax.plot(actual, predicted, ".", ms=2, alpha=0.3, label="test lattices")
    lim = [float(np.min(actual)), float(np.max(actual))]
    ax.plot(lim, lim, "k-", lw=1, label="predicted = actual")
    ax.set(xlabel="actual beta", ylabel="predicted beta")
    ax.legend(fontsize="small")
    return ax


def plot_flow(beta, pred_sign, pred_raw=None, fit=None, recursion=None,
              measured_decimation=None, fixed_points=None, beta_c=None, ax=None,
              recursion_twice=None):
    """The beta flow: beta' of mapped lattices against beta, with fixed points.

    beta, pred_sign, pred_raw : (g,) points (e.g. per-beta means) of the beta-net
        on AE-WR outputs fed as sign(output) and raw.
    fit : dict with ``slope`` and ``intercept`` (drawn over beta's range).
    recursion : (beta grid, beta') of the decimation recursion.
    measured_decimation : (beta, beta estimated on decimated lattices).
    recursion_twice : (beta grid, beta'') of the recursion applied twice, the
        prediction for lattices decimated twice (side L/2 from L).
    fixed_points : dict label -> beta, drawn as dotted vertical lines.
    """
    ax = new_axes(ax, figsize=(6.5, 5))
    ax.plot(beta, pred_sign, "o", ms=4, color="C0", label="AE-WR, beta-net on sign(output)")
    if pred_raw is not None:
        ax.plot(beta, pred_raw, "s", ms=3, mfc="none", color="C0", label="AE-WR, raw output")
    lim = np.array([float(np.min(beta)), float(np.max(beta))])
    if fit is not None:
        ax.plot(lim, fit["slope"] * lim + fit["intercept"], "-", color="C0",
                label=f"fit, slope {fit['slope']:.3f}")
    if recursion is not None:
        ax.plot(*recursion, "-", color="C3", label="recursion (3/8) ln cosh 4 beta")
    if recursion_twice is not None:
        ax.plot(*recursion_twice, "--", color="C3", label="recursion applied twice")
    if measured_decimation is not None:
        ax.plot(*measured_decimation, "^", ms=4, color="C3", mfc="none",
                label="decimated twice, energy beta")
    ax.plot(lim, lim, "k-", lw=1, label="beta' = beta")
    for i, (name, value) in enumerate((fixed_points or {}).items()):
        if value is not None:
            ax.axvline(value, color=f"C{i + 4}", ls=":", label=f"{name} = {value:.4f}")
    if beta_c is not None:
        ax.axvline(beta_c, color="k", ls="--", lw=1, label=f"beta_c = {beta_c:.5f}")
    ax.set(xlabel="beta", ylabel="beta' (after the map)")
    ax.legend(fontsize="x-small")
    return ax


def plot_readings(beta, readings, ax=None, title=None, lines=None):
    """Per-beta readings with error bars against beta, and the identity.

    beta : (g,); readings : dict label -> (mean (g,), err (g,)) (NaN: not
    reached); lines : dict label -> (x, y) drawn as curves (e.g. a recursion).
    """
    ax = new_axes(ax, figsize=(6, 5))
    for i, (label, (mean, err)) in enumerate(readings.items()):
        ax.errorbar(beta, np.asarray(mean, float), yerr=np.asarray(err, float), fmt="o-",
                    ms=3, lw=1, capsize=2, color=f"C{i}", label=label)
    for i, (label, (x, y)) in enumerate((lines or {}).items()):
        ax.plot(x, y, "--", color=f"C{i + len(readings)}", label=label)
    lim = [float(np.min(beta)), float(np.max(beta))]
    ax.plot(lim, lim, "k-", lw=1, label="beta' = beta")
    ax.set(xlabel="beta", ylabel="beta' (read off the mapped lattices)")
    if title:
        ax.set_title(title, fontsize="small")
    ax.legend(fontsize="x-small")
    return ax


def plot_iterated(beta, path, ax=None, title=None):
    """beta_k against k, one line per starting beta.  beta: (g,); path: (K+1, g)."""
    ax = new_axes(ax)
    path = np.asarray(path, dtype=float)
    cmap = matplotlib.colormaps["viridis"]
    for j, b in enumerate(beta):
        ax.plot(np.arange(path.shape[0]), path[:, j], "o-", ms=2, lw=1,
                color=cmap(j / max(len(beta) - 1, 1)), label=f"{b:.3g}" if j % 4 == 0 else None)
    ax.set(xlabel="k (times sign(AE-WR) is applied)", ylabel="beta_k")
    if title:
        ax.set_title(title, fontsize="small")
    ax.legend(title="start beta", fontsize="x-small")
    return ax
