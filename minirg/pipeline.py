"""The paper's experiments as resumable stages: data, training, analysis.

A run directory holds everything a run makes::

    DIR/config.json              the resolved configuration (a rerun must match it)
    DIR/data/*.npz               critical, wide, wide_test, grid datasets
    DIR/models/NAME.npz          a finished model (minirg.nn save format)
    DIR/models/NAME.json         its losses, history and wall time (with a loadable
                                 NAME.npz, the "done" marker)
    DIR/models/NAME.ckpt.npz     checkpoint of a training in progress
    DIR/models/lockstep-A+B.ckpt.npz   the same for models A, B trained as one
                                 lockstep group (train.lockstep); a group does not
                                 resume a per-model checkpoint, nor the reverse
    DIR/results.json, DIR/REPORT.md, DIR/figures/, DIR/analysis/

A stage whose outputs exist is skipped; an interrupted training resumes from
its checkpoint and ends with the numbers an uninterrupted one would give.
Model names and what each is trained on come from `minirg.zoo.MODELS`.
Every JSON file is strict JSON: a NaN or infinity is written as null, and
REPORT.md's notes list the keys where that happened.
"""

import platform
import sys
import time
from pathlib import Path

import numpy as np

from minirg import __version__, zoo
from minirg._backend import namespace_for
from minirg._io import read_json, remove_stale_temps, to_json, write_json
from minirg.config import stage_seed
from minirg.schema import SCHEMA
from minirg.ising.datasets import check_spec, dataset_specs, make_datasets
from minirg.training import ORDER, is_done, load_model, train_all

__all__ = ["make_data", "write_datasets", "train", "reproduce", "analyse", "MODEL_NAMES",
           "collect_results", "load_model"]

DATASETS = ("critical", "wide", "wide_test", "grid")
MODEL_NAMES = tuple(zoo.MODELS)
# Keys that change only how fast a run goes: a run may resume with other values.
SPEED_KEYS = ("device", "train.workers", "train.lockstep")


def _flat_keys(cfg, where=""):
    """{"train.epochs": 100, ...}: the leaves of a nested configuration."""
    out = {}
    for key, value in cfg.items():
        if isinstance(value, dict):
            out.update(_flat_keys(value, f"{where}{key}."))
        else:
            out[f"{where}{key}"] = value
    return out


def _has_outputs(out):
    """True once a stage has left a result in ``out`` (a dataset or a model file)."""
    return any((out / "data").glob("*.npz")) or any((out / "models").glob("*.*"))


def _run_dir(cfg, out):
    """Create ``out`` and pin its configuration; a different one is an error.

    Values of `SPEED_KEYS` may differ (config.json takes the new ones), and a
    directory without results yet (say, a run refused or stopped before its
    first dataset) takes the new configuration.  Temporary files left by a
    killed run are removed.
    """
    out = Path(out)
    (out / "models").mkdir(parents=True, exist_ok=True)
    remove_stale_temps(out, *(out / d for d in ("data", "models", "figures", "analysis")))
    saved = out / "config.json"
    if saved.exists() and _has_outputs(out):
        old, new = _flat_keys(read_json(saved)), _flat_keys(cfg)
        # keys no longer in the configuration (e.g. train.init) are dropped, not compared
        diff = [k for k in sorted(set(old) | set(new)) if k in new and old.get(k) != new[k]]
        diff += [k for k in old if k not in new]
        blocking = [k for k in diff if k in new and k not in SPEED_KEYS]
        if blocking:
            shown = ", ".join(f"{k} ({old.get(k)!r} there, {new[k]!r} now)" for k in blocking)
            raise ValueError(f"run directory {str(out)!r} was made with another configuration "
                             f"(differs in {shown}); choose a new --out or delete it")
        if not diff:
            return out
    write_json(saved, cfg)
    return out


def make_data(cfg, out, progress=True):
    """The data stage of a run: the four datasets in DIR/data, unless already there."""
    out = _run_dir(cfg, out)
    return write_datasets(cfg, out / "data", progress=progress)


def _dataset_args(cfg):
    """`make_datasets` keyword arguments for a configuration."""
    d = cfg["data"]
    start, stop, num = d["grid_betas"]
    return dict(L=cfg["L"], n_critical=d["n_critical"], n_wide=d["n_wide"],
                n_wide_test=d["n_wide_test"], n_grid=d["n_grid"],
                beta_critical=d["beta_critical"], wide_range=tuple(d["wide_range"]),
                grid_betas=np.linspace(start, stop, int(num)), seed=cfg["seed"],
                algorithm=d["algorithm"])


