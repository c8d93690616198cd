"""STUDY.md's crossing tables: where each flow reading meets beta' = beta, by kind, per grid point.

A run's results.json gives, for every reading (map / thermometer), the beta
of its one confident attractive and its one confident repulsive crossing
(``flow.MAP.THERM.attractive`` / ``.repulsive``, see
`minirg.analysis.flow_controls.crossings_by_kind`).  A cell averages one kind
over the seeds that have exactly one such crossing, so a seed's attractive
crossing is never averaged with another seed's repulsive one; n says how
many seeds that is, of the point's finished seeds.
"""

from pathlib import Path

import numpy as np

from minirg.analysis.plots import save_figure
from minirg.ising import BETA_C
from minirg.study.cells import SEM, cell, errorbar, figure, label, seeds_at

__all__ = ["KINDS", "crossing_keys", "specific_heat_peak", "versus",
           "peaks"]

KINDS = ("attractive", "repulsive")
FIRST = "first crossing, any kind"
LINE = "fitted line"
EXPLAIN = ("A cell averages, over the seeds of a grid point, the beta of each run's one "
           "confident crossing of that kind (found in >= 97.5% of the bootstrap replicates, "
           "slope interval inside (-1, 1): attractive, or outside it: repulsive); a run with "
           "no such crossing, or with several, is left out, and n counts the seeds that "
           "remain, of the point's finished seeds.")
EXPLAIN_FIRST = ("These runs were analysed by an older minirg, before crossings had kinds: a "
                 "cell averages each run's first crossing of beta' = beta, whatever its kind, "
                 "so it may mix attractive and repulsive ones.")
EXPLAIN_LINE = ("These runs have no flow readings: a cell is the paper's straight line "
                "through the AE-WR flow (fixed_points.ae_flow).")
_MAPS = ("ae_sign", "ae_stochastic", "identity", "decimation", "majority")
_CALIBRATED = ("ae_sign", "ae_stochastic")
_THERMOMETERS = ("energy", "beta_net", "beta_net_sym")


def _readings():
    """[(series label, metric prefix)] of every flow reading STUDY.md may show."""
    plain = [(f"{m} / {t}", f"flow.{m}.{t}") for m in _MAPS for t in _THERMOMETERS]
    calibrated = [(f"calibrated {m} / {t}", f"flow.calibrated.{m}.{t}")
                  for m in _CALIBRATED for t in _THERMOMETERS]
    return plain + calibrated


def crossing_keys(metrics):
    """[(series label, {column: metric key})] of the flow crossings among ``metrics``.

    By kind (columns ``attractive``, ``repulsive``) for readings whose runs
    report ``n_attractive``; for runs made before, each reading's first
    crossing whatever its kind (``flow.MAP.THERM.crossings.0``); before the
    flow had readings, the paper's fitted line (``fixed_points.ae_flow``).
    """
    by_kind = [(name, {k: f"{p}.{k}" for k in KINDS}) for name, p in _readings()
               if f"{p}.n_attractive" in metrics]
    first = [(name, {FIRST: f"{p}.crossings.0"}) for name, p in _readings()
             if f"{p}.crossings.0" in metrics]
    return by_kind or first or [("AE-WR, beta-net", {LINE: "fixed_points.ae_flow"})]


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


def _rest(params, key):
    rest = {k: v for k, v in params.items() if k != key}
    return label(rest) if rest else ""


def _rows(summary, points, key, x_of, keys):
    """{rest of the grid point: [(x, value of key, [stats per column], seeds)]}."""
    rows = {}
    for p in points:
        rows.setdefault(_rest(p["params"], key), []).append(
            (x_of(p["params"][key]), p["params"][key],
             [p["metrics"].get(k) for k in keys.values()], seeds_at(summary, p["params"])))
    return rows


def versus(summary, out, key, name, x_of, xlabel, extra=None):
    """Crossings against grid ``key``: what a cell is, the table, and DIR/figures/NAME.png.

    Readings with no crossing of either kind at any point get one sentence
    instead of rows of "none".
    """
    points = [p for p in summary["points"] if key in p["params"]]
    series = crossing_keys(set().union(*(p["metrics"] for p in points)))
    columns = list(series[0][1])
    table = [{KINDS: EXPLAIN, (FIRST,): EXPLAIN_FIRST}.get(tuple(columns), EXPLAIN_LINE), "",
             f"| {key} | series | " + " | ".join(f"{c} ({SEM})" for c in columns) + " |",
             "|---|---|" + "---|" * len(columns)]
    ax, xs, empty = figure(), set(), []
    for series_name, keys in series:
        rows = _rows(summary, points, key, x_of, keys)
        if not any(s for pts in rows.values() for _, _, stats, _ in pts for s in stats):
            empty.append(series_name)
            continue
        for rest, pts in rows.items():
            for j, (col, marker) in enumerate(zip(columns, "os")):
                if any(stats[j] for _, _, stats, _ in pts):
                    errorbar(ax, [x for x, *_ in pts], [stats[j] for _, _, stats, _ in pts],
                             f"{series_name}, {col} {rest}".strip(), marker=marker)
            where = f"{series_name} {rest}".strip()
            xs.update(x for x, *_ in pts)
            table += [f"| {v} | {where} | "
                      + " | ".join(cell(s, n) for s in stats) + " |" for _, v, stats, n in pts]
    if empty and columns == list(KINDS):
        table += ["", "No confident crossing of either kind in any run: "
                  + "; ".join(empty) + "."]
    if extra:
        extra(ax, table)
    ax.axhline(BETA_C, color="k", ls=":", label="beta_c (exact, infinite lattice)")
    ax.set_xticks(sorted(xs or {x_of(p["params"][key]) for p in points}))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(f"crossing beta ({SEM})")
    ax.legend(fontsize=6)
    save_figure(ax, Path(out) / "figures" / f"{name}.png")
    return table


def peaks(Ls):
    """``extra`` for :func:`versus`: the exact specific-heat peak of each L, drawn and tabled."""
    def draw(ax, lines):
        values = [specific_heat_peak(int(L)) for L in Ls]
        ax.plot(Ls, values, "k--", marker="s", label="exact specific-heat peak, L x L torus")
        lines += ["", "| L | exact specific-heat peak beta |", "|---|---|"]
        lines += [f"| {L} | {b:.5f} |" for L, b in zip(Ls, values)]
    return draw
