"""The training loop: ``fit`` with Keras's history semantics, checkpoints and resume.

Per epoch (0-based ``epoch``), History records, all as Python floats:

    loss                 data_loss + penalty_trainable + penalty_frozen  (headline)
    data_loss            batch-size-weighted mean over the epoch's batches of
                         the data loss computed *before* each update (Keras)
    penalty_trainable    same mean of sum(l1 * |W|) over trainable layers
    penalty_frozen       sum(l1 * |W|) over frozen layers (constant)
    val_loss             val_data_loss + val_penalty_trainable + penalty_frozen
    val_data_loss        data loss on the validation rows at the epoch's end
    val_penalty_trainable  trainable penalty at the epoch's end

The headline counts every kernel's penalty, frozen ones too: tf.keras 2 (the
paper's era) summed all layers' regularisation losses into ``loss`` (Keras 3
counts trainable weights only; subtract ``penalty_frozen`` for that number).
The ``val_*`` keys exist only when ``validation_split > 0``.
"""

import math
import numbers
import os

import numpy as np

from minirg.nn import checkpoint as ckpt
from minirg._checks import check_int
from minirg.nn._data import batch, batch_slices
from minirg.nn.losses import get_loss
from minirg.nn.optim import Adam

__all__ = ["fit", "train_step", "split_point", "History"]


class History:
    """Keras-style record: ``history`` maps a key to per-epoch values; ``epoch`` lists indices."""

    def __init__(self, history=None, epoch=None):
        self.history = {k: list(v) for k, v in (history or {}).items()}
        self.epoch = list(epoch or [])

    def append(self, epoch, logs):
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def to_dict(self):
        return {"history": self.history, "epoch": self.epoch}

    def __repr__(self):
        last = {k: round(v[-1], 6) for k, v in self.history.items() if v}
        return f"History(epochs={len(self.epoch)}, last={last})"


def train_step(model, x, y, loss, optimizer):
    """One update on a batch x : (b, d_in), y : (b, d_out) already in the model's namespace.

    Returns (data_loss, penalty_trainable), both measured before the update
    (0-d arrays or floats; no device sync).
    """
    value, dy = loss(model.forward(x), y)
    penalty = model.trainable_penalty()
    model.backward(dy, need_dx=False)
    optimizer.step(model.layers)
    return value, penalty


def _epoch_order(n, seed, epoch, shuffle):
    """Training-row order for one epoch, derived from (seed, epoch) alone, so a resumed
    fit replays exactly the shuffles of an uninterrupted one without stored RNG state."""
    if not shuffle:
        return np.arange(n)
    return np.random.default_rng([seed, epoch]).permutation(n)


def _run_epoch(model, x, y, loss, optimizer, order, batch_size):
    """Train over ``order`` once; returns the batch-size-weighted (data, penalty) means."""
    xp, dtype = model.xp, model.dtype
    sizes, data, pen = [], [], []
    for rows in batch_slices(order, batch_size):
        xb = batch(x, rows, xp, dtype)
        yb = xb if y is x else batch(y, rows, xp, dtype)
        d, p = train_step(model, xb, yb, loss, optimizer)
        sizes.append(len(rows))
        data.append(d)
        pen.append(p)
    w = np.asarray(sizes, dtype=np.float64) / len(order)
    # One host conversion per batch value, all at the epoch's end (no per-step sync).
    return (float(w @ np.array([float(v) for v in data])),
            float(w @ np.array([float(v) for v in pen])))


def _epoch_logs(model, x, y, loss, optimizer, order, val_rows, batch_size):
    data, pen = _run_epoch(model, x, y, loss, optimizer, order, batch_size)
    frozen = model.penalty()["frozen"]
    logs = {"loss": data + pen + frozen, "data_loss": data,
            "penalty_trainable": pen, "penalty_frozen": frozen}
    if len(val_rows):
        vdata = model.mean_loss(x, y, loss, val_rows, batch_size)
        vpen = model.penalty()["trainable"]
        logs.update(val_loss=vdata + vpen + frozen, val_data_loss=vdata,
                    val_penalty_trainable=vpen)
    return logs


def split_point(n, validation_split):
    """n_train = floor(n * (1 - validation_split)), Keras's rule: rows [0, n_train) train,
    rows [n_train, n) validate (taken before shuffling). ValueError if either is empty."""
    if isinstance(validation_split, bool) or not isinstance(validation_split, numbers.Real) \
            or not 0 <= validation_split < 1:
        raise ValueError(f"validation_split={validation_split!r}; expected 0 <= value < 1")
    n_train = int(math.floor(n * (1.0 - validation_split))) if validation_split else n
    if n_train < 1 or (validation_split and n_train == n):
        raise ValueError(f"validation_split={validation_split} of {n} samples leaves "
                         f"{n_train} training and {n - n_train} validation rows; "
                         "expected at least one of each")
    return n_train


