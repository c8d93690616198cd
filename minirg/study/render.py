"""DIR/STUDY.md: a sweep's tables and figures, every number with its seed error bar.

Error bars are +-1 standard error of the mean over the seeds of a grid point
(sem = std / sqrt(n), std with ddof = 1); a point with one seed has none.
The crossing tables live in :mod:`.crossings`, the coarse-grainer flows in
:mod:`.flow_table`; this module assembles the page.
"""

from pathlib import Path

from minirg._io import atomic_path, read_json
from minirg.analysis.report import PAPER
from minirg.study.cells import SEM, cell, label
from minirg.study.crossings import peaks, versus
from minirg.study.flow_table import flow_table

__all__ = ["write_study", "render_study"]

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


def _headline(summary):
    points = summary["points"]
    lines = ["| quantity | paper | " + " | ".join(label(p["params"]) for p in points) + " |",
             "|---|---|" + "---|" * len(points)]
    for name, key, paper in HEADLINE:
        cells = [cell(p["metrics"].get(key)) for p in points]
        lines.append(f"| {name} | {'n/a' if paper is None else paper} | {' | '.join(cells)} |")
    return lines


def _grainer_losses(summary):
    """Table: CG/UP and Model-2/3 validation losses, one column per coarse-grainer point."""
    points = [p for p in summary["points"] if "coarse_grainer" in p["params"]]
    nets = ("cg1", "cg2", "up1", "up2", "model2", "model2_cg", "model3")
    lines = ["| val loss | " + " | ".join(label(p["params"]) for p in points) + " |",
             "|---|" + "---|" * len(points)]
    for net in nets:
        cells = [cell(p["metrics"].get(f"losses.{net}.val")) for p in points]
        lines.append(f"| {net} | {' | '.join(cells)} |")
    return lines


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
        md += ["", "## The flow's crossings against L", "",
               "![crossings vs L](figures/crossings_vs_L.png)", "",
               f"Crossings of beta' = beta ({SEM}) against L, beside the exact specific-heat "
               "peak of the L x L torus (`minirg.ising.exact`) and beta_c.", ""]
        md += versus(summary, out, "L", "crossings_vs_L", int, "L", peaks(Ls))
    if "data.wide_range" in keys:
        md += ["", "## Crossings against the training range", "",
               "![crossings vs range](figures/crossings_vs_range.png)", "",
               f"Crossings of beta' = beta ({SEM}) against the lower end of the AE-WR training "
               "range (data.wide_range).", ""]
        md += versus(summary, out, "data.wide_range", "crossings_vs_range",
                     lambda r: r[0], "lower end of data.wide_range")
    md += ["", "## Decimation against majority rule", ""]
    if "coarse_grainer" in keys:
        md += [f"Validation losses of the nets the coarse-grainer builds ({SEM}); the "
               "AE-WR and its flow do not depend on it.", ""]
        md += _grainer_losses(summary) + [""]
    md += ["![measured flow](figures/flow_majority.png)", "",
           "Measured flow beta -> beta' of two-step decimation and of 2x2 majority rule "
           f"(energy thermometer on the grid lattices, as the runs' analysis stored it; {SEM}; "
           "majority ties broken by a coin seeded with the run's seed). The fixed point is "
           "each run's highest upward crossing of beta' = beta, resolved or not; the tables "
           "above list the resolved ones by kind.", ""]
    md += flow_table(out, summary)
    return "\n".join(md) + "\n"


def write_study(out, summary):
    """Write DIR/STUDY.md (and its figures); returns its path."""
    path = Path(out) / "STUDY.md"
    with atomic_path(path) as tmp:
        tmp.write_text(render_study(out, summary))
    return path
