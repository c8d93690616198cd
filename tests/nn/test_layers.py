"""Dense and activations: gradient checks, backends, init, transfer."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from gradcheck import check_grad
from minirg._backend import to_numpy
from minirg.nn import Dense, transfer

ACTS = ["linear", "tanh", "relu"]


def _layer_off_kinks(rng, act, bias, l1=0.0, n=4, d_in=5, d_out=3):
    """A float64 layer and input whose pre-activations (relu) and weights (L1) avoid 0."""
    layer = Dense(d_in, d_out, act, bias=bias, l1=l1, rng=rng, dtype=np.float64)
    if bias:
        layer.b = rng.normal(size=d_out)
    layer.W = np.where(np.abs(layer.W) < 0.05, 0.1, layer.W)
    while True:
        x = rng.normal(size=(n, d_in))
        z = x @ layer.W + (layer.b if bias else 0)
        if np.min(np.abs(z)) > 1e-3:
            return layer, x


@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("l1", [0.0, 0.3])
def test_dense_gradients(rng, act, bias, l1):
    layer, x = _layer_off_kinks(rng, act, bias, l1)
    R = rng.normal(size=(x.shape[0], layer.d_out))  # f = sum(R * y) + l1 sum|W|

    def f():
        return np.sum(R * layer.forward(x)) + l1 * np.sum(np.abs(layer.W))

    layer.forward(x)
    dx = layer.backward(R)
    assert set(layer.grads) == set(layer.params) == ({"W", "b"} if bias else {"W"})
    check_grad(f, x, dx)
    check_grad(f, layer.W, layer.dW)
    if bias:
        check_grad(f, layer.b, layer.db)
    else:
        assert layer.b is None and layer.db is None


@pytest.mark.parametrize("act", ACTS)
def test_dense_backends_match_numpy(xp, rng, act):
    ref = Dense(6, 4, act, l1=0.01, rng=rng)
    ref.b = rng.normal(size=4).astype(np.float32)
    x = rng.normal(size=(5, 6)).astype(np.float32)
    dy = rng.normal(size=(5, 4)).astype(np.float32)
    y_ref = ref.forward(x)
    dx_ref = ref.backward(dy)
    layer = transfer(ref, Dense(6, 4, act, l1=0.01).to(xp), freeze=False)
    y = layer.forward(xp.asarray(x))
    dx = layer.backward(xp.asarray(dy))
    for got, want in ((y, y_ref), (dx, dx_ref), (layer.dW, ref.dW), (layer.db, ref.db)):
        np.testing.assert_allclose(to_numpy(got), want, rtol=1e-5, atol=1e-6)
    assert float(layer.l1_penalty()) == pytest.approx(ref.l1_penalty(), rel=1e-6)


def test_unknown_activation_is_named():
    with pytest.raises(ValueError, match="'sigmoid'"):
        Dense(2, 2, "sigmoid")


@pytest.mark.parametrize("kw, match", [({"d_in": 0}, "d_in=0"), ({"l1": -1.0}, "l1=-1.0"),
                                       ({"dtype": np.int8}, "dtype=int8")])
def test_bad_constructor_arguments(kw, match):
    args = {"d_in": 2, "d_out": 3} | kw
    with pytest.raises(ValueError, match=match):
        Dense(args.pop("d_in"), args.pop("d_out"), **args)


def test_glorot_init_is_seeded_and_bounded(rng):
    a = Dense(300, 100, seed=7)
    assert a.W.dtype == np.float32 and a.W.shape == (300, 100)
    assert np.array_equal(a.W, Dense(300, 100, seed=7).W)
    assert np.abs(a.W).max() <= np.sqrt(6 / 400)
    assert np.abs(a.W).max() > 0.95 * np.sqrt(6 / 400)  # fills the interval
    assert np.array_equal(a.b, np.zeros(100, np.float32))
    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    assert np.array_equal(Dense(4, 2, rng=g1).W, Dense(4, 2, rng=g2).W)


def test_frozen_layer_passes_dx_but_computes_no_grads(rng):
    layer = Dense(4, 3, "tanh", l1=0.1, trainable=False, rng=rng)
    x = rng.normal(size=(2, 4)).astype(np.float32)
    layer.forward(x)
    dx = layer.backward(np.ones((2, 3), np.float32))
    assert dx.shape == (2, 4) and np.any(dx != 0)
    assert layer.dW is None and layer.db is None and layer.grads == {}


def test_l1_penalty_value(rng):
    layer = Dense(5, 4, l1=0.25, rng=rng)
    assert layer.l1_penalty() == pytest.approx(0.25 * np.abs(layer.W).sum(), rel=1e-6)
    assert Dense(5, 4, rng=rng).l1_penalty() == 0.0


def test_transfer_copies_exactly_and_freezes(rng):
    src = Dense(6, 3, "tanh", rng=rng)
    src.b = rng.normal(size=3).astype(np.float32)
    dst = Dense(6, 3, "tanh", seed=99)
    transfer(src, dst)
    assert np.array_equal(dst.W, src.W) and np.array_equal(dst.b, src.b)
    assert dst.W is not src.W and not dst.trainable
    dst.W[0, 0] += 1  # a copy, not an alias
    assert dst.W[0, 0] != src.W[0, 0]
    assert transfer(src, dst, freeze=False).trainable


def test_transfer_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"\(6, 3\).*\(3, 6\)"):
        transfer(Dense(6, 3), Dense(3, 6))
    with pytest.raises(ValueError, match="bias"):
        transfer(Dense(6, 3), Dense(6, 3, bias=False))


def test_to_moves_and_casts(xp, rng):
    layer = Dense(3, 2, rng=rng)
    W = layer.W.copy()
    layer.to(xp, "float64")
    assert to_numpy(layer.W).dtype == np.float64
    assert np.array_equal(to_numpy(layer.W), W.astype(np.float64))
    assert layer.config()["dtype"] == "float64"


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 6), d_in=st.integers(1, 6), d_out=st.integers(1, 6),
       act=st.sampled_from(ACTS), bias=st.booleans(), seed=st.integers(0, 2**16))
def test_shapes_and_linear_forward(n, d_in, d_out, act, bias, seed):
    rng = np.random.default_rng(seed)
    layer = Dense(d_in, d_out, act, bias=bias, rng=rng)
    x = rng.normal(size=(n, d_in)).astype(np.float32)
    y = layer.forward(x)
    assert y.shape == (n, d_out) and y.dtype == np.float32
    if act == "linear":
        np.testing.assert_allclose(y, x @ layer.W + (layer.b if bias else 0), rtol=1e-6)
    dx = layer.backward(np.ones_like(y))
    assert dx.shape == x.shape and layer.dW.shape == layer.W.shape
    assert (layer.db is None) == (not bias)


def test_api_misuse_gives_clear_errors():
    from minirg.nn import Sequential, mse
    layer = Dense(3, 2)
    with pytest.raises(RuntimeError, match="backward called before forward"):
        layer.backward(np.ones((1, 2), np.float32))
    with pytest.raises(TypeError, match="src='a' is a str; expected a minirg.nn.Dense"):
        transfer("a", layer)
    with pytest.raises(TypeError, match="layer 0 is 'notalayer' of type str"):
        Sequential(["notalayer"])
    with pytest.raises(TypeError, match="got list and list"):
        mse([1.0], [2.0])
    with pytest.raises(ValueError, match="seed=-1"):
        Dense(3, 2, seed=-1)
    with pytest.raises(ValueError, match="rng=3"):
        Dense(3, 2, rng=3)
