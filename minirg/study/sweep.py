"""Sweeps: one ordinary run directory per (grid point, seed), run as Dask tasks.

Layout of a sweep directory::

    DIR/sweep.json                          what was asked (preset, overrides, grid, seeds)
    DIR/runs/L=8,coarse_grainer=majority/seed=0/   an ordinary, resumable run directory
    DIR/summary.json, DIR/summary.csv       aggregates over seeds per grid point
    DIR/STUDY.md, DIR/figures/              the study's tables and figures

A run is finished when its results.json names the Dask worker that made it;
a rerun skips finished runs and resumes the others from what they left.
"""

import itertools
import uuid
from pathlib import Path

from minirg import config
from minirg._io import read_json, write_json
from minirg.cluster import client, default_workers, worker_address

__all__ = ["sweep", "parse_grid", "plan", "run_one", "is_finished", "STUDY_DEFAULTS"]

# Seeds and grids a study preset sweeps when the command line gives none: a list
# of grids runs the union of their products.
STUDY_DEFAULTS = {
    "study-quick": {"seeds": [0, 1, 2],
                    "grid": [{"L": [8, 16, 32], "coarse_grainer": ["decimation", "majority"]},
                             {"L": [16], "data.wide_range": [[0.2, 0.6], [0.3, 0.6]]}]},
}


def _split_top(text):
    """'a,[1,2],b' -> ['a', '[1,2]', 'b']: commas inside brackets stay."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += {"[": 1, "]": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return parts + [cur]


def parse_grid(texts):
    """['L=8,16', 'data.wide_range=[0.01,0.6],[0.2,0.6]'] -> {'L': [8, 16], ...} (TOML values)."""
    grid = {}
    for text in texts:
        key, sep, values = text.partition("=")
        key = key.strip()
        if not sep or not key or not values.strip():
            raise ValueError(f"--grid {text!r}: expected KEY=V1,V2,..., e.g. L=8,16")
        if key in grid or key == "seed":
            raise ValueError(f"--grid {text!r}: key {key!r} given twice (seeds go in --seeds)")
        grid[key] = [_leaf(config.parse_assignment(f"{key}={v}")) for v in _split_top(values)]
    return grid


def _leaf(nested):
    while isinstance(nested, dict):
        (nested,) = nested.values()
    return nested


def _nested(key, value):
    for part in reversed(key.split(".")):
        value = {part: value}
    return value


def _label(value):
    if isinstance(value, list):
        return "_".join(_label(v) for v in value)
    return format(value, "g") if isinstance(value, float) else str(value)


def grids(grid):
    """A grid (dict key -> values) or a list of them, as a list of grids."""
    return [dict(g) for g in grid] if isinstance(grid, (list, tuple)) else [dict(grid or {})]


def plan(preset, overrides, grid, seeds):
    """Every run of the sweep, its configuration resolved (and so validated) up front.

    grid: dict key -> values (all combinations), or a list of such dicts (the union).
    Returns a list of dicts: params (grid key -> value), seed, cfg, dir (relative).
    """
    if not seeds:
        raise ValueError("--seeds: expected at least one seed, e.g. 0,1,2")
    runs = []
    for g in grids(grid):
        runs += [r for r in _plan_one(preset, overrides, g, seeds)
                 if r["dir"] not in {q["dir"] for q in runs}]
    return runs


def _plan_one(preset, overrides, grid, seeds):
    keys, runs = list(grid), []
    for values in itertools.product(*(grid[k] for k in keys)):
        params = dict(zip(keys, values))
        point = ",".join(f"{k}={_label(v)}" for k, v in params.items()) or "base"
        for seed in seeds:
            extra = [_nested(k, v) for k, v in params.items()] + [{"seed": seed}]
            cfg = config.resolve(preset, [*overrides, *extra])
            runs.append({"params": params, "seed": seed, "cfg": cfg,
                         "dir": f"runs/{point}/seed={seed}"})
    return runs


def is_finished(run_dir):
    """True when ``run_dir``'s results.json records the worker that finished it."""
    path = Path(run_dir) / "results.json"
    try:
        return path.exists() and "worker" in read_json(path)
    except ValueError:                       # half-written by an older version: redo
        return False


def run_one(cfg, run_dir):
    """One sweep task (plain data in, plain data out): reproduce ``cfg`` in ``run_dir``.

    Resumes whatever an earlier attempt left; trains in this process, whatever
    ``train.workers`` says (the sweep's parallelism is over runs).  Records the
    Dask worker's address in results.json, which marks the run finished.
    """
    from minirg import pipeline
    results = pipeline.reproduce(cfg, run_dir, progress=False)
    results["worker"] = worker_address() or "local"
    write_json(Path(run_dir) / "results.json", results)
    return {"dir": str(run_dir), "worker": results["worker"]}


def sweep(out, seeds, grid=None, preset="quick", overrides=(), scheduler=None,
          workers=None, progress=True):
    """Run (or finish) a sweep in ``out``; aggregate it and write STUDY.md.

    seeds : list of ints; grid : dict key -> list of values (dotted config keys), or a
    list of such dicts (the union of their combinations);
    scheduler : a Dask scheduler address (default: $DASK_SCHEDULER_ADDRESS, else an
    embedded LocalCluster of ``workers`` processes, default one per core).
    Returns the summary dict, with "failed": [{"dir", "error"}] for runs that raised.
    """
    from minirg.study.aggregate import write_summary
    from minirg.study.render import write_study
    grid = grids(grid)
    runs = plan(preset, list(overrides), grid, list(seeds))
    out = Path(out)
    write_json(out / "sweep.json", {"preset": preset, "overrides": list(overrides),
                                    "grid": grid if len(grid) > 1 else grid[0], "seeds": list(seeds)})
    todo = [r for r in runs if not is_finished(out / r["dir"])]
    failed = _run_tasks(out, todo, scheduler, workers, progress) if todo else []
    summary = write_summary(out, runs)
    write_study(out, summary)
    summary["failed"] = failed
    return summary


def _run_tasks(out, todo, scheduler, workers, progress):
    from distributed import as_completed
    from tqdm.auto import tqdm
    n = min(workers or default_workers(), len(todo))
    failed = []
    tag = uuid.uuid4().hex[:8]             # keys unique on a shared scheduler
    with client(scheduler, workers=n) as c:
        futures = {c.submit(run_one, r["cfg"], str((out / r["dir"]).resolve()), pure=False,
                            key=f"run-{r['dir']}-{tag}"): r for r in todo}
        bar = tqdm(total=len(futures), desc="runs", unit="run", disable=not progress)
        for future in as_completed(futures):
            try:
                future.result()
            except Exception as err:         # one failed run does not stop the others
                failed.append({"dir": futures[future]["dir"], "error": f"{type(err).__name__}: {err}"})
            bar.update()
        bar.close()
    return failed
