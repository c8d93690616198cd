"""Shared fixtures: a seeded NumPy Generator and the array backends."""

import numpy as np
import pytest

from minirg._backend import gpu_available


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def _backend_params():
    params = ["numpy", "array_api_strict"]
    params.append(pytest.param("cupy", marks=pytest.mark.gpu))
    return params


@pytest.fixture(params=_backend_params())
def xp(request):
    """Each array library the engine must run on; CuPy only where a GPU exists."""
    name = request.param
    if name == "numpy":
        import array_api_compat.numpy as xp
    elif name == "array_api_strict":
        xp = pytest.importorskip("array_api_strict")
    else:
        pytest.importorskip("cupy")
        if not gpu_available():
            pytest.skip("no CUDA device")
        import array_api_compat.cupy as xp
    return xp
