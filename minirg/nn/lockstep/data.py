"""Member data for lockstep training: argument checks, batch gathering, fingerprints.

Data may stay on the host (int8 spins); each step gathers member k's rows of
xs[k] there, stacks them to (K, b, d) and moves that one batch to the models'
namespace in their dtype, as ``fit`` does for one model.
"""

import numpy as np

from minirg._backend import get_namespace, is_numpy
from minirg._checks import check_seed
from minirg.nn import checkpoint as ckpt
from minirg.nn._data import check_data
from minirg.nn.optim import Adam

__all__ = ["check_members", "batches", "fingerprints"]


def _as_list(values, name, K):
    try:
        values = list(values)
    except TypeError:
        raise TypeError(f"{name} must be a sequence of {K} entries, got "
                        f"{type(values).__name__}") from None
    if len(values) != K:
        raise ValueError(f"{name} has {len(values)} entries for {K} models; expected {K}")
    return values


def _check_data(x, name, width, xp):
    """x : (n, width), real, finite (`check_data`); a host NumPy array or one in the
    models' namespace."""
    x = check_data(x, name, width)
    xs = get_namespace(x)
    if not (is_numpy(xs) or xs is xp):
        raise ValueError(f"{name} lives in {xs.__name__} but the models in {xp.__name__}; "
                         "expected NumPy or the models' namespace")
    return x


def check_members(models, xs, ys, seeds, optimizers):
    """Validated lists (models, xs, ys, seeds, optimizers); ValueError/TypeError naming the entry."""
    models = list(models)
    K = len(models)
    if K == 0:
        raise ValueError("fit_lockstep got no models; expected at least one")
    if len({id(m) for m in models}) < K:
        raise ValueError("the same model object appears twice in models; expected K distinct")
    xs, ys = _as_list(xs, "xs", K), _as_list(ys, "ys", K)
    seeds = [check_seed(s, f"seeds[{k}]") for k, s in enumerate(_as_list(seeds, "seeds", K))]
    optimizers = [Adam() for _ in models] if optimizers is None else \
        _as_list(optimizers, "optimizers", K)
    for k, (model, opt) in enumerate(zip(models, optimizers)):
        if not hasattr(model, "layers"):
            raise TypeError(f"models[{k}] is a {type(model).__name__}; expected a Sequential")
        if not isinstance(opt, Adam):
            raise TypeError(f"optimizers[{k}] is {opt!r}; expected a minirg.nn.Adam")
    if len({id(o) for o in optimizers}) < K:
        raise ValueError("an optimizer appears twice in optimizers; each member needs its own")
    xp = get_namespace(models[0].layers[0].W)
    for k, (model, x, y) in enumerate(zip(models, xs, ys)):
        same = y is x
        xs[k] = x = _check_data(x, f"xs[{k}]", model.layers[0].W.shape[0], xp)
        ys[k] = x if same else _check_data(y, f"ys[{k}]", model.layers[-1].W.shape[1], xp)
        if ys[k].shape[0] != x.shape[0]:
            raise ValueError(f"xs[{k}] has {x.shape[0]} rows but ys[{k}] has {ys[k].shape[0]}")
        if x.shape[0] != xs[0].shape[0]:
            raise ValueError(f"xs[{k}] has {x.shape[0]} samples but xs[0] has {xs[0].shape[0]}; "
                             "lockstep members need equal sample counts (train the others "
                             "in a separate group)")
    return models, xs, ys, seeds, optimizers


def _gather(data, rows, xp, dtype):
    """Member k's rows ``rows[k]`` of ``data[k]`` -> (K, len(rows[k]), d) in xp as dtype.
    Host data is gathered on the host (still int8 for spins), in one index if shared."""
    if all(is_numpy(get_namespace(a)) for a in data):
        if all(a is data[0] for a in data):
            host = data[0][np.stack(rows)]
        else:
            host = np.stack([a[r] for a, r in zip(data, rows)])
        return xp.astype(xp.asarray(host), dtype, copy=False)
    parts = [xp.take(xp.asarray(a), xp.asarray(r), axis=0) for a, r in zip(data, rows)]
    return xp.astype(xp.stack(parts), dtype, copy=False)


def batches(xs, ys, stack, rows):
    xb = _gather(xs, rows, stack.xp, stack.dtype)
    if all(y is x for x, y in zip(xs, ys)):
        return xb, xb
    return xb, _gather(ys, rows, stack.xp, stack.dtype)


def fingerprints(xs, ys):
    """Per member, ``minirg.nn.checkpoint.fingerprint(xs[k], ys[k])`` (the one data hash
    of every checkpoint), computed once per distinct (x, y) pair: members often share data."""
    seen = {}
    for x, y in zip(xs, ys):
        key = (id(x), id(y))
        if key not in seen:
            seen[key] = ckpt.fingerprint(x, y)
    return [seen[(id(x), id(y))] for x, y in zip(xs, ys)]
