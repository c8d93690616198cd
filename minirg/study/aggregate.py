"""Aggregation over seeds: DIR/summary.json and the flat DIR/summary.csv.

Every number of a run's results.json is a metric, named by its dotted path
(``losses.model1.val``).  Lists (histories, curves, shapes) are not scalars
and are left out, except a flow's ``crossings``, whose entries are metrics of
their own (``flow.ae_sign.energy.crossings.0``: the first crossing, whatever its
kind).  Crossings by kind are plain numbers the analysis stage writes
(``flow.ae_sign.energy.attractive``, ``.repulsive``, ``.n_attractive``,
``.n_repulsive``), so they need nothing here: a run without such a crossing
has no such metric, and the point's n counts the runs that have one.
"""

import csv
import io
import math
from pathlib import Path

from minirg._io import atomic_path, read_json, write_json

__all__ = ["flatten", "stats", "aggregate", "write_summary"]

_LISTS = ("crossings",)
STAT_KEYS = ("mean", "std", "sem", "n", "min", "max")


def flatten(results, prefix=""):
    """{dotted key: float} for every finite number in ``results`` (bools excluded)."""
    flat = {}
    items = (results.items() if isinstance(results, dict)
             else enumerate(results) if isinstance(results, list) else ())
    for key, value in items:
        path = f"{prefix}{key}"
        if isinstance(value, list) and key not in _LISTS:
            continue
        if isinstance(value, (dict, list)):
            flat.update(flatten(value, path + "."))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            if math.isfinite(value):
                flat[path] = float(value)
    return flat


def stats(values):
    """mean, std (sample, ddof = 1; None for n = 1), sem = std / sqrt(n), n, min, max."""
    n = len(values)
    mean = math.fsum(values) / n
    std = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else None
    return {"mean": mean, "std": std, "sem": None if std is None else std / math.sqrt(n),
            "n": n, "min": min(values), "max": max(values)}


def aggregate(out, runs):
    """The summary of the finished runs among ``runs`` (see `minirg.study.sweep.plan`).

    Returns {"runs": [{"params", "seed", "dir", "worker"}], "points": [{"params",
    "metrics": {key: stats}}]}, points in grid order.
    """
    out = Path(out)
    done, points = [], {}
    for run in runs:
        path = out / run["dir"] / "results.json"
        if not path.exists():
            continue
        results = read_json(path)
        if "worker" not in results:
            continue
        done.append({"params": run["params"], "seed": run["seed"], "dir": run["dir"],
                     "worker": results["worker"]})
        key = tuple((k, repr(v)) for k, v in run["params"].items())
        point = points.setdefault(key, {"params": run["params"], "values": {}})
        for name, value in flatten(results).items():
            point["values"].setdefault(name, []).append(value)
    return {"runs": done,
            "points": [{"params": p["params"],
                        "metrics": {k: stats(v) for k, v in p["values"].items()}}
                       for p in points.values()]}


def _csv(summary):
    keys = list(dict.fromkeys(k for p in summary["points"] for k in p["params"]))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([*keys, "metric", *STAT_KEYS])
    for point in summary["points"]:
        for name, s in point["metrics"].items():
            w.writerow([*(_cell(point["params"].get(k, "")) for k in keys), name,
                        *("" if s[k] is None else s[k] for k in STAT_KEYS)])
    return buf.getvalue()


def _cell(value):
    return " ".join(map(str, value)) if isinstance(value, list) else value


def write_summary(out, runs):
    """Aggregate ``runs`` and write DIR/summary.json and DIR/summary.csv; returns the summary."""
    out = Path(out)
    summary = aggregate(out, runs)
    write_json(out / "summary.json", summary)
    with atomic_path(out / "summary.csv") as tmp:
        tmp.write_text(_csv(summary))
    return summary
