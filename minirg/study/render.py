"""DIR/STUDY.md: a sweep's tables and figures, every number with its seed error bar.

Error bars are +-1 standard error of the mean over the seeds of a grid point
(sem = std / sqrt(n), std with ddof = 1); a point with one seed has none.
"""

from pathlib import Path

import numpy as np

from minirg._io import atomic_path, read_json
from minirg.analysis.plots import save_figure
from minirg.analysis.report import PAPER

__all__ = ["write_study", "render_study", "specific_heat_peak", "crossing_keys",
           "measured_flow"]

BETA_C = 0.5 * np.log(1 + np.sqrt(2))
SEM = "+-1 sem over n seeds"
# Headline rows: (label, metric key, paper value).
HEADLINE = [
    ("Model-1 val loss", "losses.model1.val", PAPER["model1_val"]),
    ("Model-2 val loss", "losses.model2.val", PAPER["model2_val"]),
    ("Model-2 (CG encoder) val loss", "losses.model2_cg.val", None),
    ("Model-3 val loss", "losses.model3.val", PAPER["model3_val"]),
    ("AE-WR val loss", "losses.ae_wr.val", PAPER["ae_wr_val"]),
    ("beta-net test MSE", "beta_net.test_mse", PAPER["beta_net_mse"]),
    ("AE-WR flow fixed point", "fixed_points.ae_flow", PAPER["ae_flow"]),
    ("Decimation recursion fixed point", "fixed_points.rg_recursion",
     PAPER["rg_recursion_exact"]),
    ("Decimation, measured fixed point", "fixed_points.decimation_measured", None),
]
_MAPS = ("ae_sign", "ae_stochastic", "identity", "decimation")
_THERMOMETERS = ("energy", "beta_net", "beta_net_sym")


def specific_heat_peak(L, lo=0.3, hi=0.6):
    """beta of the exact specific-heat maximum of the L x L torus (golden-section search)."""
    from minirg.ising import exact_specific_heat
    grid = np.linspace(lo, hi, 31)
    i = int(np.argmax(exact_specific_heat(L, grid)))
    a, b = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    g = (np.sqrt(5) - 1) / 2
    while b - a > 1e-7:
        c, d = b - g * (b - a), a + g * (b - a)
        if exact_specific_heat(L, c) > exact_specific_heat(L, d):
            b = d
        else:
            a = c
    return 0.5 * (a + b)


def crossing_keys(metrics):
    """[(label, key)] of the AE flow's crossings present: flow.MAP.THERMOMETER.crossings.0
    (issue "flow under control"), else fixed_points.ae_flow."""
    keys = [(f"{m} / {t}", f"flow.{m}.{t}.crossings.0")
            for m in _MAPS for t in _THERMOMETERS if f"flow.{m}.{t}.crossings.0" in metrics]
    return keys or [("AE-WR, beta-net (fitted line)", "fixed_points.ae_flow")]


def _cell(s, spec=".4g"):
    if s is None:
        return "n/a"
    sem = "" if s["sem"] is None else f" +- {format(s['sem'], spec)}"
    return f"{format(s['mean'], spec)}{sem} (n={s['n']})"


def _label(params):
    return ", ".join(f"{k}={v}" for k, v in params.items()) or "base"


def _headline(summary):
    points = summary["points"]
    lines = ["| quantity | paper | " + " | ".join(_label(p["params"]) for p in points) + " |",
             "|---|---|" + "---|" * len(points)]
    for label, key, paper in HEADLINE:
        cells = [_cell(p["metrics"].get(key)) for p in points]
        lines.append(f"| {label} | {'n/a' if paper is None else paper} | {' | '.join(cells)} |")
    return lines


def _rest(params, key):
    rest = {k: v for k, v in params.items() if k != key}
    return _label(rest) if rest else ""


def _errorbar(ax, x, stats, label, **kw):
    y = [s["mean"] if s else np.nan for s in stats]
    e = [(s["sem"] or 0.0) if s else 0.0 for s in stats]
    ax.errorbar(x, y, yerr=e, marker="o", capsize=3, label=label, **kw)


