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
import uuid
from pathlib import Path

import numpy as np

from minirg import __version__, coarse, zoo
from minirg._backend import namespace_for
from minirg._io import read_json, remove_stale_temps, to_json, write_json
from minirg.cluster import in_worker, worker_slot
from minirg.config import lockstep_on, stage_seed
from minirg.ising.datasets import check_spec, dataset_specs, load_dataset, make_datasets
from minirg.nn import Adam, Sequential
from minirg.nn.lockstep import fit_lockstep, signature
from minirg.nn.train import split_point

__all__ = ["make_data", "write_datasets", "train", "reproduce", "analyse", "MODEL_NAMES", "collect_results"]

DATASETS = ("critical", "wide", "wide_test", "grid")
MODEL_NAMES = tuple(zoo.MODELS)
# Longest first, so that two workers finish together.
_LONGEST = ("model1", "ae_wr", "model2", "beta_net")
_ORDER = _LONGEST + tuple(n for n in MODEL_NAMES if n not in _LONGEST)
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


def _flat(a):
    """(n, h, w) lattices -> (n, h*w) rows, a view of the int8 data."""
    return a.reshape(a.shape[0], -1)


def _load_model(out, name):
    path = Path(out) / "models" / f"{name}.npz"
    if not path.exists():
        raise FileNotFoundError(f"model {name!r} is not trained yet ({str(path)!r} is missing)")
    return Sequential.load(str(path))       # str: messages show the path, not PosixPath(...)


def _build(cfg, out, name):
    """(model, x, y, loss, epochs) for one model of the zoo, data loaded from DIR."""
    spec = zoo.MODELS[name]
    arrays, _ = load_dataset(Path(out) / "data" / f"{spec.dataset}.npz", kind=spec.dataset)
    if spec.dataset == "critical":  # CG/UP targets of the configured coarse-grainer
        arrays = coarse.targets(cfg["coarse_grainer"], arrays, stage_seed(cfg["seed"], "coarse"))
    x, y = _flat(arrays[spec.inputs]), _flat(arrays[spec.targets])
    beta_mean = 0.3
    if spec.targets == "beta":
        y = arrays["beta"].astype(np.float32)[:, None]
        beta_mean = float(np.mean(arrays["beta"]))
    parents = [_load_model(out, n).layers[0] for n in spec.depends]
    L, l1, seed = cfg["L"], cfg["train"]["l1"], stage_seed(cfg["seed"], name)
    if name == "model2":            # HCG of the configured coarse-grainer
        model = zoo.model2(L, l1, seed, coarse.hcg_layers(cfg["coarse_grainer"], L, l1))
    else:
        model = zoo.build(name, L, l1, seed, parents, beta_mean=beta_mean)
    epochs = cfg["train"][spec.epochs] if spec.epochs else 0
    return model, x, y, spec.loss, epochs


def _is_done(out, name):
    """A model is done when its metrics (the marker) and a loadable model file exist.

    A deleted or corrupt model file therefore means "train again", never a
    run that fails the same way at every rerun.
    """
    models = Path(out) / "models"
    try:
        info = read_json(models / f"{name}.json")
        Sequential.load(str(models / f"{name}.npz"))
    except (OSError, ValueError):
        return False
    return isinstance(info, dict) and "losses" in info


def _train_job(cfg, out, progress, name, *after):
    """Train (or, for model3, evaluate) one model and save it with its metrics.

    ``after`` holds the results of the jobs this one waited for (Dask passes
    them); they are not used.
    """
    t0 = time.perf_counter()
    model, x, y, loss, epochs = _build(cfg, out, name)
    model = _to_device(model, cfg["device"])
    t = cfg["train"]
    models = Path(out) / "models"
    history = {}
    extra = {}
    if name == "beta_net" and t["beta_net_early_stopping"]:
        # Keras EarlyStopping semantics (minirg.nn.EarlyStopping): stop on the
        # validation MSE and keep the best epoch's weights.
        extra["early_stopping"] = {"monitor": "val_loss", "patience": t["beta_net_patience"],
                                   "restore_best_weights": True}
    if epochs > 0:
        hist = model.fit(x, y, loss=loss, optimizer=Adam(lr=t["lr"]), epochs=epochs,
                         batch_size=t["batch_size"], validation_split=t["validation_split"],
                         shuffle=True, seed=stage_seed(cfg["seed"], name + "/shuffle"),
                         checkpoint=str(models / f"{name}.ckpt.npz"),
                         progress=progress, desc=name, position=worker_slot(), **extra)
        history = {k: [float(v) for v in vals] for k, vals in hist.history.items()}
    info = _metrics(cfg, out, name, model, x, y, loss, epochs, history)
    model.save(models / f"{name}.npz")
    info["seconds"] = time.perf_counter() - t0
    write_json(models / f"{name}.json", info)
    (models / f"{name}.ckpt.npz").unlink(missing_ok=True)
    return info["losses"]


