"""Training the zoo inside a run directory: one job per model, or per lockstep group.

`build` makes a model of `minirg.zoo.MODELS` from DIR/data and the trained
models it is built from; `train_job` trains it (or, for model3, evaluates
it) and writes DIR/models/NAME.npz and NAME.json, the "done" marker, last;
`train_group` does the same for same-shaped models trained together
(`minirg.nn.lockstep`, config key ``train.lockstep``); `train_all` runs the
jobs in dependency order, here or on an embedded Dask cluster. The run
directory itself and the other stages are `minirg.pipeline`'s.
"""

import time
import uuid
from pathlib import Path

import numpy as np

from minirg import coarse, zoo
from minirg._backend import namespace_for
from minirg._io import read_json, write_json
from minirg.cluster import in_worker, worker_slot
from minirg.config import lockstep_on, stage_seed
from minirg.ising.dataset_file import load_dataset
from minirg.nn import Adam, Sequential
from minirg.nn.lockstep import fit_lockstep, signature
from minirg.nn.train import split_point

__all__ = ["ORDER", "load_model", "build", "is_done", "train_job", "train_group", "jobs",
           "train_all"]

# Longest first, so that two workers finish together.
_LONGEST = ("model1", "ae_wr", "model2", "beta_net")
#: every model of the zoo, in the order `minirg.pipeline.reproduce` starts them
ORDER = _LONGEST + tuple(n for n in zoo.MODELS if n not in _LONGEST)


def _flat(a):
    """(n, h, w) lattices -> (n, h*w) rows, a view of the int8 data."""
    return a.reshape(a.shape[0], -1)


def load_model(out, name):
    """The trained model ``name`` of run directory ``out`` (FileNotFoundError if not yet)."""
    path = Path(out) / "models" / f"{name}.npz"
    if not path.exists():
        raise FileNotFoundError(f"model {name!r} is not trained yet ({str(path)!r} is missing)")
    return Sequential.load(str(path))       # str: messages show the path, not PosixPath(...)


def build(cfg, out, name):
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
    parents = [load_model(out, n).layers[0] for n in spec.depends]
    L, l1, seed = cfg["L"], cfg["train"]["l1"], stage_seed(cfg["seed"], name)
    if name == "model2":            # HCG of the configured coarse-grainer
        model = zoo.model2(L, l1, seed, coarse.hcg_layers(cfg["coarse_grainer"], L, l1))
    else:
        model = zoo.build(name, L, l1, seed, parents, beta_mean=beta_mean)
    epochs = cfg["train"][spec.epochs] if spec.epochs else 0
    return model, x, y, spec.loss, epochs


def is_done(out, name):
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


def train_job(cfg, out, progress, name, *after):
    """Train (or, for model3, evaluate) one model and save it with its metrics.

    ``after`` holds the results of the jobs this one waited for (Dask passes
    them); they are not used.
    """
    t0 = time.perf_counter()
    model, x, y, loss, epochs = build(cfg, out, name)
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


def jobs(cfg, names):
    """(jobs, deps): the training jobs for ``names``, dependencies respected.

    A job is one model name, or, with lockstep on (`config.lockstep_on`),
    "a+b+..." for same-shaped models with equal data size and epochs, trained
    together by `train_group` (placed where its first member stands in
    ``names``, and waiting for every member's dependencies).
    """
    groups = {}
    for name in names:
        key = _lockstep_key(cfg, name) if lockstep_on(cfg) else None
        groups.setdefault(name if key is None else key, []).append(name)
    job_of = {n: "+".join(members) for members in groups.values() for n in members}
    todo = list(dict.fromkeys(job_of[n] for n in names))
    deps = {j: sorted({job_of[d] for n in j.split("+") for d in zoo.DEPENDS.get(n, ())
                       if d in job_of} - {j}) for j in todo}
    return todo, deps


def _run_job(cfg, out, progress, job, *after):
    """One job of `jobs`: a single model (`train_job`) or a lockstep group."""
    names = job.split("+")
    if len(names) == 1:
        return train_job(cfg, out, progress, names[0])
    return train_group(cfg, out, progress, names)


def train_group(cfg, out, progress, names):
    """Train same-shaped models ``names`` at once (``fit_lockstep``); save each as `train_job`.

    Member k gets what its own `train_job` would give it (the same seeds,
    optimizer and settings; bit-identical on NumPy). One checkpoint,
    DIR/models/lockstep-<a+b+...>.ckpt.npz, holds the group's progress; it
    is removed once every member's files are written. Each NAME.json's
    ``seconds`` is the group's wall time, and ``lockstep`` lists the group.
    """
    t0 = time.perf_counter()
    models, t = Path(out) / "models", cfg["train"]
    built = [build(cfg, out, name) for name in names]
    nets = [_to_device(model, cfg["device"]) for model, *_ in built]
    (epochs,), (loss,) = {b[4] for b in built}, {b[3] for b in built}    # equal by `jobs`
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


def train_all(cfg, out, names, progress, workers):
    """Train ``names``, each after the models it is built from (zoo.DEPENDS).

    A job is one model, or a lockstep group of them (`jobs`, train.lockstep).
    With one worker (or inside a Dask worker already, as in a sweep) they run
    here, one after the other, without starting Dask.  Otherwise they are tasks
    on an embedded Dask cluster of ``workers`` one-thread processes, started in
    the order of ``names``; a model trains the same way wherever it runs.
    """
    todo, deps = jobs(cfg, names)
    order = _ordered(todo, deps)
    if workers <= 1 or len(todo) <= 1 or in_worker():
        for job in order:
            _run_job(cfg, str(out), progress, job)
        return
    from minirg.cluster import client
    tag = uuid.uuid4().hex[:8]
    with client(workers=min(workers, len(todo))) as c:
        futures = {}
        for rank, job in enumerate(order):
            futures[job] = c.submit(_run_job, cfg, str(out), progress, job,
                                    *(futures[d] for d in deps[job]),
                                    key=f"train-{job}-{tag}", priority=-rank, pure=False)
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
