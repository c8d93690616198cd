"""Input checks and batching shared by fit, evaluate and predict.

Data may stay on the host as int8 spins (n, d); each batch is gathered there,
moved to the model's namespace and cast to the model's float dtype, so only
one batch at a time exists in float form.
"""


import numpy as np

from minirg._backend import get_namespace, is_numpy

__all__ = ["check_data", "batch", "batch_slices"]


def _as_array(x, name):
    try:
        return x, get_namespace(x)
    except TypeError:
        try:
            x = np.asarray(x)
        except (TypeError, ValueError):
            raise ValueError(f"{name} of type {type(x).__name__} is not an array") from None
        return x, get_namespace(x)


def check_data(x, name, width):
    """Validate ``x`` : (n, width) real numeric and finite; returns x (lists -> ndarray).

    Raises ValueError naming ``name``, the offending value and what was expected.
    """
    x, xs = _as_array(x, name)
    if not xs.isdtype(x.dtype, ("integral", "real floating")):
        raise ValueError(f"{name} has dtype {x.dtype}; expected integers or real floats")
    if x.ndim != 2 or x.shape[1] != width:
        raise ValueError(f"{name} has shape {tuple(x.shape)}; expected (n, {width})")
    if x.shape[0] < 1:
        raise ValueError(f"{name} has no rows; expected at least one sample")
    if xs.isdtype(x.dtype, "real floating") and not bool(xs.all(xs.isfinite(x))):
        raise ValueError(f"{name} contains NaN or inf; expected finite values")
    return x


def batch(x, idx, xp, dtype):
    """Rows ``idx`` (host int array) of x, in namespace ``xp`` as ``dtype``.   -> (len(idx), d)."""
    xs = get_namespace(x)
    if is_numpy(xs):
        rows = x[idx]  # gather on the host while still int8
    elif xs is xp:
        rows = xp.take(x, xp.asarray(idx), axis=0)
    else:
        raise ValueError("data and model live in different array libraries; move the "
                         "data to NumPy or to the model's namespace")
    return xp.astype(xp.asarray(rows), dtype, copy=False)


def batch_slices(order, batch_size):
    """Consecutive chunks of the index array ``order``, the last one possibly short."""
    return [order[s:s + batch_size] for s in range(0, len(order), batch_size)]