def _metrics(cfg, out, name, model, x, y, loss, epochs, history):
    """NAME.json's content for a trained model, but its wall time."""
    t = cfg["train"]
    info = {"name": name, "epochs": epochs, "losses": _final_losses(model, x, y, loss, t, history),
            "history": history}
    if name == "beta_net":
        info["test_mse"] = _test_mse(model, out, t["batch_size"])
    return info


def _test_mse(model, out, batch_size):
    """The beta-net's MSE on the fresh wide_test set."""
    arrays, _ = load_dataset(Path(out) / "data" / "wide_test.npz")
    y = arrays["beta"].astype(np.float32)[:, None]
    ev = model.evaluate(_flat(arrays["spins"]), y, loss="mse", batch_size=max(batch_size, 256),
                        return_dict=True)
    return ev["data_loss"]


def _check_device(device):
    """Fail early, before any work, if ``device`` cannot be used (ValueError)."""
    namespace_for(device)


def _to_device(model, device):
    return model if device == "cpu" else model.to(namespace_for(device))


def _final_losses(model, x, y, loss, t, history):
    """Final train/val losses: Keras's last-epoch numbers, or an evaluation if untrained.

    ``train``/``val`` are the headline (data + L1 penalty) and ``*_data`` the
    data term alone.
    """
    if history:
        return {"train": history["loss"][-1], "val": history["val_loss"][-1],
                "train_data": history["data_loss"][-1],
                "val_data": history["val_data_loss"][-1]}
    n_train = split_point(len(x), t["validation_split"])
    parts = {}
    for part, sl in (("train", slice(0, n_train)), ("val", slice(n_train, None))):
        ev = model.evaluate(x[sl], y[sl], loss=loss, batch_size=max(t["batch_size"], 256),
                            return_dict=True)
        parts[part], parts[f"{part}_data"] = ev["loss"], ev["data_loss"]
    return parts


def _lockstep_key(cfg, name):
    """What members of one lockstep group share: layer shapes (``signature``), data
    size, epochs and loss; None for a model that trains alone (not at all, or with
    early stopping, which fit_lockstep lacks)."""
    spec = zoo.MODELS[name]
    epochs = cfg["train"][spec.epochs] if spec.epochs else 0
    if epochs == 0 or (name == "beta_net" and cfg["train"]["beta_net_early_stopping"]):
        return None
    L, l1 = cfg["L"], cfg["train"]["l1"]
    parents = [zoo.build(d, L, l1, 0).layers[0] for d in spec.depends]   # shapes only
    return (signature(zoo.build(name, L, l1, 0, parents)), cfg["data"][f"n_{spec.dataset}"],
            epochs, spec.loss)


def _units(cfg, names):
    """(units, deps): the training jobs for ``names``, dependencies respected.

    A unit is one model name, or, with lockstep on (`config.lockstep_on`),
    "a+b+..." for same-shaped models with equal data size and epochs, trained
    together by `_train_group` (placed where its first member stands in
    ``names``, and waiting for every member's dependencies).
    """
    groups = {}
    for name in names:
        key = _lockstep_key(cfg, name) if lockstep_on(cfg) else None
        groups.setdefault(name if key is None else key, []).append(name)
    unit_of = {n: "+".join(members) for members in groups.values() for n in members}
    units = list(dict.fromkeys(unit_of[n] for n in names))
    deps = {u: sorted({unit_of[d] for n in u.split("+") for d in zoo.DEPENDS.get(n, ())
                       if d in unit_of} - {u}) for u in units}
    return units, deps


def _train_unit(cfg, out, progress, unit, *after):
    """One job of `_units`: a single model (`_train_job`) or a lockstep group."""
    names = unit.split("+")
    if len(names) == 1:
        return _train_job(cfg, out, progress, names[0])
    return _train_group(cfg, out, progress, names)


