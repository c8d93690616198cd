"""Adam with Keras's defaults and Keras's placement of epsilon."""

import math

import numpy as np

from minirg._backend import get_namespace, is_numpy, to_numpy
from minirg.nn import _fast

__all__ = ["Adam"]

_PARAMS = ("W", "b")  # parameter names on a layer; gradients are "d" + name


class Adam:
    """Adam (Kingma & Ba) as tf.keras applies it.

    Per step, for every parameter p of every trainable layer with gradient g::

        t += 1
        m = beta_1 m + (1 - beta_1) g
        v = beta_2 v + (1 - beta_2) g**2
        alpha = lr sqrt(1 - beta_2**t) / (1 - beta_1**t)
        p = p - alpha m / (sqrt(v) + epsilon)

    epsilon sits outside the square root and is not bias-corrected (Keras's
    choice; Kingma & Ba's eps-hat). Frozen layers and layers without a
    gradient are skipped. On NumPy (CuPy) float arrays the update runs as one
    fused numba (CUDA) kernel *in place* on ``layer.W`` (and b, m, v);
    elsewhere it builds new arrays with array-API calls. On the CPU both paths
    give the same bits.

    Parameters
    ----------
    lr, beta_1, beta_2, epsilon : float

    Attributes
    ----------
    t : int
        Number of steps taken.
    m, v : dict
        First and second moments keyed "<layer index>.<param name>", e.g. "0.W".
    """

    def __init__(self, lr=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        for name, value, lo in (("lr", lr, 0), ("epsilon", epsilon, 0)):
            if not (math.isfinite(value) and value > lo):
                raise ValueError(f"{name}={value!r}; expected a finite number > 0")
        for name, value in (("beta_1", beta_1), ("beta_2", beta_2)):
            if not 0 <= value < 1:
                raise ValueError(f"{name}={value!r}; expected 0 <= {name} < 1")
        self.lr, self.beta_1, self.beta_2, self.epsilon = lr, beta_1, beta_2, epsilon
        self.t = 0
        self.m, self.v = {}, {}

    def step(self, layers):
        """One update of every trainable layer in ``layers`` (a list, e.g. model.layers)."""
        self.t += 1
        b1, b2 = self.beta_1, self.beta_2
        alpha = self.lr * math.sqrt(1 - b2 ** self.t) / (1 - b1 ** self.t)
        for i, layer in enumerate(layers):
            if not layer.trainable:
                continue
            for name in _PARAMS:
                p, g = getattr(layer, name, None), getattr(layer, "d" + name, None)
                if p is not None and g is not None:
                    setattr(layer, name, self._update(f"{i}.{name}", p, g, alpha))

    def _update(self, key, p, g, alpha):
        """The new value of parameter p (the same object on the fast path)."""
        xp = get_namespace(p)
        if key not in self.m:
            self.m[key], self.v[key] = xp.zeros_like(p), xp.zeros_like(p)
        m, v = self.m[key], self.v[key]
        b1, b2, eps = self.beta_1, self.beta_2, self.epsilon
        kernels = _fast.kernels_for(p, g, m, v)
        if kernels is not None:
            kernels.adam_inplace(p, g, m, v, b1, b2, alpha, eps)
            return p
        # Reference path; operation order mirrors the fast kernel bit for bit.
        m = self.m[key] = b1 * m + (1 - b1) * g
        v = self.v[key] = b2 * v + (1 - b2) * g * g
        return p - alpha * m / (xp.sqrt(v) + eps)

    def hyperparameters(self):
        """The constructor arguments as a dict."""
        return {"lr": self.lr, "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}

    def state_dict(self):
        """{'t': int, 'm': {key: ndarray}, 'v': {key: ndarray}} with host copies."""
        return {"t": self.t,
                "m": {k: np.array(to_numpy(a)) for k, a in self.m.items()},
                "v": {k: np.array(to_numpy(a)) for k, a in self.v.items()}}

    def load_state_dict(self, state, xp=None):
        """Restore t, m, v from ``state_dict()`` output, moving arrays to ``xp``."""
        self.t = int(state["t"])
        put = (lambda a: np.array(a)) if xp is None or is_numpy(xp) else xp.asarray
        self.m = {k: put(a) for k, a in state["m"].items()}
        self.v = {k: put(a) for k, a in state["v"].items()}
        return self
