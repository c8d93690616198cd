"""train.lockstep: same-shaped zoo models trained as one fit_lockstep group end where
their own trainings would, resume after an interruption, and the key is a speed key."""

import json
import shutil

import numpy as np
import pytest

from minirg import config, pipeline, training
from minirg.nn import Sequential

# The smoke preset at L = 8: n_critical = n_wide and equal epochs, so ae_wr joins
# model1, model2 and model2_cg (members with other data in one group).
SMALL = {"L": 8, "data": {"n_grid": 4}, "analysis": {"n_boot": 20}}
GROUP = ["model1", "ae_wr", "model2", "model2_cg"]
NAMES = ["cg1", "cg2", *GROUP]


def _config(lockstep):
    return config.resolve("smoke", [SMALL, {"train": {"lockstep": lockstep}}])


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    out = tmp_path_factory.mktemp("lockstep-data")
    pipeline.make_data(_config(False), out, progress=False)
    return out / "data"


def _run_dir(data, tmp_path, name, lockstep):
    out = tmp_path / name
    shutil.copytree(data, out / "data")
    pipeline.make_data(_config(lockstep), out, progress=False)     # pins config.json
    return out


def _saved(out, name):
    info = json.loads((out / "models" / f"{name}.json").read_text())
    return info, Sequential.load(str(out / "models" / f"{name}.npz"))


def _assert_same_training(ref, got):
    """Losses and histories to 1e-6 relative, weights as tests/nn/test_lockstep.py's
    float32 bound. Measured on NumPy: bit-identical (the stacked matmul runs the
    2-D kernel per member); the bound leaves room for a BLAS that does not, while
    a wrong seed, shuffle order or optimizer moves losses by far more."""
    for name in GROUP:
        (a, ma), (b, mb) = _saved(ref, name), _saved(got, name)
        assert b["lockstep"] == GROUP and "lockstep" not in a
        assert set(b) - {"lockstep"} == set(a) and b["epochs"] == a["epochs"] == 2
        assert b["losses"] == pytest.approx(a["losses"], rel=1e-6)
        for key, values in a["history"].items():
            np.testing.assert_allclose(b["history"][key], values, rtol=1e-6, err_msg=key)
        for la, lb in zip(ma.layers, mb.layers):
            np.testing.assert_allclose(lb.W, la.W, rtol=1e-5, atol=1e-6)
            assert lb.trainable == la.trainable
    assert not list((got / "models").glob("*.ckpt.npz"))


def test_units_group_same_shaped_models_after_their_dependencies():
    units, deps = training.jobs(_config(True), list(training.ORDER))
    group = "+".join(n for n in training.ORDER if n in GROUP)
    assert group in units and deps[group] == ["cg1", "cg2"]
    assert deps["model3"] == ["cg1", "cg2", "up1", "up2"]
    assert sorted(n for u in units for n in u.split("+")) == sorted(pipeline.MODEL_NAMES)
    off, deps_off = training.jobs(_config(False), list(training.ORDER))
    assert off == list(training.ORDER) and deps_off["model2_cg"] == ["cg1", "cg2"]
    assert training.jobs(config.resolve("smoke", [{"device": "gpu"}]), GROUP)[0] == \
        ["+".join(GROUP)]                                       # "auto" on a GPU


@pytest.fixture(scope="module")
def ref(data, tmp_path_factory):
    """The models of NAMES trained one by one (lockstep off)."""
    ref = _run_dir(data, tmp_path_factory.mktemp("lockstep-ref"), "off", False)
    training.train_all(_config(False), ref, NAMES, progress=False, workers=1)
    return ref


@pytest.mark.parametrize("workers", [1, 2])       # in-process, and a group as a Dask task
def test_lockstep_group_matches_separate_trainings(data, ref, tmp_path, workers):
    got = _run_dir(data, tmp_path, "on", True)
    training.train_all(_config(True), got, NAMES, progress=False, workers=workers)
    _assert_same_training(ref, got)


def test_interrupted_group_resumes_from_its_checkpoint(data, ref, tmp_path, monkeypatch):
    out, real = _run_dir(data, tmp_path, "killed", True), training.fit_lockstep
    calls = []

    def killed_after_one_epoch(*args, epochs, checkpoint, **kw):
        real(*args, epochs=1, checkpoint=checkpoint, **kw)
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(training, "fit_lockstep", killed_after_one_epoch)
    with pytest.raises(KeyboardInterrupt):
        training.train_all(_config(True), out, NAMES, progress=False, workers=1)
    [ckpt] = (out / "models").glob("lockstep-*.ckpt.npz")
    assert not any((out / "models" / f"{n}.json").exists() for n in GROUP)

    def resumed(*args, checkpoint, **kw):
        calls.append(json.loads(str(np.load(checkpoint)["lockstep"]))["epoch"])
        return real(*args, checkpoint=checkpoint, **kw)

    monkeypatch.setattr(training, "fit_lockstep", resumed)
    todo = [n for n in NAMES if not training.is_done(out, n)]
    assert todo == GROUP
    training.train_all(_config(True), out, todo, progress=False, workers=1)
    assert calls == [1]                                 # went on from epoch 1
    _assert_same_training(ref, out)


def test_lockstep_key_is_checked_and_does_not_block_a_run_directory(tmp_path):
    with pytest.raises(ValueError, match=r"train.lockstep = 'yes': expected \"auto\""):
        config.resolve("smoke", [{"train": {"lockstep": "yes"}}])
    with pytest.raises(ValueError, match="'train.lockstep' expects a word or a bool, got 1"):
        config.resolve("smoke", [{"train": {"lockstep": 1}}])
    assert config.resolve("smoke", [config.parse_assignment("train.lockstep=true")]
                          )["train"]["lockstep"] is True
    out = tmp_path / "run"
    pipeline.make_data(_config(False), out, progress=False)
    pipeline.make_data(_config(True), out, progress=False)      # a speed key: no error
    assert json.loads((out / "config.json").read_text())["train"]["lockstep"] is True