def fit(model, x, y, *, loss, optimizer=None, epochs=1, batch_size=32,
        validation_split=0.0, shuffle=True, seed=0, checkpoint=None,
        progress=False, desc="fit", position=None, callback=None):
    """Train ``model`` by mini-batch Adam; the Keras ``model.fit`` loop.

    Parameters
    ----------
    model : Sequential
    x : (n, d_in), y : (n, d_out) real arrays
        Host NumPy arrays of any real dtype (int8 spins are fine; each batch
        is cast to the model's dtype and moved to its namespace), or arrays
        already in the model's namespace. Pass ``y=x`` for an autoencoder.
    loss : "hinge", "mse" or callable (y_pred, y) -> (value, dy_pred)
    optimizer : Adam, default Adam()
    epochs : int >= 0
        Total epochs, counting those already in a resumed checkpoint.
    batch_size : int >= 1
    validation_split : float in [0, 1)
        The last ``floor`` fraction of the rows is held out (before shuffling).
    shuffle : bool
        Shuffle training rows each epoch with ``default_rng([seed, epoch])``.
    seed : int >= 0
    checkpoint : path, optional
        Written atomically after every epoch (weights, Adam's t/m/v, epoch,
        history, fit settings). If it exists when fit starts, training resumes
        from it, ending bit-identical to an uninterrupted run on the CPU; a
        checkpoint from another model or other settings raises ValueError.
    progress : bool
        Show a tqdm bar over epochs, labelled ``desc``, on line ``position``
        (for several bars at once).
    callback : callable(epoch, logs), optional
        Called after each epoch (and its checkpoint).

    Returns
    -------
    History
        See the module docstring for its keys; ``loss`` is the headline.

    Raises
    ------
    ValueError
        Bad shapes, dtypes, NaN/inf data or arguments, naming the value.
    FloatingPointError
        A loss became NaN or inf; the checkpoint keeps the last good epoch
        (the model in memory holds the diverged weights).
    """
    loss, optimizer = get_loss(loss), Adam() if optimizer is None else optimizer
    epochs = check_int(epochs, "epochs", 0)
    batch_size = check_int(batch_size, "batch_size", 1)
    x, y = model._check_xy(x, y)
    n_train = split_point(x.shape[0], validation_split)
    val_rows = np.arange(n_train, x.shape[0])
    run = {"loss": getattr(loss, "__name__", repr(loss)), "batch_size": batch_size,
           "validation_split": float(validation_split), "shuffle": bool(shuffle),
           "seed": check_int(seed, "seed", 0), "n_samples": int(x.shape[0]),
           "optimizer": optimizer.hyperparameters()}
    history, start = History(), 0
    if checkpoint is not None and os.path.exists(checkpoint):
        history, start = _resume(checkpoint, model, optimizer, run)
    bar = _progress_bar(progress, start, epochs, desc, position)
    try:
        for epoch in range(start, epochs):
            order = _epoch_order(n_train, seed, epoch, shuffle)
            logs = _epoch_logs(model, x, y, loss, optimizer, order, val_rows, batch_size)
            _check_finite(logs, epoch, epochs, checkpoint)
            history.append(epoch, logs)
            if checkpoint is not None:
                _save(checkpoint, model, optimizer, run, history, epoch + 1)
            bar.set_postfix({k: f"{logs[k]:.4g}" for k in ("loss", "val_loss") if k in logs})
            bar.update()
            if callback is not None:
                callback(epoch, logs)
    finally:
        bar.close()
    return history


def _progress_bar(progress, start, epochs, desc, position):
    from tqdm.auto import tqdm
    return tqdm(total=epochs, initial=start, disable=not progress, desc=desc,
                position=position, unit="epoch", leave=position is None)


def _check_finite(logs, epoch, epochs, path):
    bad = [k for k, v in logs.items() if not math.isfinite(v)]
    if bad:
        kept = (f"; checkpoint {os.fspath(path)!r} keeps the last good epoch"
                if path is not None and os.path.exists(path) else "")
        raise FloatingPointError(f"{bad[0]} became {logs[bad[0]]} in epoch "
                                 f"{epoch + 1}/{epochs}; training stopped{kept}")


def _save(path, model, optimizer, run, history, epochs_done):
    """Checkpoint = model file + optimizer moments + JSON of epoch, t, settings, history."""
    arrays = model.state_arrays()
    state = optimizer.state_dict()
    arrays.update(ckpt.optimizer_arrays(state))
    arrays["fit"] = ckpt.json_array({"epoch": epochs_done, "t": state["t"], "run": run,
                                     "history": history.to_dict()})
    ckpt.write_npz_atomic(path, arrays)


def _resume(path, model, optimizer, run):
    """Load weights and optimizer state from checkpoint ``path`` into model/optimizer.

    Returns (History, epochs already done). ValueError if the checkpoint was
    written for another architecture or other fit settings.
    """
    from minirg.nn.layers import transfer
    from minirg.nn.model import Sequential

    arrays = ckpt.read_npz(path)
    meta = ckpt.read_json(arrays, "fit", path)
    saved = Sequential.from_arrays(arrays, path)
    if saved.config() != model.config():
        raise ValueError(f"checkpoint {os.fspath(path)!r} holds a different model "
                         f"({saved.config()['layers']}); expected {model.config()['layers']}")
    diff = {k: (meta["run"].get(k), v) for k, v in run.items() if meta["run"].get(k) != v}
    if diff:
        raise ValueError(f"checkpoint {os.fspath(path)!r} was written with other fit "
                         f"settings, (saved, asked): {diff}; delete it or match them")
    for src, dst in zip(saved.layers, model.layers):
        transfer(src, dst, freeze=not dst.trainable)
    optimizer.load_state_dict(ckpt.optimizer_state(arrays, meta["t"]), xp=model.xp)
    history = History(**meta["history"])
    return history, int(meta["epoch"])
