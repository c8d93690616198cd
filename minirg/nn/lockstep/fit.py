"""``fit_lockstep``: K models of one shape trained at once, each ending where its own ``fit`` would.

Member k sees exactly what ``fit(models[k], xs[k], ys[k], seed=seeds[k], ...)``
would: the same validation split, the same shuffle of its training rows each
epoch (``default_rng([seed, epoch])``), the same batches, Adam steps and
history keys (see ``minirg.nn.train``). Only the arithmetic is shared: every
layer is one batched matmul over the K members (``Stack``).

Members must have the same number of samples (so the same batches per epoch);
models with other data sizes go in another call (``same_shape_groups`` takes
the sizes as keys).
"""

import os

import numpy as np

from minirg._backend import to_numpy
from minirg._checks import check_int
from minirg.nn.lockstep.checkpoint import resume, save
from minirg.nn.lockstep.data import batches, check_members, fingerprints
from minirg.nn.lockstep.stack import Stack
from minirg.nn.losses import get_loss
from minirg.nn.train import (History, _check_divergence_factor, _epoch_order, divergence_message,
                             split_point)

__all__ = ["fit_lockstep"]


def _weighted_means(sizes, values, n):
    """fit's epoch mean: w @ per-batch values, w = sizes / n, one column per member."""
    w = np.asarray(sizes, dtype=np.float64) / n
    host = np.asarray(values, dtype=np.float64)                # (batches, K)
    return [float(w @ np.ascontiguousarray(host[:, k])) for k in range(host.shape[1])]


def _train_epoch(stack, xs, ys, loss, orders, batch_size):
    """One epoch of lockstep steps -> per-member (data, penalty_trainable) means and
    first batch's data + penalty before its update (three lists)."""
    xp = stack.xp
    sizes, data, pen = [], [], []
    for s in range(0, len(orders[0]), batch_size):
        rows = [o[s:s + batch_size] for o in orders]
        xb, yb = batches(xs, ys, stack, rows)
        value, penalty = stack.step(loss, xb, yb)
        sizes.append(len(rows[0]))
        data.append(value)
        pen.append(penalty)
    # One host transfer per epoch (no per-step device sync).
    data, pen = to_numpy(xp.stack(data)), to_numpy(xp.stack(pen))
    n = len(orders[0])
    first = [float(d) + float(p) for d, p in zip(data[0], pen[0])]
    return _weighted_means(sizes, data, n), _weighted_means(sizes, pen, n), first


def _val_data_loss(stack, xs, ys, loss, val_rows, batch_size):
    """Per member, ``Sequential.mean_loss`` over the validation rows (same accumulation)."""
    xp = stack.xp
    sizes, values = [], []
    for s in range(0, len(val_rows), batch_size):
        r = val_rows[s:s + batch_size]
        xb, yb = batches(xs, ys, stack, [r] * stack.K)
        values.append(stack.member_losses(loss, stack.forward(xb), yb)[0])
        sizes.append(len(r))
    values = to_numpy(xp.stack(values))
    out = []
    for k in range(stack.K):
        total = 0.0
        for size, v in zip(sizes, values[:, k]):
            total += size * float(v)
        out.append(total / len(val_rows))
    return out


def _epoch_logs(stack, xs, ys, loss, orders, val_rows, batch_size):
    """Per member, the logs dict ``fit`` records for one epoch (same keys, same order),
    and the loss of the epoch's first batch before its update (``fit``'s loss0)."""
    data, pen, first = _train_epoch(stack, xs, ys, loss, orders, batch_size)
    frozen = [float(v) for v in to_numpy(stack.penalty(trainable=False))]
    logs = [{"loss": d + p + f, "data_loss": d, "penalty_trainable": p, "penalty_frozen": f}
            for d, p, f in zip(data, pen, frozen)]
    if len(val_rows):
        vdata = _val_data_loss(stack, xs, ys, loss, val_rows, batch_size)
        vpen = [float(v) for v in to_numpy(stack.penalty(trainable=True))]
        for log, vd, vp, f in zip(logs, vdata, vpen, frozen):
            log.update(val_loss=vd + vp + f, val_data_loss=vd, val_penalty_trainable=vp)
    return logs, [v + f for v, f in zip(first, frozen)]


def _check_diverged(stack, logs, loss0, divergence, when, path):
    """``fit``'s divergence tests, per member: a non-finite log value, non-finite
    weights, or a loss above ``divergence`` x its loss before training."""
    xp = stack.xp
    finite = np.ones(stack.K, bool)
    for W in (*stack.W, *(b for b in stack.b if b is not None)):
        finite &= to_numpy(xp.all(xp.isfinite(W), axis=(1, 2)))
    for k, log in enumerate(logs):
        weights = None if finite[k] else "its weights are no longer finite"
        message = divergence_message(log, weights, loss0[k], divergence, when, path)
        if message is not None:
            raise FloatingPointError(f"member {k}: {message}")


