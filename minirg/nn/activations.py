"""Activations as tiny layers: ``forward(z) -> y`` saves what ``backward`` needs.

Each backward uses the saved output ``y`` rather than the input ``z``: for
tanh, dy/dz = 1 - y**2 and for relu, dy/dz = [y > 0], so nothing is recomputed.
"""

from minirg._backend import get_namespace

__all__ = ["Linear", "Tanh", "ReLU", "get_activation", "ACTIVATIONS"]


class Linear:
    """y = z. A no-op both ways, so a linear Dense costs one matmul."""

    name = "linear"

    def forward(self, z):
        return z

    def backward(self, dy):
        return dy


class Tanh:
    """y = tanh(z); dz = dy * (1 - y**2).   z, y : (n, d)."""

    name = "tanh"

    def forward(self, z):
        xp = get_namespace(z)
        self._y = xp.tanh(z)
        return self._y

    def backward(self, dy):
        return dy * (1 - self._y * self._y)


class ReLU:
    """y = max(z, 0); dz = dy * [z > 0] (subgradient 0 at z = 0, as in TensorFlow)."""

    name = "relu"

    def forward(self, z):
        xp = get_namespace(z)
        self._y = xp.where(z > 0, z, 0.0)
        return self._y

    def backward(self, dy):
        xp = get_namespace(dy)
        return xp.where(self._y > 0, dy, 0.0)


ACTIVATIONS = {cls.name: cls for cls in (Linear, Tanh, ReLU)}


def get_activation(name):
    """A fresh activation object for ``name`` in ACTIVATIONS (ValueError otherwise)."""
    try:
        return ACTIVATIONS[name]()
    except (KeyError, TypeError):
        raise ValueError(f"unknown activation {name!r}; expected one of "
                         f"{sorted(ACTIVATIONS)}") from None
