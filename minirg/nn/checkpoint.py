"""Saving and loading: model files and training checkpoints as ``.npz`` (no pickle).

Layout of a model file (``Sequential.save``)::

    config            0-d str array: JSON {"format", "version", "layers": [layer configs]}
    layers.<i>.W      (d_in, d_out)
    layers.<i>.b      (d_out,)             only for layers with a bias

A training checkpoint (``fit(checkpoint=...)``) is a model file plus::

    optimizer.m.<key>, optimizer.v.<key>   Adam's moments, key "<layer index>.<W|b>"
    best.layers.<i>.W, best.layers.<i>.b   early stopping's best weights, if any
    fit               0-d str array: JSON {"epoch", "t", "run", "history", "loss0",
                      "early_stopping"}

``run`` holds the fit settings and the data's fingerprint that a resume must
match; ``loss0`` is the loss before training (the divergence reference). So
``Sequential.load`` reads a checkpoint's model too. Every write goes to a
temporary file renamed over the target, and every read checks each entry's
declared size against the bytes in the file before allocating anything
(both by ``minirg._io``).
"""

import hashlib
import json
import os

import numpy as np

from minirg import _io
from minirg._backend import to_numpy
from minirg.nn.layers import Dense, transfer

__all__ = ["FORMAT", "VERSION", "write_npz_atomic", "read_npz", "json_array", "read_json",
           "model_config", "model_arrays", "layers_from_arrays", "save_checkpoint",
           "read_checkpoint", "fingerprint", "save_fit", "resume_fit"]

FORMAT = "minirg.nn.Sequential"
VERSION = 1
_LAYER_KEYS = {"d_in": int, "d_out": int, "activation": str, "bias": bool, "l1": (int, float),
               "trainable": bool, "dtype": str}


def write_npz_atomic(path, arrays):
    """Write ``arrays`` (name -> ndarray) to ``path`` atomically (``minirg._io.write_npz``)."""
    _io.write_npz(path, arrays)


def read_npz(path):
    """All arrays of the .npz at ``path`` as a dict, every entry's header checked against
    its stored bytes before anything is loaded; ValueError naming the file otherwise."""
    name = os.fspath(path)
    try:
        return _io.read_npz(name)[0]
    except FileNotFoundError:
        raise ValueError(f"model file {name!r} does not exist") from None
    except ValueError as e:
        raise ValueError(f"cannot read {name!r} as a minirg .npz: {e}") from None


def json_array(obj):
    """``obj`` as strict JSON (NaN/inf as null) inside a 0-d unicode array (no pickle)."""
    return np.array(_io.dumps(obj))


def read_json(arrays, key, path):
    """Decode the JSON object stored under ``key``; ValueError naming the file if absent or bad."""
    if key not in arrays:
        raise ValueError(f"{os.fspath(path)!r} has no {key!r} entry; not a minirg file "
                         "of the expected kind")
    try:
        obj = json.loads(str(arrays[key]))
    except json.JSONDecodeError as e:
        raise ValueError(f"{os.fspath(path)!r}: corrupt {key!r} entry ({e})") from None
    if not isinstance(obj, dict):
        raise ValueError(f"{os.fspath(path)!r}: entry {key!r} is a JSON "
                         f"{type(obj).__name__}; expected an object")
    return obj


def model_config(layers):
    """JSON-able architecture of a list of Dense: format, version and each layer's config."""
    return {"format": FORMAT, "version": VERSION, "layers": [l.config() for l in layers]}


def model_arrays(layers):
    """The model file's entries: ``config`` plus host copies of every W and b."""
    out = {"config": json_array(model_config(layers))}
    out.update(_weight_arrays([(l.W, l.b) for l in layers]))
    return out


def _weight_arrays(weights, prefix=""):
    out = {}
    for i, (W, b) in enumerate(weights):
        out[f"{prefix}layers.{i}.W"] = to_numpy(W)
        if b is not None:
            out[f"{prefix}layers.{i}.b"] = to_numpy(b)
    return out


def _layer_config(c, i, path):
    """Layer ``i``'s config dict, every key present and of the right JSON type."""
    if not isinstance(c, dict):
        raise ValueError(f"{path!r}: layer {i} config is {c!r}; expected a JSON object")
    for key, kind in _LAYER_KEYS.items():
        if key not in c:
            raise ValueError(f"{path!r}: layer {i} config has no {key!r}")
        value = c[key]
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise ValueError(f"{path!r}: layer {i} {key}={value!r}; expected "
                             f"{getattr(kind, '__name__', 'a number')}")
    if c["dtype"] not in ("float32", "float64"):
        raise ValueError(f"{path!r}: layer {i} dtype={c['dtype']!r}; expected float32 or float64")
    return c


def _entry(arrays, name, shape, dtype, path):
    """arrays[name], checked to be ``dtype`` of ``shape``, as a fresh NumPy array."""
    a = arrays.get(name)
    if a is None or tuple(a.shape) != shape or a.dtype != np.dtype(dtype):
        raise ValueError(f"{path!r}: entry {name} is missing or not {dtype} of shape {shape}")
    return np.array(a)


