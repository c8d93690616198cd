"""How a summary's statistics become STUDY.md table cells and error bars.

Error bars are +-1 standard error of the mean over the seeds of a grid point
(sem = std / sqrt(n), std with ddof = 1); a point with one seed has none.
"""

import numpy as np

__all__ = ["SEM", "cell", "label", "seeds_at", "figure", "errorbar"]

SEM = "+-1 sem over n seeds"


def cell(s, total=None, spec=".4g"):
    """'mean +- sem (n=k)' of a stats dict; 'of N' when the point has N finished seeds.

    s : {"mean", "sem", "n"} or None (no seed has the number).
    """
    of = "" if total is None else f" of {total}"
    if s is None:
        return "n/a" if total is None else f"none (n=0{of})"
    sem = "" if s["sem"] is None else f" +- {format(s['sem'], spec)}"
    return f"{format(s['mean'], spec)}{sem} (n={s['n']}{of})"


def label(params):
    """'L=8, coarse_grainer=majority' (or 'base' for no parameters)."""
    return ", ".join(f"{k}={v}" for k, v in params.items()) or "base"


def seeds_at(summary, params):
    """How many finished runs (seeds) the grid point ``params`` has."""
    return sum(run["params"] == params for run in summary["runs"])


def figure():
    """A fresh 6 x 4 inch Axes (no pyplot state)."""
    from matplotlib.figure import Figure
    return Figure(figsize=(6, 4), layout="constrained").add_subplot()


def errorbar(ax, x, stats, name, **kw):
    """Means +- sem of ``stats`` (a stats dict or None per x; None is a gap) against x."""
    y = [s["mean"] if s else np.nan for s in stats]
    e = [(s["sem"] or 0.0) if s else 0.0 for s in stats]
    ax.errorbar(x, y, yerr=e, marker=kw.pop("marker", "o"), capsize=3, label=name, **kw)