def _figure():
    from matplotlib.figure import Figure
    return Figure(figsize=(6, 4), layout="constrained").add_subplot()


def _versus(summary, out, key, name, x_of, xlabel, extra=None):
    """Crossings against grid ``key``: a table and DIR/figures/NAME.png."""
    points = [p for p in summary["points"] if key in p["params"]]
    ckeys = crossing_keys(points[0]["metrics"])
    series = {}
    for p in points:
        for label, ck in ckeys:
            series.setdefault((_rest(p["params"], key), label), []).append(
                (x_of(p["params"][key]), p["metrics"].get(ck), p["params"][key]))
    ax = _figure()
    lines = [f"| {key} | series | crossing ({SEM}) |", "|---|---|---|"]
    for (rest, label), pts in series.items():
        _errorbar(ax, [x for x, _, _ in pts], [s for _, s, _ in pts], f"{label} {rest}".strip())
        lines += [f"| {v} | {label} {rest} | {_cell(s)} |" for _, s, v in pts]
    if extra:
        extra(ax, lines)
    ax.axhline(BETA_C, color="k", ls=":", label="beta_c (exact, infinite lattice)")
    ax.set_xticks(sorted({x for pts in series.values() for x, _, _ in pts}))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(f"crossing beta ({SEM})")
    ax.legend(fontsize=7)
    save_figure(ax, Path(out) / "figures" / f"{name}.png")
    return lines


def _peaks(Ls):
    def draw(ax, lines):
        peaks = [specific_heat_peak(int(L)) for L in Ls]
        ax.plot(Ls, peaks, "k--", marker="s", label="exact specific-heat peak, L x L torus")
        lines += ["", "| L | exact specific-heat peak beta |", "|---|---|"]
        lines += [f"| {L} | {b:.5f} |" for L, b in zip(Ls, peaks)]
    return draw


def measured_flow(run_dir, grainer, seed=0):
    """(betas (g,), beta' (g,)): energy thermometer on two-step coarse-grained grid lattices.

    grainer: "decimation" (spins[::2, ::2]) or "majority" (2x2 blocks, seeded ties).
    """
    from minirg.analysis.flow import beta_from_energy
    from minirg.ising import decimate, energy_per_spin, majority
    from minirg.ising.datasets import load_dataset
    arrays, _ = load_dataset(Path(run_dir) / "data" / "grid.npz")
    spins, beta = arrays["spins"], arrays["beta"]
    coarse = decimate(spins, 2) if grainer == "decimation" else majority(spins, 2, seed)
    u = energy_per_spin(coarse)
    betas = np.unique(beta)
    means = np.array([u[beta == b].mean() for b in betas])
    return betas, beta_from_energy(means, coarse.shape[-1])


def _grainer_losses(summary):
    """Table: CG/UP and Model-2/3 validation losses, one column per coarse-grainer point."""
    points = [p for p in summary["points"] if "coarse_grainer" in p["params"]]
    nets = ("cg1", "cg2", "up1", "up2", "model2", "model2_cg", "model3")
    lines = ["| val loss | " + " | ".join(_label(p["params"]) for p in points) + " |",
             "|---|" + "---|" * len(points)]
    for net in nets:
        cells = [_cell(p["metrics"].get(f"losses.{net}.val")) for p in points]
        lines.append(f"| {net} | {' | '.join(cells)} |")
    return lines


