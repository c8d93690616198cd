"""Losses and the L1 penalty: pure functions returning ``(value, gradient)``.

``value`` is a 0-d array in the inputs' namespace (no device sync; wrap it in
``float()`` to read it). Both losses average over *all* elements, which for a
fixed output width equals Keras's "mean over the last axis, then over the
batch".
"""

import math

from minirg._backend import get_namespace
from minirg.nn import accel

__all__ = ["hinge", "mse", "l1_penalty", "get_loss", "LOSSES"]


def _check_pair(y_pred, y):
    try:
        xp = get_namespace(y_pred, y)
    except TypeError:
        raise TypeError(f"y_pred and y must be arrays of one array library (e.g. NumPy), "
                        f"got {type(y_pred).__name__} and {type(y).__name__}") from None
    if tuple(y_pred.shape) != tuple(y.shape):
        raise ValueError(f"y_pred has shape {tuple(y_pred.shape)} but y has shape "
                         f"{tuple(y.shape)}; expected equal shapes")
    return xp, math.prod(y_pred.shape)


def hinge(y_pred, y):
    """Hinge loss, Keras semantics.

    L = mean(max(0, 1 - y * y_pred)) over all elements, y in {-1, +1}.
    dL/dy_pred = -y * [1 - y*y_pred > 0] / N (subgradient 0 at margin 0).

    Parameters
    ----------
    y_pred, y : (n, d) float arrays of one namespace and dtype.

    Returns
    -------
    value : 0-d array
    dy_pred : (n, d) array
    """
    xp, size = _check_pair(y_pred, y)
    fast = getattr(accel.kernels_for(y_pred, y), "hinge_terms", None)
    if fast is not None:            # the same terms in one pass (CPU; see minirg.nn.accel)
        terms, grad = fast(y_pred, y)
        return xp.mean(terms), grad
    margin = 1 - y * y_pred
    active = xp.astype(margin > 0, y_pred.dtype)
    return xp.mean(margin * active), -y * active / size


def mse(y_pred, y):
    """Mean squared error, L = mean((y_pred - y)**2); dL/dy_pred = 2 (y_pred - y) / N.

    Parameters
    ----------
    y_pred, y : (n, d) float arrays of one namespace and dtype.

    Returns
    -------
    value : 0-d array
    dy_pred : (n, d) array
    """
    xp, size = _check_pair(y_pred, y)
    r = y_pred - y
    return xp.mean(r * r), (2 / size) * r


def l1_penalty(W, lam):
    """L1 kernel penalty lam * sum|W| and its (sub)gradient lam * sign(W) (0 at W = 0).

    Parameters
    ----------
    W : (d_in, d_out) array
    lam : float >= 0

    Returns
    -------
    value : 0-d float64 array (summed in float64, so the penalty of a
        million float32 weights keeps its digits)
    dW : (d_in, d_out) array of W's dtype
    """
    xp = get_namespace(W)
    return lam * xp.sum(xp.abs(W), dtype=xp.float64), lam * xp.sign(W)


LOSSES = {"hinge": hinge, "mse": mse}


def get_loss(loss):
    """``loss`` if callable, else the function named by it (ValueError if unknown)."""
    if callable(loss):
        return loss
    if isinstance(loss, str) and loss in LOSSES:
        return LOSSES[loss]
    raise ValueError(f"unknown loss {loss!r}; expected one of {sorted(LOSSES)} "
                     "or a callable (y_pred, y) -> (value, dy_pred)")
