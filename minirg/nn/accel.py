"""The one seam between the reference engine and its accelerated kernels.

The engine a reader studies (``layers``, ``losses``, ``optim``, ``model``) is
plain array-API code and runs on every backend. Two formulas have faster
twins. The optimizer step, Adam with the L1 subgradient added and the penalty
sum|W| of the starting weights accumulated, in one sweep over (W, g, m, v)
(``adam_step``, with ``zeros_like`` for its moments), written once per device:

- ``_numba.py``: NumPy float arrays, numba on the CPU, bit-identical to the
  reference update (tests/nn/test_accel.py);
- ``_cupy.py``: CuPy arrays, CUDA kernels, within a stated ulp bound of the
  reference (nvcc fuses multiply-adds).

And the hinge loss's elementwise part (``hinge_terms``), on the CPU only,
bit-identical to ``losses.hinge``.

``kernels_for(*arrays)`` is the only way the reference reaches them: it
returns the kernel module for the arrays, or None, and the caller then runs
the reference formula (as it does when the module lacks the kernel).
``ENABLED = False`` forces the reference everywhere (the tests use it to
compare the two).
"""

import numpy as np

__all__ = ["ENABLED", "kernels_for"]

#: set to False (e.g. in tests) to force the array-API reference path
ENABLED = True


def kernels_for(*arrays):
    """The kernel module for ``arrays`` (``_numba`` on NumPy, ``_cupy`` on CuPy) or None.

    Usable means: accel enabled, every array of one float dtype and
    C-contiguous in the same library, and the first (written to) writeable.
    CuPy is imported only when a CuPy array arrives.
    """
    if not ENABLED:
        return None
    first = arrays[0]
    if isinstance(first, np.ndarray):
        if first.dtype in (np.float32, np.float64) and first.flags.writeable and all(
                isinstance(a, np.ndarray) and a.dtype == first.dtype
                and a.flags.c_contiguous for a in arrays):
            from minirg.nn import _numba
            return _numba
        return None
    if type(first).__module__.startswith("cupy") and first.dtype.kind == "f" and all(
            type(a) is type(first) and a.dtype == first.dtype and a.flags.c_contiguous
            for a in arrays):
        from minirg.nn import _cupy
        return _cupy
    return None
