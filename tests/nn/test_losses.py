"""Losses and the L1 penalty: hand values, gradient checks, backends, properties."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from gradcheck import check_grad
from minirg._backend import to_numpy
from minirg.nn import hinge, l1_penalty, mse
from minirg.nn.losses import get_loss


def _spins(rng, shape):
    return rng.choice([-1.0, 1.0], size=shape)


def test_hinge_by_hand():
    y_pred = np.array([[0.5, -2.0], [1.5, 0.0]])
    y = np.array([[1.0, 1.0], [-1.0, 1.0]])
    # margins 1 - y*y_pred: 0.5, 3, 2.5, 1 -> mean 7/4
    value, grad = hinge(y_pred, y)
    assert float(value) == pytest.approx(7 / 4)
    np.testing.assert_array_equal(grad, -y / 4)


def test_mse_by_hand():
    value, grad = mse(np.array([[1.0, 3.0]]), np.array([[0.0, 1.0]]))
    assert float(value) == pytest.approx(2.5)
    np.testing.assert_array_equal(grad, [[1.0, 2.0]])


def test_hinge_gradient(rng):
    y = _spins(rng, (4, 6))
    y_pred = rng.normal(size=(4, 6))
    y_pred = np.where(np.abs(1 - y * y_pred) < 1e-3, y_pred + 0.1, y_pred)  # off the kink
    check_grad(lambda: hinge(y_pred, y)[0], y_pred, hinge(y_pred, y)[1])


def test_mse_gradient(rng):
    y, y_pred = rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
    check_grad(lambda: mse(y_pred, y)[0], y_pred, mse(y_pred, y)[1])


def test_l1_gradient(rng):
    W = rng.normal(size=(4, 3))
    W = np.where(np.abs(W) < 1e-2, 0.5, W)  # off the kink at 0
    value, dW = l1_penalty(W, 0.7)
    assert float(value) == pytest.approx(0.7 * np.abs(W).sum())
    check_grad(lambda: l1_penalty(W, 0.7)[0], W, dW)
    assert float(l1_penalty(np.zeros((2, 2)), 1.0)[1].sum()) == 0.0  # subgradient 0 at 0


@pytest.mark.parametrize("fn", [hinge, mse])
def test_losses_match_numpy_on_every_backend(xp, rng, fn):
    y = _spins(rng, (5, 7)).astype(np.float32)
    y_pred = rng.normal(size=(5, 7)).astype(np.float32)
    v_ref, g_ref = fn(y_pred, y)
    v, g = fn(xp.asarray(y_pred), xp.asarray(y))
    assert float(v) == pytest.approx(float(v_ref), rel=1e-6)
    np.testing.assert_allclose(to_numpy(g), g_ref, rtol=1e-6)
    W = y_pred
    np.testing.assert_allclose(to_numpy(l1_penalty(xp.asarray(W), 0.1)[1]), 0.1 * np.sign(W))


def test_loss_shape_mismatch():
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(3, 2\)"):
        hinge(np.zeros((2, 3)), np.zeros((3, 2)))


def test_get_loss():
    assert get_loss("hinge") is hinge and get_loss(mse) is mse
    with pytest.raises(ValueError, match="'mae'"):
        get_loss("mae")


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 5)),
              elements=st.floats(-10, 10)), st.integers(0, 2**16))
def test_loss_properties(y_pred, seed):
    y = _spins(np.random.default_rng(seed), y_pred.shape)
    h, dh = hinge(y_pred, y)
    assert float(h) >= 0 and dh.shape == y_pred.shape
    assert np.all(np.abs(dh) <= 1 / y.size)
    m, dm = mse(y_pred, y)
    assert float(m) >= 0 and dm.shape == y_pred.shape
    # hinge is zero exactly when every margin y*y_pred >= 1
    assert (float(h) == 0) == bool(np.all(y * y_pred >= 1))
