"""Model files and training checkpoints as ``.npz`` (``allow_pickle=False``).

Layout of a model file (``Sequential.save``)::

    config            0-d str array: JSON {"format", "version", "layers": [layer configs]}
    layers.<i>.W      (d_in, d_out)
    layers.<i>.b      (d_out,)             only for layers with a bias

A checkpoint is a model file plus::

    optimizer.m.<key>, optimizer.v.<key>   Adam moments, key "<layer index>.<W|b>"
    fit               0-d str array: JSON {"epoch", "optimizer", "fit_config", "history"}

so ``Sequential.load`` reads a checkpoint's model too. Every write goes to a
temporary file in the target's folder and is renamed over the target
(``os.replace``), so a crash never leaves a half-written file under the final
name.
"""

import json
import os
import zipfile

import numpy as np

from minirg._io import atomic_file

__all__ = ["write_npz_atomic", "read_npz", "json_array", "read_json",
           "optimizer_arrays", "optimizer_state"]

FORMAT = "minirg.nn.Sequential"
VERSION = 1


def write_npz_atomic(path, arrays):
    """Write ``arrays`` (name -> ndarray) to ``path`` via temp file + os.replace."""
    with atomic_file(path) as f:
        np.savez(f, **arrays)


def read_npz(path):
    """All arrays of the .npz at ``path`` as a dict; ValueError naming the file if unreadable."""
    try:
        with np.load(os.fspath(path), allow_pickle=False) as f:
            return {k: f[k] for k in f.files}
    except FileNotFoundError:
        raise ValueError(f"model file {os.fspath(path)!r} does not exist") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
        raise ValueError(f"cannot read {os.fspath(path)!r} as a minirg .npz: {e}") from None


def json_array(obj):
    """``obj`` as JSON inside a 0-d unicode array (storable without pickle)."""
    return np.array(json.dumps(obj))


def read_json(arrays, key, path):
    """Decode the JSON stored under ``key``; ValueError naming the file if absent or bad."""
    if key not in arrays:
        raise ValueError(f"{os.fspath(path)!r} has no {key!r} entry; not a minirg file "
                         "of the expected kind")
    try:
        return json.loads(str(arrays[key]))
    except json.JSONDecodeError as e:
        raise ValueError(f"{os.fspath(path)!r}: corrupt {key!r} entry ({e})") from None


def optimizer_arrays(state):
    """Flatten Adam's ``state_dict()`` moments to npz entries."""
    out = {}
    for moment in ("m", "v"):
        for key, a in state[moment].items():
            out[f"optimizer.{moment}.{key}"] = a
    return out


def optimizer_state(arrays, t):
    """Inverse of optimizer_arrays: a state dict for ``Adam.load_state_dict``."""
    state = {"t": t, "m": {}, "v": {}}
    for name, a in arrays.items():
        if name.startswith("optimizer."):
            _, moment, key = name.split(".", 2)
            state[moment][key] = a
    return state
