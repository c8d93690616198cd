"""STUDY.md's coarse-grainer flows: beta -> beta' of decimation and majority rule, per L.

The analysis stage measures both (energy thermometer on the grid lattices
after two decimation steps or one 2 x 2 majority step; results.json keys
``flow.decimation.energy`` and ``flow.majority.energy``).  This module only
draws them; for run directories made before the stage stored the majority
flow it recomputes it with :func:`measured_flow`, the same numbers.
"""

from pathlib import Path

import numpy as np

from minirg._io import read_json
from minirg.analysis.plots import save_figure
from minirg.study.cells import SEM, cell, figure

__all__ = ["GRAINERS", "measured_flow", "stored_flow", "run_flow", "flow_table"]

GRAINERS = ("decimation", "majority")


def measured_flow(run_dir, grainer, seed=0):
    """(betas (g,), beta' (g,)): energy thermometer on coarse-grained grid lattices.

    grainer: "decimation" (two steps, spins[::2, ::2]) or "majority" (one step
    of 2x2 blocks, ties broken by a coin seeded with ``seed``).  The fallback
    for runs whose results.json lacks :func:`stored_flow`'s numbers.
    """
    from minirg.analysis.flow import beta_from_energy
    from minirg.ising import decimate, energy_per_spin, majority
    from minirg.ising.dataset_file import load_dataset
    arrays, _ = load_dataset(Path(run_dir) / "data" / "grid.npz")
    spins, beta = arrays["spins"], arrays["beta"]
    coarse = decimate(spins, 2) if grainer == "decimation" else majority(spins, 2, seed)
    u = energy_per_spin(coarse)
    betas = np.unique(beta)
    means = np.array([u[beta == b].mean() for b in betas])
    return betas, beta_from_energy(means, coarse.shape[-1])


def stored_flow(results, grainer):
    """(betas (g,), beta' (g,)) of results.json's ``flow.GRAINER.energy``, or None if absent."""
    flow = results.get("flow", {})
    reading = flow.get(grainer, {}).get("energy")
    if reading is None:
        return None
    return (np.asarray(flow["beta"], dtype=np.float64),
            np.array([np.nan if v is None else v for v in reading["mean"]], dtype=np.float64))


def run_flow(run_dir, grainer, seed):
    """A run's flow under ``grainer``: as stored by its analysis, else recomputed."""
    stored = stored_flow(read_json(Path(run_dir) / "results.json"), grainer)
    return stored if stored is not None else measured_flow(run_dir, grainer, seed)


def _upward_crossing(x, y):
    """The highest beta where beta' - beta goes from - to + (a repulsive fixed point), or None.

    Small-beta noise in the energy thermometer can cross the identity too; the
    RG fixed point is the upward crossing, and the highest one is the last to
    leave the disordered side.
    """
    d = np.asarray(y) - np.asarray(x)
    idx = np.nonzero((d[:-1] < 0) & (d[1:] > 0))[0]
    if not idx.size:
        return None
    i = idx[-1]
    return float(x[i] - d[i] * (x[i + 1] - x[i]) / (d[i + 1] - d[i]))


def _runs_by_L(out, summary):
    """{L: [run]}: runs of one L and seed share their grid lattices whatever the other
    grid values, so each (L, seed) counts once."""
    by_L, seen = {}, set()
    for run in summary["runs"]:
        key = (int(read_json(Path(out) / run["dir"] / "config.json")["L"]), run["seed"])
        if key not in seen:
            seen.add(key)
            by_L.setdefault(key[0], []).append(run)
    return by_L


def flow_table(out, summary):
    """Table lines, and DIR/figures/flow_majority.png: beta -> beta' per grainer and L."""
    from minirg.study.aggregate import stats
    ax = figure()
    lines = [f"| L | coarse-grainer | measured fixed point (beta' = beta, {SEM}) |", "|---|---|---|"]
    for L, runs in sorted(_runs_by_L(out, summary).items()):
        for grainer, ls in zip(GRAINERS, ("-", "--")):
            curves = [run_flow(Path(out) / r["dir"], grainer, r["seed"]) for r in runs]
            betas = curves[0][0]
            bp = np.array([c[1] for c in curves])
            sem = bp.std(axis=0, ddof=1) / np.sqrt(len(bp)) if len(bp) > 1 else 0 * betas
            ax.errorbar(betas, bp.mean(axis=0), yerr=sem, ls=ls, capsize=2,
                        label=f"{grainer}, L={L}")
            fixed = [f for f in (_upward_crossing(betas, c) for c in bp) if f is not None]
            lines.append(f"| {L} | {grainer} | {cell(stats(fixed) if fixed else None)} |")
    lim = [0, 0.6]
    ax.plot(lim, lim, "k:", label="identity")
    ax.set_xlabel("beta")
    ax.set_ylabel("beta' (energy thermometer on the L/2 lattice)")
    ax.legend(fontsize=7)
    save_figure(ax, Path(out) / "figures" / "flow_majority.png")
    return lines
