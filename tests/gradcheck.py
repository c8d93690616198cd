"""Float64 central-difference gradient checks shared by the tests."""

import numpy as np

EPS, RTOL, ATOL = 1e-6, 1e-5, 1e-9


def numerical_grad(f, x, eps=EPS):
    """d f() / d x by central differences, perturbing float64 ``x`` in place (restored)."""
    assert x.dtype == np.float64, "gradient checks need float64"
    g = np.zeros_like(x)
    flat, gflat = x.reshape(-1), g.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        up = float(f())
        flat[i] = old - eps
        down = float(f())
        flat[i] = old
        gflat[i] = (up - down) / (2 * eps)
    return g


def check_grad(f, x, analytic, eps=EPS, rtol=RTOL, atol=ATOL):
    """Assert that ``analytic`` matches the numerical gradient of scalar f() w.r.t. x."""
    np.testing.assert_allclose(np.asarray(analytic), numerical_grad(f, x, eps),
                               rtol=rtol, atol=atol)
