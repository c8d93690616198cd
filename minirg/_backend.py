"""Array-library selection: the only module that imports array_api_compat or CuPy.

The engine never imports NumPy or CuPy directly for its numerics. It asks the
arrays it was given for their namespace (``xp = get_namespace(x)``) and then
uses only array-API standard calls, so one source runs on NumPy, CuPy and
array-api-strict.
"""

import numpy as np
import array_api_compat

__all__ = ["get_namespace", "is_numpy", "to_numpy", "namespace_for", "gpu_available"]


_NUMPY = array_api_compat.array_namespace(np.empty(0))


def get_namespace(*arrays):
    """The array-API namespace shared by ``arrays`` (TypeError if they mix libraries)."""
    if arrays and all(type(a) is np.ndarray for a in arrays):
        return _NUMPY     # the common case, without array_namespace's checks (~5 us a call)
    return array_api_compat.array_namespace(*arrays)


def is_numpy(xp):
    """True when ``xp`` is NumPy (or array_api_compat's NumPy wrapper)."""
    return array_api_compat.is_numpy_namespace(xp)


def to_numpy(x):
    """A host NumPy copy (or view) of any supported array; used at save/plot boundaries."""
    if isinstance(x, np.ndarray) or np.isscalar(x):
        return np.asarray(x)
    if array_api_compat.is_cupy_array(x):
        return x.get()
    try:
        return np.from_dlpack(x)
    except (TypeError, RuntimeError, BufferError, AttributeError):
        return np.asarray(x)


def gpu_available():
    """True if CuPy imports and sees at least one CUDA device."""
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # ImportError, or CUDA driver errors of many kinds
        return False


def namespace_for(device):
    """The array namespace for ``device`` = "cpu" (NumPy) or "gpu" (CuPy).

    Raises ValueError naming the device if it is unknown, or if "gpu" is asked
    for where CuPy or a CUDA device is missing.
    """
    if device == "cpu":
        return _NUMPY
    if device == "gpu":
        try:
            import cupy
        except ImportError:
            raise ValueError("device 'gpu' needs CuPy: pip install 'minirg[gpu]'") from None
        if not gpu_available():
            raise ValueError("device 'gpu' asked for, but CuPy sees no CUDA device")
        return array_api_compat.array_namespace(cupy.empty(0))
    raise ValueError(f"unknown device {device!r}; expected 'cpu' or 'gpu'")
