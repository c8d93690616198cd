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

fit stops early in two ways, both saying why: divergence (a NaN/inf loss
or weight, or a loss ``divergence`` times the loss before training), which
raises FloatingPointError and leaves the last good checkpoint on disk; and,
if asked, Keras's EarlyStopping (minirg.nn.early_stopping), which returns
the shorter History.
"""

import math
import numbers
import os

import numpy as np

from minirg._backend import get_namespace
from minirg._checks import check_int
from minirg.nn import checkpoint as ckpt
from minirg.nn._data import batch, batch_slices
from minirg.nn.early_stopping import EarlyStopping
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

    The backward pass leaves the L1 term out of dW; Adam adds it inside its
    update, which also sums |W|, so each weight tensor is read once per step
    (``Adam.step(add_l1=True)``). Returns (data_loss, penalty_trainable), both
    of the weights before the update (0-d arrays or floats; no device sync).
    """
    value, dy = loss(model.forward(x), y)
    model.backward(dy, need_dx=False, add_l1=False)
    penalty = optimizer.step(model.layers, add_l1=True)
    return value, penalty


def _epoch_order(n, seed, epoch, shuffle):
    """Training-row order for one epoch, derived from (seed, epoch) alone, so a resumed
    fit replays exactly the shuffles of an uninterrupted one without stored RNG state."""
    if not shuffle:
        return np.arange(n)
    return np.random.default_rng([seed, epoch]).permutation(n)


def _run_epoch(model, x, y, loss, optimizer, order, batch_size):
    """Train over ``order`` once; returns the batch-size-weighted (data, penalty) means
    and the first batch's data + penalty (measured before its update)."""
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
    data, pen = np.array([float(v) for v in data]), np.array([float(v) for v in pen])
    return float(w @ data), float(w @ pen), float(data[0] + pen[0])


