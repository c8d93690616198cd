"""The model zoo: hard-coded layers decimate exactly, transfer copies exactly."""

import numpy as np
import pytest

from minirg import zoo
from minirg.ising import decimate, sample


@pytest.fixture(scope="module")
def lattices():
    return sample(8, 0.4352, 12, seed=3)


def test_hcg_layers_reproduce_decimation(lattices):
    L, n = 8, len(lattices)
    x = lattices.reshape(n, -1).astype(np.float32)
    h1 = zoo.hard_coded(L, 1, l1=1e-5).forward(x)
    h2 = zoo.hard_coded(L, 2, l1=1e-5).forward(h1)
    np.testing.assert_array_equal(h1, decimate(lattices, steps=1).reshape(n, -1))
    np.testing.assert_array_equal(h2, decimate(lattices, steps=2).reshape(n, -1))
    np.testing.assert_array_equal(h2, lattices[:, ::2, ::2].reshape(n, -1))


def test_autoencoder_shapes_and_no_bias():
    model = zoo.autoencoder(8, l1=1e-5, seed=0)
    assert [(l.W.shape, l.b) for l in model.layers] == [
        ((64, 32), None), ((32, 16), None), ((16, 32), None), ((32, 64), None)]
    assert all(l.activation == "linear" and l.l1 == 1e-5 for l in model.layers)
    # each layer draws its own weights: no two layers of equal shape start equal
    assert not np.array_equal(model.layers[1].W, model.layers[2].W.T)


def test_model2_encoder_is_a_frozen_copy():
    enc = [zoo.hard_coded(8, 1, 0.0), zoo.hard_coded(8, 2, 0.0)]
    model = zoo.model2(8, 1e-5, seed=1, encoder=enc)
    for src, dst in zip(enc, model.layers[:2]):
        np.testing.assert_array_equal(dst.W, src.W)
        assert dst.W is not src.W and not dst.trainable
    assert all(l.trainable for l in model.layers[2:])


def test_model3_is_assembled_from_the_shallow_nets():
    shallow = [zoo.shallow(name, 8, 1e-5, seed=i).layers[0]
               for i, name in enumerate(("cg1", "cg2", "up1", "up2"))]
    model = zoo.model3(8, 1e-5, shallow)
    for src, dst in zip(shallow, model.layers):
        np.testing.assert_array_equal(dst.W, src.W)
        assert not dst.trainable


def test_beta_net_starts_alive():
    net = zoo.beta_net(8, seed=0, beta_mean=0.3)
    assert [l.activation for l in net.layers] == ["tanh", "relu"]
    assert net.layers[0].b is not None and net.layers[1].b is not None
    x = np.random.default_rng(0).choice([-1, 1], size=(50, 64)).astype(np.float32)
    assert np.mean(net.predict(x) > 0) > 0.5        # the output ReLU is not dead at the start


def test_one_registry_of_model_names():
    from minirg import pipeline, training
    from minirg.cli import build_parser
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    model_arg = next(a for a in sub.choices["train"]._actions if a.dest == "model")
    assert tuple(model_arg.choices) == tuple(zoo.MODELS) == pipeline.MODEL_NAMES
    assert sorted(training.ORDER) == sorted(zoo.MODELS)
    for name, spec in zoo.MODELS.items():                  # each builds, widths fit its data
        parents = [zoo.shallow(d, 8, 0.0, 0).layers[0] for d in spec.depends]
        model = zoo.build(name, 8, 0.0, seed=0, parents=parents)
        width = {"spins": 64, "dec1": 32, "dec2": 16, "beta": 1}
        assert model.layers[0].W.shape[0] == width[spec.inputs]
        assert model.layers[-1].W.shape[1] == width[spec.targets]
        assert (spec.epochs is None) == (name == "model3")
    with pytest.raises(ValueError, match="unknown model 'model4'"):
        zoo.build("model4", 8, 0.0, 0)