def _flow_figure(out, summary):
    """beta -> beta' under decimation and majority rule (energy thermometer), per L.

    Runs of one L and seed share their grid lattices whatever the other grid
    values, so each (L, seed) counts once.
    """
    by_L, seen = {}, set()
    for run in summary["runs"]:
        key = (int(read_json(Path(out) / run["dir"] / "config.json")["L"]), run["seed"])
        if key not in seen:
            seen.add(key)
            by_L.setdefault(key[0], []).append(run)
    ax = _figure()
    lines = [f"| L | coarse-grainer | measured fixed point (beta' = beta, {SEM}) |", "|---|---|---|"]
    for L, runs in sorted(by_L.items()):
        for grainer, ls in (("decimation", "-"), ("majority", "--")):
            curves = [measured_flow(Path(out) / r["dir"], grainer, r["seed"]) for r in runs]
            betas = curves[0][0]
            bp = np.array([c[1] for c in curves])
            sem = bp.std(axis=0, ddof=1) / np.sqrt(len(bp)) if len(bp) > 1 else 0 * betas
            ax.errorbar(betas, bp.mean(axis=0), yerr=sem, ls=ls, capsize=2,
                        label=f"{grainer}, L={L}")
            fixed = [_upward_crossing(betas, c) for c in bp]
            fixed = [f for f in fixed if f is not None]
            s = _stats(fixed)
            lines.append(f"| {L} | {grainer} | {_cell(s)} |")
    lim = [0, 0.6]
    ax.plot(lim, lim, "k:", label="identity")
    ax.set_xlabel("beta")
    ax.set_ylabel("beta' (energy thermometer on the L/2 lattice)")
    ax.legend(fontsize=7)
    save_figure(ax, Path(out) / "figures" / "flow_majority.png")
    return lines


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


def _stats(values):
    from minirg.study.aggregate import stats
    return stats(values) if values else None


def render_study(out, summary):
    """STUDY.md's text; writes the figures it links under DIR/figures/."""
    spec = read_json(Path(out) / "sweep.json")
    grid = spec["grid"]
    keys = {k for g in (grid if isinstance(grid, list) else [grid]) for k in g}
    md = ["# Study", "",
          f"- preset: {spec['preset']}; seeds: {spec['seeds']}; grid: {grid or 'none'}; "
          f"overrides: {spec['overrides'] or 'none'}",
          f"- finished runs: {len(summary['runs'])}; workers: "
          f"{', '.join(sorted({r['worker'] for r in summary['runs']}))}",
          f"- every cell is mean {SEM} (sem = std / sqrt(n), std with ddof = 1)", "",
          "## Headline numbers against the paper", ""] + _headline(summary)
    if not summary["points"]:
        return "\n".join(md) + "\n"
    if "L" in keys:
        Ls = sorted({int(p["params"]["L"]) for p in summary["points"]})
        md += ["", "## The AE flow's crossings against L", "",
               "![crossings vs L](figures/crossings_vs_L.png)", "",
               f"Crossings ({SEM}) against L, beside the exact specific-heat peak of the "
               "L x L torus (`minirg.ising.exact`) and beta_c.", ""]
        md += _versus(summary, out, "L", "crossings_vs_L", int, "L", _peaks(Ls))
    if "data.wide_range" in keys:
        md += ["", "## Crossings against the training range", "",
               "![crossings vs range](figures/crossings_vs_range.png)", "",
               f"Crossings ({SEM}) against the lower end of the AE-WR training range "
               "(data.wide_range).", ""]
        md += _versus(summary, out, "data.wide_range", "crossings_vs_range",
                      lambda r: r[0], "lower end of data.wide_range")
    md += ["", "## Decimation against majority rule", ""]
    if "coarse_grainer" in keys:
        md += [f"Validation losses of the nets the coarse-grainer builds ({SEM}); the "
               "AE-WR and its flow do not depend on it.", ""]
        md += _grainer_losses(summary) + [""]
    md += ["![measured flow](figures/flow_majority.png)", "",
           "Measured flow beta -> beta' of two-step decimation and of 2x2 majority rule "
           f"(energy thermometer on the grid lattices; {SEM}; majority ties broken by a "
           "coin seeded with the run's seed).", ""]
    md += _flow_figure(out, summary)
    return "\n".join(md) + "\n"


def write_study(out, summary):
    """Write DIR/STUDY.md (and its figures); returns its path."""
    path = Path(out) / "STUDY.md"
    with atomic_path(path) as tmp:
        tmp.write_text(render_study(out, summary))
    return path