def fit_lockstep(models, xs, ys, *, loss, epochs, batch_size, validation_split=0.0,
                 shuffle=True, seeds, optimizers=None, checkpoint=None, progress=False,
                 divergence=100.0):
    """Train K same-shaped models at once; member k ends where ``fit`` would leave it.

    Parameters
    ----------
    models : sequence of K Sequential
        Same layer shapes, bias, activations, dtype and namespace; L1 strengths
        and frozen layers may differ. Trained in place.
    xs, ys : sequences of K arrays, xs[k] : (n, d_in), ys[k] : (n, d_out)
        Member k's data, as for ``fit`` (host NumPy of any real dtype, or arrays
        in the models' namespace; ``ys[k] is xs[k]`` for an autoencoder). Every
        member needs the same n. Members may share one array.
    loss : "hinge", "mse" or callable (y_pred, y) -> (value, dy_pred)
    epochs : int >= 0;  batch_size : int >= 1;  validation_split : float in [0, 1)
    shuffle : bool
    seeds : sequence of K ints >= 0
        Member k's shuffle seed (``fit``'s ``seed``).
    optimizers : sequence of K Adam, optional
        Member k's optimizer (hyperparameters and t may differ); fresh
        ``Adam()`` each by default. Their t, m, v are updated in place.
    checkpoint : path, optional
        Written atomically after every epoch; if it exists, training resumes
        from it, bit-identical to an uninterrupted run on the CPU.
    progress : bool
        A tqdm bar over epochs.
    divergence : float > 1 or None
        As in ``fit``, per member: stop when an epoch's loss exceeds
        ``divergence`` times its loss before training; None turns this off.

    Returns
    -------
    list of K History, with ``fit``'s keys.

    Raises
    ------
    ValueError
        K = 0, mismatched shapes or sample counts, wrong number of seeds,
        xs, ys or optimizers, bad data or arguments, a checkpoint from
        another run; each names the offending member.
    FloatingPointError
        A member diverged as ``fit`` defines it (NaN/inf loss or weights, or
        the ``divergence`` test); the checkpoint keeps the last good epoch,
        the models hold the diverged weights.

    Examples
    --------
    Three seeds of one autoencoder on one data set ``x`` (n, 1024):

    >>> models = [zoo.autoencoder(32, 1e-5, seed) for seed in (0, 1, 2)]  # doctest: +SKIP
    >>> hists = fit_lockstep(models, [x] * 3, [x] * 3, loss="hinge", epochs=100,
    ...                      batch_size=10, validation_split=0.2, seeds=[0, 1, 2])  # doctest: +SKIP
    """
    models, xs, ys, seeds, optimizers = check_members(models, xs, ys, seeds, optimizers)
    loss = get_loss(loss)
    epochs = check_int(epochs, "epochs", 0)
    batch_size = check_int(batch_size, "batch_size", 1)
    divergence = _check_divergence_factor(divergence)
    n = int(xs[0].shape[0])
    n_train = split_point(n, validation_split)
    val_rows = np.arange(n_train, n)
    stack = Stack(models, optimizers)
    run = {"K": len(models), "loss": getattr(loss, "__name__", repr(loss)),
           "batch_size": batch_size, "validation_split": float(validation_split),
           "shuffle": bool(shuffle), "seeds": seeds, "n_samples": n,
           "optimizers": [list(h) for h in stack.hyper],
           "models": [m.config() for m in models]}
    histories, start, loss0 = [History() for _ in models], 0, None
    if checkpoint is not None:
        run["data"] = fingerprints(xs, ys)
        if os.path.exists(checkpoint):
            histories, start, loss0 = resume(checkpoint, stack, run, epochs)
    bar = _progress_bar(progress, start, epochs, len(models))
    try:
        for epoch in range(start, epochs):
            orders = [_epoch_order(n_train, seed, epoch, shuffle) for seed in seeds]
            logs, first = _epoch_logs(stack, xs, ys, loss, orders, val_rows, batch_size)
            loss0 = first if loss0 is None else loss0
            _check_diverged(stack, logs, loss0, divergence, f"{epoch + 1}/{epochs}", checkpoint)
            for history, log in zip(histories, logs):
                history.append(epoch, log)
            if checkpoint is not None:
                save(checkpoint, stack, run, histories, epoch + 1, loss0)
            losses = [log["loss"] for log in logs]
            bar.set_postfix(loss=f"{min(losses):.4g}..{max(losses):.4g}")
            bar.update()
    finally:
        bar.close()
        stack.write_back(models, optimizers)
    return histories


def _progress_bar(progress, start, epochs, K):
    from tqdm.auto import tqdm
    return tqdm(total=epochs, initial=start, disable=not progress, desc=f"lockstep x{K}",
                unit="epoch")