def _epoch_logs(model, x, y, loss, optimizer, order, val_rows, batch_size):
    """(History logs of one epoch, the loss of its first batch before its update)."""
    data, pen, first = _run_epoch(model, x, y, loss, optimizer, order, batch_size)
    frozen = model.penalty()["frozen"]
    logs = {"loss": data + pen + frozen, "data_loss": data,
            "penalty_trainable": pen, "penalty_frozen": frozen}
    if len(val_rows):
        vdata = model.mean_loss(x, y, loss, val_rows, batch_size)
        vpen = model.penalty()["trainable"]
        logs.update(val_loss=vdata + vpen + frozen, val_data_loss=vdata,
                    val_penalty_trainable=vpen)
    return logs, first + frozen


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
        progress=False, desc="fit", position=None, callback=None,
        divergence=100.0, early_stopping=None):
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
        Written atomically after every good epoch (weights, Adam's t/m/v,
        epoch, history, fit settings, a fingerprint of x and y, early
        stopping's state). If it exists when fit starts, training resumes from
        it, ending bit-identical to an uninterrupted run on the CPU. A
        checkpoint of another model, other settings, other data, or more
        epochs than ``epochs`` raises ValueError.
    progress : bool
        Show a tqdm bar over epochs, labelled ``desc``, on line ``position``.
    callback : callable(epoch, logs), optional
        Called after each epoch (and its checkpoint).
    divergence : float > 1 or None
        Stop when an epoch's loss exceeds ``divergence`` times the loss before
        training (the first batch's, measured before its update); None turns
        this test off. NaN/inf losses or weights always stop training.
    early_stopping : EarlyStopping, dict of its arguments, or None (off)
        Keras's EarlyStopping (see minirg.nn.early_stopping).

    Returns
    -------
    History
        See the module docstring for its keys; ``loss`` is the headline.

    Raises
    ------
    ValueError, TypeError
        Bad shapes, dtypes, NaN/inf data or arguments, naming the value.
    FloatingPointError
        Training diverged (the message says which test tripped); the
        checkpoint on disk keeps the last good epoch, while the model in
        memory holds the diverged weights.
    """
    optimizer, es = _check_optimizer(optimizer), EarlyStopping.from_arg(early_stopping)
    loss, epochs = get_loss(loss), check_int(epochs, "epochs", 0)
    batch_size = check_int(batch_size, "batch_size", 1)
    divergence = _check_divergence_factor(divergence)
    x, y = model._check_xy(x, y)
    n_train = split_point(x.shape[0], validation_split)
    val_rows = np.arange(n_train, x.shape[0])
    _check_monitor(es, len(val_rows))
    run = {"loss": getattr(loss, "__name__", repr(loss)), "batch_size": batch_size,
           "validation_split": float(validation_split), "shuffle": bool(shuffle),
           "seed": check_int(seed, "seed", 0), "n_samples": int(x.shape[0]),
           "optimizer": optimizer.hyperparameters(), "data": ckpt.fingerprint(x, y),
           "early_stopping": None if es is None else es.config()}
    history, start, loss0 = History(), 0, None
    if checkpoint is not None and os.path.exists(checkpoint):
        history, start, loss0 = ckpt.resume_fit(checkpoint, model, optimizer, run, epochs, es)
        history = History(**history)
    if es is not None and es.stopped:
        return history
    bar = _progress_bar(progress, start, epochs, desc, position)
    try:
        for epoch in range(start, epochs):
            order = _epoch_order(n_train, seed, epoch, shuffle)
            logs, first = _epoch_logs(model, x, y, loss, optimizer, order, val_rows, batch_size)
            loss0 = first if loss0 is None else loss0
            _check_diverged(model, logs, loss0, divergence, f"{epoch + 1}/{epochs}", checkpoint)
            history.append(epoch, logs)
            stop = es is not None and es.update(epoch, logs, model.layers)
            if checkpoint is not None:
                ckpt.save_fit(checkpoint, model, optimizer, run, history.to_dict(), epoch + 1,
                              loss0, es)
            bar.set_postfix({k: f"{logs[k]:.4g}" for k in ("loss", "val_loss") if k in logs})
            bar.update()
            if callback is not None:
                callback(epoch, logs)
            if stop:
                break
    finally:
        bar.close()
    return history


def _check_optimizer(optimizer):
    if optimizer is None:
        return Adam()
    if not isinstance(optimizer, Adam):
        raise TypeError(f"optimizer={optimizer!r}; expected a minirg.nn.Adam instance, "
                        "e.g. Adam(lr=1e-3)")
    return optimizer


def _check_divergence_factor(divergence):
    if divergence is None:
        return None
    if isinstance(divergence, bool) or not isinstance(divergence, numbers.Real) \
            or not (math.isfinite(divergence) and divergence > 1):
        raise ValueError(f"divergence={divergence!r}; expected a finite number > 1 or None")
    return float(divergence)


def _check_monitor(es, n_val):
    keys = ["loss", "data_loss", "penalty_trainable", "penalty_frozen"]
    keys += ["val_loss", "val_data_loss", "val_penalty_trainable"] if n_val else []
    if es is not None and es.monitor not in keys:
        raise ValueError(f"early_stopping monitors {es.monitor!r}, which fit does not log "
                         f"here; expected one of {keys} (val_* need validation_split > 0)")


def _progress_bar(progress, start, epochs, desc, position):
    from tqdm.auto import tqdm
    return tqdm(total=epochs, initial=start, disable=not progress, desc=desc,
                position=position, unit="epoch", leave=position is None)


def divergence_message(logs, weights_problem, loss0, divergence, when, path):
    """Why training must stop, or None: the first of fit's divergence tests that
    trips, in order: a non-finite log value, ``weights_problem`` (a sentence, or
    None when the weights are finite), a loss above ``divergence`` x ``loss0``,
    the loss before training."""
    bad, hint = [k for k, v in logs.items() if not math.isfinite(v)], ""
    if bad:
        why = f"{bad[0]} became {logs[bad[0]]}"
    elif weights_problem is not None:
        why = weights_problem
    elif divergence is not None and loss0 > 0 and logs["loss"] > divergence * loss0:
        why = (f"loss {logs['loss']:.4g} exceeds divergence={divergence:g} x the loss "
               f"before training ({loss0:.4g})")
        hint = "; lower the learning rate (divergence=None turns this test off)"
    else:
        return None
    kept = (f"; checkpoint {os.fspath(path)!r} keeps the last good epoch"
            if path is not None and os.path.exists(path) else "")
    return f"{why} in epoch {when}; training stopped{kept}{hint}"


def _check_diverged(model, logs, loss0, divergence, when, path):
    """FloatingPointError with `divergence_message` if one of its tests trips."""
    i = _first_nonfinite(model.layers)
    weights = None if i is None else f"the weights of layer {i} are no longer finite"
    message = divergence_message(logs, weights, loss0, divergence, when, path)
    if message is not None:
        raise FloatingPointError(message)


def _first_nonfinite(layers):
    """Index of the first layer with a NaN or inf in W or b, or None."""
    for i, layer in enumerate(layers):
        for a in layer.params.values():
            xp = get_namespace(a)
            if not bool(xp.all(xp.isfinite(a))):
                return i
    return None
