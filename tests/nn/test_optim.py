"""Adam: a hand-computed trajectory, backends, frozen layers, state."""

import math

import numpy as np
import pytest

from minirg._backend import to_numpy
from minirg.nn import Adam, Dense, accel


def _adam_by_hand(w, grads, lr=0.01, b1=0.9, b2=0.999, eps=1e-7):
    """Keras's Adam on one float with plain Python arithmetic."""
    m = v = 0.0
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w -= lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t) * m / (math.sqrt(v) + eps)
    return w


@pytest.mark.parametrize("fast", [True, False])
def test_adam_matches_hand_trajectory(monkeypatch, fast):
    monkeypatch.setattr(accel, "ENABLED", fast)
    grads = [0.5, -0.2, 1e-4, 3.0, -0.7]
    layer = Dense(1, 1, bias=False, dtype=np.float64)
    layer.W = np.array([[0.3]])
    opt = Adam(lr=0.01)
    for g in grads:
        layer.dW = np.array([[g]])
        opt.step([layer])
    assert opt.t == len(grads)
    assert layer.W[0, 0] == pytest.approx(_adam_by_hand(0.3, grads, lr=0.01), rel=1e-14)


def test_adam_step_matches_numpy_on_every_backend(xp, rng):
    ref = Dense(5, 4, rng=np.random.default_rng(0))
    layer = Dense(5, 4, rng=np.random.default_rng(0)).to(xp)
    opt_ref, opt = Adam(lr=0.05), Adam(lr=0.05)
    for _ in range(3):
        dW = rng.normal(size=(5, 4)).astype(np.float32)
        db = rng.normal(size=4).astype(np.float32)
        ref.dW, ref.db = dW.copy(), db.copy()
        layer.dW, layer.db = xp.asarray(dW), xp.asarray(db)
        opt_ref.step([ref])
        opt.step([layer])
    np.testing.assert_allclose(to_numpy(layer.W), ref.W, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(to_numpy(layer.b), ref.b, rtol=1e-6, atol=1e-7)


def test_adam_skips_frozen_layers_and_missing_grads(rng):
    frozen = Dense(3, 3, trainable=False, rng=rng)
    frozen.dW = np.ones((3, 3), np.float32)  # stale gradient must be ignored
    fresh = Dense(3, 3, rng=rng)  # trainable but never backpropagated
    W0, W1 = frozen.W.copy(), fresh.W.copy()
    Adam().step([frozen, fresh])
    assert np.array_equal(frozen.W, W0) and np.array_equal(fresh.W, W1)


def test_state_dict_round_trip(rng):
    layer = Dense(3, 2, rng=rng)
    opt = Adam()
    layer.dW, layer.db = np.ones((3, 2), np.float32), np.ones(2, np.float32)
    opt.step([layer])
    state = opt.state_dict()
    other = Adam().load_state_dict(state)
    assert other.t == 1 and set(other.m) == {"0.W", "0.b"}
    assert np.array_equal(other.m["0.W"], opt.m["0.W"])
    assert other.v["0.b"] is not state["v"]["0.b"]  # copies, not views


@pytest.mark.parametrize("kw, match", [({"lr": -1.0}, "lr=-1.0"), ({"beta_1": 1.0}, "beta_1=1.0"),
                                       ({"epsilon": 0.0}, "epsilon=0.0")])
def test_bad_hyperparameters(kw, match):
    with pytest.raises(ValueError, match=match):
        Adam(**kw)
