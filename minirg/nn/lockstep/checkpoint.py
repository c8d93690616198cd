"""Checkpoint of a lockstep run: one ``.npz`` of the stacked state, written atomically.

Entries::

    param.<i>.<W|b>            (K, ...) stacked weights
    adam.<m|v>.<i>.<W|b>       (K, ...) stacked Adam moments (zero where a member is frozen)
    t                          (K,) int64 Adam step counts
    lockstep                   0-d str array: JSON {"epoch", "run", "histories"}

``run`` holds every setting a resume must match (members' configs, seeds,
optimizer hyperparameters, a fingerprint of each member's data, loss,
batching), so a checkpoint from
another run is refused rather than silently continued.
"""

import json
import os
import zipfile

import numpy as np

from minirg._io import atomic_file
from minirg.nn.train import History

__all__ = ["save", "resume"]


def save(path, stack, run, histories, epochs_done):
    """Write the stack's state, the run settings and the histories to ``path``."""
    arrays = stack.state_arrays()
    meta = {"epoch": epochs_done, "run": run, "histories": [h.to_dict() for h in histories]}
    arrays["lockstep"] = np.array(json.dumps(meta))
    with atomic_file(path) as f:
        np.savez(f, **arrays)


def _read(path):
    try:
        with np.load(os.fspath(path), allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
        return arrays, json.loads(str(arrays["lockstep"]))
    except KeyError:
        raise ValueError(f"{os.fspath(path)!r} is not a lockstep checkpoint "
                         "(no 'lockstep' entry)") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
        raise ValueError(f"cannot read lockstep checkpoint {os.fspath(path)!r}: {e}") from None


def resume(path, stack, run, epochs):
    """Load the state at ``path`` into ``stack``. -> (list of K History, epochs done).

    ValueError if the checkpoint was written for other members, data or
    settings, or holds more than ``epochs`` epochs."""
    arrays, meta = _read(path)
    saved = meta.get("run", {})
    diff = {k: (saved.get(k), v) for k, v in run.items() if saved.get(k) != v}
    if diff:
        shown = {k: v for k, v in diff.items() if k not in ("models", "data")}
        if "models" in diff:
            shown["models"] = "other layers, L1 or frozen layers"
        if "data" in diff:
            shown["data"] = "other xs or ys (fingerprints differ)"
        raise ValueError(f"checkpoint {os.fspath(path)!r} was written for another lockstep "
                         f"run, (saved, asked): {shown}; delete it or match them")
    if int(meta["epoch"]) > epochs:
        raise ValueError(f"checkpoint {os.fspath(path)!r} holds {meta['epoch']} epochs, more "
                         f"than epochs={epochs}; delete it or ask for at least as many")
    stack.load_state_arrays(arrays, os.fspath(path))
    return [History(**h) for h in meta["histories"]], int(meta["epoch"])
