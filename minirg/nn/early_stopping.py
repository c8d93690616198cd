"""Early stopping with the semantics of Keras's ``EarlyStopping`` callback (mode "min")."""

import math
import numbers

import numpy as np

from minirg._backend import get_namespace, to_numpy
from minirg._checks import check_int

__all__ = ["EarlyStopping"]


class EarlyStopping:
    """Stop ``fit`` once the monitored value has stopped falling.

    After each epoch, with ``current = logs[monitor]``::

        improved = current + min_delta < best       (Keras's rule for a loss)
        if improved: best = current; wait = 0; remember the weights
        else:        wait += 1
        stop if wait >= patience and epoch > 0

    On a stop with ``restore_best_weights`` the model gets back the weights of
    the best epoch (Keras 3: only when training stops early, not when it runs
    out of epochs). The state below is saved in fit's checkpoint, so a resumed
    fit stops exactly where an uninterrupted one does.

    Parameters
    ----------
    monitor : str
        A history key, e.g. "val_loss" (needs validation_split > 0) or "loss".
    min_delta : float >= 0
    patience : int >= 0
    restore_best_weights : bool

    Attributes
    ----------
    wait, best, best_epoch, stopped_epoch : the running state (best is inf at first;
        stopped_epoch is 0 until a stop, as in Keras)
    best_weights : list of (W, b) host arrays, or None
    """

    def __init__(self, monitor="val_loss", min_delta=0.0, patience=0,
                 restore_best_weights=False):
        if not isinstance(monitor, str):
            raise ValueError(f"monitor={monitor!r}; expected a history key such as 'val_loss'")
        if isinstance(min_delta, bool) or not isinstance(min_delta, numbers.Real) \
                or not (math.isfinite(min_delta) and min_delta >= 0):
            raise ValueError(f"min_delta={min_delta!r}; expected a finite number >= 0")
        self.monitor, self.min_delta = monitor, float(min_delta)
        self.patience = check_int(patience, "patience", 0)
        self.restore_best_weights = bool(restore_best_weights)
        self.wait, self.best, self.best_epoch, self.stopped_epoch = 0, math.inf, 0, 0
        self.best_weights = None

    @classmethod
    def from_arg(cls, arg):
        """None, an EarlyStopping, or a dict of its arguments -> EarlyStopping or None."""
        if arg is None or isinstance(arg, cls):
            return arg
        if isinstance(arg, dict):
            return cls(**arg)
        raise TypeError(f"early_stopping={arg!r}; expected None, an EarlyStopping or a dict "
                        "of its arguments")

    def config(self):
        """The constructor arguments (a resumed fit must use the same)."""
        return {"monitor": self.monitor, "min_delta": self.min_delta,
                "patience": self.patience, "restore_best_weights": self.restore_best_weights}

    def state(self):
        """JSON-able running state (inf stored as None)."""
        return {"wait": self.wait, "best": None if math.isinf(self.best) else self.best,
                "best_epoch": self.best_epoch, "stopped_epoch": self.stopped_epoch}

    def load_state(self, state, best_weights):
        self.wait, self.best_epoch = int(state["wait"]), int(state["best_epoch"])
        self.best = math.inf if state["best"] is None else float(state["best"])
        self.stopped_epoch = int(state["stopped_epoch"])
        self.best_weights = best_weights
        return self

    @property
    def stopped(self):
        return self.stopped_epoch > 0

    def update(self, epoch, logs, layers):
        """Record epoch ``epoch``'s logs; True if training should stop now."""
        current = logs[self.monitor]
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = _copy(layers)  # Keras: the first weights are the best so far
        self.wait += 1
        if current + self.min_delta < self.best:
            self.best, self.best_epoch, self.wait = current, epoch, 0
            if self.restore_best_weights:
                self.best_weights = _copy(layers)
            return False
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            if self.restore_best_weights:
                _restore(layers, self.best_weights)
            return True
        return False


def _copy(layers):
    """Host copies of every (W, b)."""
    return [(np.array(to_numpy(l.W)), None if l.b is None else np.array(to_numpy(l.b)))
            for l in layers]


def _restore(layers, weights):
    for layer, (W, b) in zip(layers, weights):
        xp = get_namespace(layer.W)
        layer.W = xp.asarray(np.array(W))
        if b is not None:
            layer.b = xp.asarray(np.array(b))
