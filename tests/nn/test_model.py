"""Sequential: chain gradients, backends, predict/evaluate, save/load."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from gradcheck import check_grad
from minirg._backend import to_numpy
from minirg.nn import Dense, Sequential, hinge


def _model(rng, dtype=np.float32, l1=0.0):
    return Sequential([Dense(8, 5, "tanh", l1=l1, rng=rng, dtype=dtype),
                       Dense(5, 3, bias=False, l1=l1, rng=rng, dtype=dtype),
                       Dense(3, 8, "tanh", rng=rng, dtype=dtype)])


def test_chain_gradients(rng):
    model = _model(rng, np.float64)
    x = rng.normal(size=(4, 8))
    R = rng.normal(size=(4, 8))

    def f():
        return np.sum(R * model.forward(x))

    model.forward(x)
    dx = model.backward(R)
    check_grad(f, x, dx)
    for layer in model.layers:
        check_grad(f, layer.W, layer.dW)


def test_forward_backward_match_numpy_on_every_backend(xp, rng):
    ref = _model(np.random.default_rng(1), l1=1e-3)
    model = _model(np.random.default_rng(1), l1=1e-3).to(xp)
    x = rng.choice([-1.0, 1.0], (6, 8)).astype(np.float32)
    y_ref = ref.forward(x)
    v_ref, dy_ref = hinge(y_ref, x)
    dx_ref = ref.backward(dy_ref)
    y = model.forward(xp.asarray(x))
    v, dy = hinge(y, xp.asarray(x))
    dx = model.backward(dy)
    np.testing.assert_allclose(to_numpy(y), y_ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(to_numpy(dx), dx_ref, rtol=1e-5, atol=1e-7)
    for a, b in zip(model.layers, ref.layers):
        np.testing.assert_allclose(to_numpy(a.dW), b.dW, rtol=1e-5, atol=1e-7)
    assert float(v) == pytest.approx(float(v_ref), rel=1e-6)


def test_backward_without_dx_stops_at_first_trainable(rng):
    model = _model(rng)
    model.layers[0].trainable = False
    model.forward(rng.normal(size=(2, 8)).astype(np.float32))
    assert model.backward(np.ones((2, 8), np.float32), need_dx=False) is None
    assert model.layers[0].dW is None and model.layers[1].dW is not None


def test_width_mismatch_is_named():
    with pytest.raises(ValueError, match="width 5.*d_in=4"):
        Sequential([Dense(8, 5), Dense(4, 2)])


def test_predict_and_evaluate(rng):
    model = _model(rng, l1=0.01)
    model.layers[1].trainable = False
    x = rng.choice(np.array([-1, 1], np.int8), (11, 8))
    y = model.predict(x, batch_size=4)
    np.testing.assert_allclose(y, model.forward(x.astype(np.float32)), rtol=1e-6)
    out = model.evaluate(x, x, loss="hinge", batch_size=3, return_dict=True)
    data = float(hinge(y, x.astype(np.float32))[0])
    assert out["data_loss"] == pytest.approx(data, rel=1e-6)
    assert out["penalty_frozen"] == pytest.approx(model.layers[1].l1_penalty())
    assert out["penalty_trainable"] == pytest.approx(model.layers[0].l1_penalty())
    assert out["loss"] == pytest.approx(data + out["penalty_frozen"] + out["penalty_trainable"])
    assert model.evaluate(x, x, loss="hinge") == pytest.approx(out["loss"])


def test_save_load_round_trip(tmp_path, rng):
    model = _model(rng, l1=0.02)
    model.layers[0].trainable = False
    model.layers[0].b = rng.normal(size=5).astype(np.float32)
    model.save(tmp_path / "m.npz")
    back = Sequential.load(tmp_path / "m.npz")
    assert back.config() == model.config()
    for a, b in zip(back.layers, model.layers):
        assert np.array_equal(a.W, b.W) and a.W.dtype == b.W.dtype
        assert (a.b is None and b.b is None) or np.array_equal(a.b, b.b)
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]  # no temp files left


def test_load_errors_name_the_file(tmp_path):
    with pytest.raises(ValueError, match="missing.npz"):
        Sequential.load(tmp_path / "missing.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="bad.npz"):
        Sequential.load(bad)
    np.savez(tmp_path / "other.npz", a=np.zeros(2))
    with pytest.raises(ValueError, match="'config'"):
        Sequential.load(tmp_path / "other.npz")


@settings(max_examples=20, deadline=None)
@given(widths=st.lists(st.integers(1, 6), min_size=2, max_size=5), n=st.integers(1, 5),
       seed=st.integers(0, 2**16))
def test_random_stacks_have_consistent_shapes(widths, n, seed):
    rng = np.random.default_rng(seed)
    acts = ["linear", "tanh", "relu"]
    model = Sequential([Dense(a, b, acts[(a + b) % 3], bias=bool(a % 2), rng=rng)
                        for a, b in zip(widths, widths[1:])])
    x = rng.normal(size=(n, widths[0])).astype(np.float32)
    y = model.forward(x)
    assert y.shape == (n, widths[-1])
    assert model.backward(np.ones_like(y)).shape == x.shape
    assert all(l.dW.shape == l.W.shape for l in model.layers)
