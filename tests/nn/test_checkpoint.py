"""Model files: round trip, and bad or hostile files refused with one clear line."""

import json
import zipfile

import numpy as np
import pytest

from minirg.nn import Dense, Sequential
from minirg.nn import checkpoint as ckpt


def _model():
    rng = np.random.default_rng(0)
    return Sequential([Dense(6, 3, "tanh", l1=1e-3, rng=rng), Dense(3, 6, bias=False, rng=rng)])


def _with_config(tmp_path, edit):
    """A saved model whose config JSON went through ``edit(config)``."""
    arrays = _model().state_arrays()
    config = json.loads(str(arrays["config"]))
    edit(config)
    arrays["config"] = ckpt.json_array(config)
    path = tmp_path / "m.npz"
    ckpt.write_npz_atomic(path, arrays)
    return path


def test_round_trip_is_exact(tmp_path):
    model = _model()
    model.save(tmp_path / "m.npz")
    back = Sequential.load(tmp_path / "m.npz")
    assert back.config() == model.config()
    for a, b in zip(back.layers, model.layers):
        assert np.array_equal(a.W, b.W)


@pytest.mark.parametrize("edit, match", [
    (lambda c: c["layers"][0].pop("l1"), "layer 0 config has no 'l1'"),
    (lambda c: c.update(layers={"0": 1}), "config 'layers' is .*expected a non-empty list"),
    (lambda c: c.update(layers=[]), "expected a non-empty list"),
    (lambda c: c["layers"][1].update(l1="0.1"), "layer 1 l1='0.1'; expected a number"),
    (lambda c: c["layers"][0].update(bias="yes"), "layer 0 bias='yes'; expected bool"),
    (lambda c: c["layers"][0].update(d_in=True), "layer 0 d_in=True; expected int"),
    (lambda c: c["layers"][0].update(dtype="int8"), "dtype='int8'; expected float32"),
    (lambda c: c["layers"].__setitem__(0, "dense"), "layer 0 config is 'dense'"),
    (lambda c: c["layers"][0].update(d_in=10**5, d_out=10**5),
     r"layers.0.W is missing or not float32 of shape \(100000, 100000\)"),
    (lambda c: c.update(format="keras"), "format 'keras'"),
])
def test_bad_model_files_are_named(tmp_path, edit, match):
    path = _with_config(tmp_path, edit)
    with pytest.raises(ValueError, match=match):
        Sequential.load(path)


def test_config_that_is_not_an_object(tmp_path):
    arrays = _model().state_arrays() | {"config": ckpt.json_array([1, 2])}
    ckpt.write_npz_atomic(tmp_path / "m.npz", arrays)
    with pytest.raises(ValueError, match="'config' is a JSON list; expected an object"):
        Sequential.load(tmp_path / "m.npz")


def test_crafted_header_declaring_1e10_values_is_refused_before_allocating(tmp_path):
    """A few hundred bytes that claim (100000, 100000) float64 (80 GB)."""
    good, path = tmp_path / "good.npz", tmp_path / "m.npz"
    _model().save(good)
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as z:
        for name in src.namelist():
            if name != "layers.0.W.npy":
                z.writestr(name, src.read(name))
        with z.open("layers.0.W.npy", "w") as f:
            np.lib.format.write_array_header_1_0(
                f, {"descr": "<f8", "fortran_order": False, "shape": (10**5, 10**5)})
            f.write(b"\0" * 64)
    with pytest.raises(ValueError, match=r"declares shape \(100000, 100000\).*holds 64 bytes"):
        ckpt.read_npz(path)


def test_truncated_and_missing_files(tmp_path):
    path = tmp_path / "m.npz"
    _model().save(path)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match="cannot read"):
        Sequential.load(path)
    with pytest.raises(ValueError, match="does not exist"):
        Sequential.load(tmp_path / "none.npz")