def write_datasets(cfg, folder, progress=True):
    """Write critical, wide, wide_test and grid .npz files for ``cfg`` into ``folder``.

    A file already there is kept if it was made by the same configuration
    (seed, L, size, beta settings, algorithm: its ``spec``); one made by
    another is refused with a ValueError naming the file and what differs.
    Only the missing files are written.  ``minirg data`` calls this directly,
    `reproduce` through `make_data`.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)        # fail now, not after the sampling
    remove_stale_temps(folder)
    paths = {name: folder / f"{name}.npz" for name in DATASETS}
    args = _dataset_args(cfg)
    specs = dataset_specs(**args)
    for name, path in paths.items():
        if path.exists():
            check_spec(path, specs[name])
            args[f"n_{name}"] = 0                   # kept: do not make it again
    if all(args[f"n_{name}"] == 0 for name in DATASETS):
        return paths
    t0 = time.perf_counter()
    make_datasets(folder, **args, progress=progress)
    write_json(folder / "timing.json", {"seconds": time.perf_counter() - t0})
    return paths


def _check_device(device):
    """Fail early, before any work, if ``device`` cannot be used (ValueError)."""
    namespace_for(device)


def train(cfg, out, name, progress=True):
    """Train one model of the zoo (and whatever it is built from); returns its losses."""
    if name not in zoo.MODELS:
        raise ValueError(f"unknown model {name!r}; expected one of {', '.join(zoo.MODELS)}")
    _check_device(cfg["device"])
    make_data(cfg, out, progress=progress)
    needed = [n for n in (*zoo.DEPENDS.get(name, ()), name) if not is_done(out, n)]
    train_all(cfg, out, needed, progress, workers=1)
    return read_json(Path(out) / "models" / f"{name}.json")["losses"]


def collect_results(cfg, out):
    """results.json's training part, gathered from DIR/models/*.json."""
    out = Path(out)
    losses, histories, timings = {}, {}, {}
    for name in MODEL_NAMES:
        info = read_json(out / "models" / f"{name}.json")
        timings[name] = info["seconds"]
        if name == "beta_net":
            continue
        losses[name] = info["losses"]
        if info["history"]:
            histories[name] = {k: info["history"][k] for k in ("loss", "val_loss")}
    beta = read_json(out / "models" / "beta_net.json")
    data_timing = out / "data" / "timing.json"
    if data_timing.exists():
        timings["data"] = read_json(data_timing)["seconds"]
    return {"schema": SCHEMA,
            "losses": {k: losses[k] for k in ("model1", "model2", "model2_cg", "model3",
                                               "ae_wr", "cg1", "cg2", "up1", "up2")},
            "histories": histories,
            "beta_net": {"train_mse": beta["losses"]["train"],
                         "val_mse": beta["losses"]["val"],
                         "test_mse": beta["test_mse"]},
            "config": cfg, "seeds": {n: stage_seed(cfg["seed"], n) for n in MODEL_NAMES},
            "timings": timings, "versions": _versions()}


def _versions():
    import numba
    return {"minirg": __version__, "python": sys.version.split()[0],
            "numpy": np.__version__, "numba": numba.__version__,
            "platform": platform.platform()}


def reproduce(cfg, out, progress=True):
    """Every stage of the paper: data, all trainings, analysis, results.json and REPORT.md."""
    t0 = time.perf_counter()
    out = Path(out)
    _check_device(cfg["device"])
    make_data(cfg, out, progress=progress)
    todo = [n for n in ORDER if not is_done(out, n)]
    train_all(cfg, out, todo, progress, workers=cfg["train"]["workers"])
    write_json(out / "results.json", collect_results(cfg, out))   # usable without analysis
    return analyse(out, progress=progress, started=t0)


def analyse(run_dir, progress=True, started=None):
    """The analysis stage: figures, the analysis keys of results.json, REPORT.md.

    ``started`` (a ``time.perf_counter()`` value) makes ``timings.total_s`` the
    wall time since then, as `reproduce` reports it.
    """
    from minirg.analysis.report import write_report
    from minirg.analysis.stage import run_analysis
    run_dir = Path(run_dir)
    if not (run_dir / "config.json").exists():
        raise FileNotFoundError(f"{str(run_dir)!r} is not a minirg run directory "
                                "(no config.json); run `minirg reproduce` first")
    cfg = read_json(run_dir / "config.json")
    if not isinstance(cfg, dict) or not isinstance(cfg.get("train"), dict):
        raise ValueError(f"{str(run_dir / 'config.json')!r} is not a minirg configuration")
    results = collect_results(cfg, run_dir)
    t0 = time.perf_counter()
    parts, figures = run_analysis(run_dir, cfg, progress=progress, results=results)
    results.update(parts)
    results["timings"]["analysis"] = time.perf_counter() - t0
    if started is not None:
        results["timings"]["total_s"] = time.perf_counter() - started
    nulled = to_json(results)[1]
    if nulled:                      # strict JSON has no NaN: say which numbers are missing
        results["notes"] = [*results.get("notes", []), "not finite, so written as null in "
                            f"results.json: {', '.join(nulled)}"]
    write_json(run_dir / "results.json", results)
    write_report(run_dir, results, figures)
    return results
