"""Checkpoint of a lockstep run: one ``.npz`` of the stacked state, written atomically.

Entries::

    param.<i>.<W|b>            (K, ...) stacked weights
    adam.<m|v>.<i>.<W|b>       (K, ...) stacked Adam moments (zero where a member is frozen)
    t                          (K,) int64 Adam step counts
    lockstep                   0-d str array: JSON {"epoch", "run", "histories", "loss0"}

``run`` holds every setting a resume must match (members' configs, seeds,
optimizer hyperparameters, a fingerprint of each member's data, loss,
batching), so a checkpoint from
another run is refused rather than silently continued. Reads and writes go
through ``minirg.nn.checkpoint`` (atomic, header-checked ``.npz``, strict
JSON), as ``fit``'s checkpoints do.
"""

import os

from minirg.nn import checkpoint as ckpt
from minirg.nn.train import History

__all__ = ["save", "resume"]


def save(path, stack, run, histories, epochs_done, loss0):
    """Write the stack's state, the run settings, the histories and each member's loss
    before training (the divergence reference) to ``path``."""
    arrays = stack.state_arrays()
    meta = {"epoch": epochs_done, "run": run, "histories": [h.to_dict() for h in histories],
            "loss0": loss0}
    arrays["lockstep"] = ckpt.json_array(meta)
    ckpt.write_npz_atomic(path, arrays)


def _read(path):
    try:
        arrays = ckpt.read_npz(path)
    except ValueError as e:
        raise ValueError(f"cannot read lockstep checkpoint {os.fspath(path)!r}: {e}") from None
    if "lockstep" not in arrays:
        raise ValueError(f"{os.fspath(path)!r} is not a lockstep checkpoint "
                         "(no 'lockstep' entry)")
    return arrays, ckpt.read_json(arrays, "lockstep", path)


def resume(path, stack, run, epochs):
    """Load the state at ``path`` into ``stack``.
    -> (list of K History, epochs done, list of K losses before training or None).

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
    loss0 = meta.get("loss0")
    return [History(**h) for h in meta["histories"]], int(meta["epoch"]), loss0
