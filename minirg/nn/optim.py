"""Adam with Keras's defaults and Keras's placement of epsilon."""

import math

import numpy as np

from minirg._backend import get_namespace, is_numpy, to_numpy
from minirg.nn import accel
from minirg.nn.losses import l1_penalty

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
    gradient are skipped.

    ``step(layers, add_l1=True)`` also adds each layer's L1 subgradient
    ``l1 * sign(W)`` to its data gradient inside the update and returns the
    penalty ``sum l1 |W|`` of the weights the step started from, so a training
    step reads every W once (see ``train_step``). On NumPy (CuPy) float arrays
    the update of each tensor is one sweep of ``minirg.nn.accel``'s kernel,
    *in place* on ``layer.W`` (and b, m, v); elsewhere it builds new arrays
    with the array-API formulas below. On the CPU both give the same bits.

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

    def step(self, layers, *, add_l1=False):
        """One update of every trainable layer in ``layers`` (a list, e.g. model.layers).

        With ``add_l1=True`` the layers' ``dW`` are data gradients only (from
        ``backward(dy, add_l1=False)``) and the L1 term is added here. Returns
        the L1 penalty of the trainable layers before the step (0.0 unless
        add_l1): a float on NumPy, a 0-d array elsewhere (no device sync).
        """
        self.t += 1
        b1, b2 = self.beta_1, self.beta_2
        alpha = self.lr * math.sqrt(1 - b2 ** self.t) / (1 - b1 ** self.t)
        penalty = 0.0
        for i, layer in enumerate(layers):
            if not layer.trainable:
                continue
            for name in _PARAMS:
                p, g = getattr(layer, name, None), getattr(layer, "d" + name, None)
                lam = layer.l1 if add_l1 and name == "W" else 0.0
                if p is None:
                    continue
                if g is None:  # nothing to update; its penalty still counts
                    penalty = penalty + (layer.l1_penalty() if lam else 0.0)
                    continue
                p, pen = self._update(f"{i}.{name}", p, g, alpha, lam)
                setattr(layer, name, p)
                penalty = penalty + pen
        return penalty

    def _update(self, key, p, g, alpha, lam=0.0):
        """(new p, lam * sum|p| of the old p) for gradient g plus the L1 term lam * sign(p).

        The new p is the same object on the accelerated path (in place).
        """
        xp = get_namespace(p)
        if key not in self.m:
            self.m[key], self.v[key] = _zeros_like(p), _zeros_like(p)
        m, v = self.m[key], self.v[key]
        b1, b2, eps = self.beta_1, self.beta_2, self.epsilon
        kernels = accel.kernels_for(p, g, m, v)
        if kernels is not None:
            s = kernels.adam_step(p, g, m, v, lam, b1, b2, alpha, eps)
            return p, (lam * s if lam else 0.0)
        # The reference; the kernels follow its operation order bit for bit.
        penalty = 0.0
        if lam:
            penalty, dW = l1_penalty(p, lam)
            g = g + dW
        m = self.m[key] = b1 * m + (1 - b1) * g
        v = self.v[key] = b2 * v + (1 - b2) * g * g
        return p - alpha * m / (xp.sqrt(v) + eps), penalty

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
        host = xp is None or is_numpy(xp)
        put = (lambda a: _copy(np.asarray(a))) if host else xp.asarray
        self.m = {k: put(a) for k, a in state["m"].items()}
        self.v = {k: put(a) for k, a in state["v"].items()}
        return self


def _zeros_like(p):
    """Zeros for a moment of p: the kernels' allocator where they apply (huge pages on
    the CPU, see ``_numba.zeros_like``), else the array library's."""
    kernels = accel.kernels_for(p)
    return get_namespace(p).zeros_like(p) if kernels is None else kernels.zeros_like(p)


def _copy(a):
    """A writeable copy of host array a, in the memory ``_zeros_like`` would give it."""
    out = _zeros_like(np.ascontiguousarray(a))
    out[...] = a
    return out