def layers_from_arrays(arrays, path="<arrays>", prefix=""):
    """The list of NumPy Dense layers stored in ``arrays`` (``model_arrays`` output).

    Every entry is checked (format, key types, shapes, dtypes) before any
    layer is allocated; ValueError naming the file and the entry otherwise.
    """
    path = os.fspath(path)
    config = read_json(arrays, "config", path)
    if config.get("format") != FORMAT:
        raise ValueError(f"{path!r} holds format {config.get('format')!r}; expected {FORMAT!r}")
    configs = config.get("layers")
    if not isinstance(configs, list) or not configs:
        raise ValueError(f"{path!r}: config 'layers' is {configs!r}; expected a non-empty list")
    weights = []
    for i, c in enumerate(_layer_config(c, i, path) for i, c in enumerate(configs)):
        W = _entry(arrays, f"{prefix}layers.{i}.W", (c["d_in"], c["d_out"]), c["dtype"], path)
        b = (_entry(arrays, f"{prefix}layers.{i}.b", (c["d_out"],), c["dtype"], path)
             if c["bias"] else None)
        weights.append((W, b))
    layers = []
    for c, (W, b) in zip(configs, weights):
        kw = {k: c[k] for k in ("activation", "bias", "l1", "trainable", "dtype")}
        layer = Dense(c["d_in"], c["d_out"], **kw)
        layer.W, layer.b = W, b
        layers.append(layer)
    return layers


def save_checkpoint(path, model, optimizer, meta, best=None):
    """Write model, Adam's moments, ``meta`` (the "fit" JSON) and ``best`` (a list of
    (W, b) per layer, or None) to ``path``."""
    arrays = model_arrays(model.layers)
    state = optimizer.state_dict()
    for moment in ("m", "v"):
        for key, a in state[moment].items():
            arrays[f"optimizer.{moment}.{key}"] = a
    if best is not None:
        arrays.update(_weight_arrays(best, prefix="best."))
    arrays["fit"] = json_array(dict(meta, t=state["t"]))
    write_npz_atomic(path, arrays)


def read_checkpoint(path):
    """(layers, Adam state dict, meta, best (W, b) list or None) from checkpoint ``path``."""
    arrays = read_npz(path)
    meta = read_json(arrays, "fit", path)
    layers = layers_from_arrays(arrays, path)
    state = {"t": meta.get("t"), "m": {}, "v": {}}
    for name, a in arrays.items():
        if name.startswith("optimizer."):
            _, moment, key = name.split(".", 2)
            state[moment][key] = a
    best = None
    if any(k.startswith("best.") for k in arrays):
        best = [(l.W, l.b) for l in layers_from_arrays(arrays, path, prefix="best.")]
    return layers, state, meta, best


def fingerprint(x, y):
    """A hex digest of the training data (shapes, dtypes and bytes of x and y)."""
    h = hashlib.blake2b(digest_size=16)
    for a in (x,) if y is x else (x, y):
        a = np.ascontiguousarray(to_numpy(a))
        h.update(f"{a.shape}{a.dtype.str};".encode())
        h.update(a.data)
    return h.hexdigest()


def save_fit(path, model, optimizer, run, history, epochs_done, loss0, es):
    """fit's checkpoint after ``epochs_done`` epochs: ``history`` is History.to_dict(),
    ``run`` the settings a resume must match, ``es`` an EarlyStopping or None."""
    meta = {"epoch": epochs_done, "run": run, "history": history, "loss0": loss0,
            "early_stopping": None if es is None else es.state()}
    best = None if es is None else es.best_weights
    save_checkpoint(path, model, optimizer, meta, best)


def resume_fit(path, model, optimizer, run, epochs, es):
    """Load weights, optimizer and early-stopping state from checkpoint ``path``.

    Returns (History.to_dict() output, epochs already done, loss before
    training). ValueError if it is not a fit checkpoint, or was written for
    another architecture, other settings or data, or holds more epochs than
    ``epochs``.
    """
    name = os.fspath(path)
    layers, state, meta, best = read_checkpoint(path)
    kinds = {"epoch": int, "t": int, "run": dict, "history": dict}
    bad = [k for k, kind in kinds.items() if not isinstance(meta.get(k), kind)]
    if bad:
        raise ValueError(f"checkpoint {name!r}: 'fit' entry lacks a valid {bad[0]!r}; "
                         "delete it to start over")
    saved = model_config(layers)
    if saved != model.config():
        raise ValueError(f"checkpoint {name!r} holds a different model "
                         f"({saved['layers']}); expected {model.config()['layers']}")
    diff = {k: (meta["run"].get(k), v) for k, v in run.items() if meta["run"].get(k) != v}
    if diff:
        raise ValueError(f"checkpoint {name!r} was written with other fit settings or "
                         f"data, (saved, asked): {diff}; delete it or match them")
    if int(meta["epoch"]) > epochs:
        raise ValueError(f"checkpoint {name!r} holds {meta['epoch']} epochs but fit was "
                         f"asked for epochs={epochs}; expected epochs >= {meta['epoch']}")
    for src, dst in zip(layers, model.layers):
        transfer(src, dst, freeze=not dst.trainable)
    optimizer.load_state_dict(state, xp=model.xp)
    if es is not None:
        es.load_state(meta["early_stopping"], best)
    return meta["history"], int(meta["epoch"]), meta.get("loss0")