def _train_group(cfg, out, progress, names):
    """Train same-shaped models ``names`` at once (``fit_lockstep``); save each as `_train_job`.

    Member k gets what its own `_train_job` would give it (the same seeds,
    optimizer and settings; bit-identical on NumPy). One checkpoint,
    DIR/models/lockstep-<a+b+...>.ckpt.npz, holds the group's progress; it
    is removed once every member's files are written. Each NAME.json's
    ``seconds`` is the group's wall time, and ``lockstep`` lists the group.
    """
    t0 = time.perf_counter()
    models, t = Path(out) / "models", cfg["train"]
    built = [_build(cfg, out, name) for name in names]
    nets = [_to_device(model, cfg["device"]) for model, *_ in built]
    (epochs,), (loss,) = {b[4] for b in built}, {b[3] for b in built}    # equal by `_units`
    path = models / f"lockstep-{'+'.join(names)}.ckpt.npz"
    try:
        hists = fit_lockstep(nets, [b[1] for b in built], [b[2] for b in built], loss=loss,
                             epochs=epochs, batch_size=t["batch_size"],
                             validation_split=t["validation_split"], shuffle=True,
                             seeds=[stage_seed(cfg["seed"], n + "/shuffle") for n in names],
                             optimizers=[Adam(lr=t["lr"]) for _ in names],
                             checkpoint=str(path), progress=progress)
    except FloatingPointError as e:         # "member k" -> the model's name
        members = ", ".join(f"{k} = {n}" for k, n in enumerate(names))
        raise FloatingPointError(f"lockstep group (member {members}): {e}") from None
    infos = []
    for name, net, (_, x, y, _, _), hist in zip(names, nets, built, hists):
        history = {k: [float(v) for v in vals] for k, vals in hist.history.items()}
        infos.append(_metrics(cfg, out, name, net, x, y, loss, epochs, history))
        net.save(models / f"{name}.npz")
    seconds = time.perf_counter() - t0
    for name, info in zip(names, infos):     # the markers last, all together
        write_json(models / f"{name}.json", dict(info, seconds=seconds, lockstep=names))
        (models / f"{name}.ckpt.npz").unlink(missing_ok=True)   # from a run with lockstep off
    path.unlink(missing_ok=True)
    return {name: info["losses"] for name, info in zip(names, infos)}


def train(cfg, out, name, progress=True):
    """Train one model of the zoo (and whatever it is built from); returns its losses."""
    if name not in zoo.MODELS:
        raise ValueError(f"unknown model {name!r}; expected one of {', '.join(zoo.MODELS)}")
    _check_device(cfg["device"])
    make_data(cfg, out, progress=progress)
    needed = [n for n in (*zoo.DEPENDS.get(name, ()), name) if not _is_done(out, n)]
    _train_all(cfg, out, needed, progress, workers=1)
    return read_json(Path(out) / "models" / f"{name}.json")["losses"]


def _train_all(cfg, out, names, progress, workers):
    """Train ``names``, each after the models it is built from (zoo.DEPENDS).

    A job is one model, or a lockstep group of them (`_units`, train.lockstep).
    With one worker (or inside a Dask worker already, as in a sweep) they run
    here, one after the other, without starting Dask.  Otherwise they are tasks
    on an embedded Dask cluster of ``workers`` one-thread processes, started in
    the order of ``names``; a model trains the same way wherever it runs.
    """
    units, deps = _units(cfg, names)
    order = _ordered(units, deps)
    if workers <= 1 or len(units) <= 1 or in_worker():
        for unit in order:
            _train_unit(cfg, str(out), progress, unit)
        return
    from minirg.cluster import client
    tag = uuid.uuid4().hex[:8]
    with client(workers=min(workers, len(units))) as c:
        futures = {}
        for rank, unit in enumerate(order):
            futures[unit] = c.submit(_train_unit, cfg, str(out), progress, unit,
                                     *(futures[d] for d in deps[unit]),
                                     key=f"train-{unit}-{tag}", priority=-rank, pure=False)
        c.gather(list(futures.values()))     # re-raises the first job's error


def _ordered(names, deps):
    """``names`` with every job after its dependencies (stable otherwise)."""
    done, order, pending = set(), [], list(names)
    while pending:
        ready = [n for n in pending if all(d in done for d in deps.get(n, ()))]
        if not ready:
            raise ValueError(f"jobs {pending} depend on jobs that are not scheduled")
        order.append(ready[0])
        done.add(ready[0])
        pending.remove(ready[0])
    return order


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
    return {"losses": {k: losses[k] for k in ("model1", "model2", "model2_cg", "model3",
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
    todo = [n for n in _ORDER if not _is_done(out, n)]
    _train_all(cfg, out, todo, progress, workers=cfg["train"]["workers"])
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
