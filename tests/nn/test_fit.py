"""fit: Keras history semantics, frozen layers, checkpoint/resume, NaN stop, bad input."""

import numpy as np
import pytest

from minirg._backend import to_numpy
from minirg.nn import Adam, Dense, Sequential, hinge
from minirg.nn import checkpoint as ckpt


def _data(n=40, seed=0):
    """int8 spins (n, 8) whose second half copies the first: learnable by an 8-4-8 AE."""
    x = np.random.default_rng(seed).choice(np.array([-1, 1], np.int8), (n, 8))
    x[:, 4:] = x[:, :4]
    return x


def _ae(seed=0, l1=1e-3, frozen_encoder=False):
    rng = np.random.default_rng(seed)
    return Sequential([Dense(8, 4, bias=False, l1=l1, rng=rng, trainable=not frozen_encoder),
                       Dense(4, 8, "tanh", l1=l1, rng=rng)])


FIT = dict(loss="hinge", epochs=4, batch_size=8, validation_split=0.25, seed=3)


def test_fit_drives_loss_down():
    hist = _ae().fit(_data(), _data(), optimizer=Adam(0.05), **FIT | {"epochs": 15})
    assert hist.history["loss"][-1] < 0.5 * hist.history["loss"][0]
    assert hist.history["val_loss"][-1] < 0.5 * hist.history["val_loss"][0]
    assert hist.epoch == list(range(15))


def test_history_follows_keras_semantics():
    x = _data(25)  # 25 * 0.8 -> 20 training rows, batches of 8, 8, 4; last 5 rows validate
    hist = _ae().fit(x, x, optimizer=Adam(0.05), loss="hinge", epochs=2, batch_size=8,
                     validation_split=0.2, seed=3)
    model, opt, xf = _ae(), Adam(0.05), x.astype(np.float32)
    for epoch in range(2):
        order = np.random.default_rng([3, epoch]).permutation(20)
        losses, sizes = [], []
        for s in range(0, 20, 8):
            xb = xf[order[s:s + 8]]
            value, dy = hinge(model.forward(xb), xb)
            losses.append(float(value) + sum(l.l1_penalty() for l in model.layers))
            sizes.append(len(xb))
            model.backward(dy)
            opt.step(model.layers)
        assert hist.history["loss"][epoch] == pytest.approx(np.average(losses, weights=sizes))
        val = model.evaluate(xf[20:], xf[20:], loss="hinge", return_dict=True)
        assert hist.history["val_loss"][epoch] == pytest.approx(val["loss"])
        assert hist.history["val_data_loss"][epoch] == pytest.approx(val["data_loss"])
    h = hist.history
    assert set(h) == {"loss", "data_loss", "penalty_trainable", "penalty_frozen",
                      "val_loss", "val_data_loss", "val_penalty_trainable"}
    np.testing.assert_allclose(h["loss"], np.add(h["data_loss"], h["penalty_trainable"]))


def test_progress_bar_and_callback(capsys):
    seen = []
    _ae().fit(_data(), _data(), progress=True, desc="ae", callback=lambda e, logs: seen.append(
        (e, sorted(logs))), **FIT | {"epochs": 2})
    assert [e for e, _ in seen] == [0, 1] and "val_loss" in seen[0][1]
    assert "ae" in capsys.readouterr().err


def test_no_validation_keys_without_split():
    hist = _ae().fit(_data(), _data(), loss="hinge", epochs=1)
    assert "val_loss" not in hist.history and len(hist.history["loss"]) == 1
    assert _ae().fit(_data(), _data(), loss="hinge", epochs=0).history == {}


def test_frozen_layers_do_not_change_and_count_in_loss():
    model = _ae(frozen_encoder=True)
    W0, W1 = model.layers[0].W.copy(), model.layers[1].W.copy()
    hist = model.fit(_data(), _data(), optimizer=Adam(0.05), **FIT)
    assert np.array_equal(model.layers[0].W, W0)
    assert not np.array_equal(model.layers[1].W, W1)
    frozen = model.layers[0].l1_penalty()
    h = hist.history
    assert h["penalty_frozen"] == pytest.approx([frozen] * 4)
    np.testing.assert_allclose(h["loss"], np.add(h["data_loss"], h["penalty_trainable"])
                               + frozen)


def test_fit_on_every_backend_matches_numpy(xp):
    ref = _ae().fit(_data(), _data(), optimizer=Adam(0.05), **FIT)
    model = _ae().to(xp)
    hist = model.fit(_data(), _data(), optimizer=Adam(0.05), **FIT)
    for key, values in ref.history.items():
        np.testing.assert_allclose(hist.history[key], values, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(to_numpy(model.layers[0].W), _fit_weights(FIT)[0],
                               rtol=1e-4, atol=1e-5)


def _fit_weights(kw, checkpoint=None, callback=None):
    model = _ae()
    model.fit(_data(), _data(), optimizer=Adam(0.05), checkpoint=checkpoint,
              callback=callback, **kw)
    return [l.W for l in model.layers]


def test_resume_from_checkpoint_is_bit_identical(tmp_path):
    full = _ae()
    full_hist = full.fit(_data(), _data(), optimizer=Adam(0.05), **FIT)
    path = tmp_path / "ckpt.npz"
    _fit_weights(FIT | {"epochs": 2}, checkpoint=path)  # "interrupted" after 2 epochs
    resumed = _ae(seed=123)  # fresh weights: everything must come from the checkpoint
    hist = resumed.fit(_data(), _data(), optimizer=Adam(0.05), checkpoint=path, **FIT)
    for a, b in zip(resumed.layers, full.layers):
        assert np.array_equal(a.W, b.W) and np.array_equal(a.b, b.b)
    assert hist.history == full_hist.history and hist.epoch == list(range(4))


def test_resume_after_a_crash_in_a_callback(tmp_path):
    path = tmp_path / "ckpt.npz"

    def crash(epoch, logs):
        if epoch == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _fit_weights(FIT, checkpoint=path, callback=crash)
    meta = ckpt.read_json(ckpt.read_npz(path), "fit", path)
    assert meta["epoch"] == 2
    resumed = _fit_weights(FIT, checkpoint=path)
    for a, b in zip(resumed, _fit_weights(FIT)):
        assert np.array_equal(a, b)


def test_checkpoint_from_other_settings_is_refused(tmp_path):
    path = tmp_path / "ckpt.npz"
    _fit_weights(FIT | {"epochs": 1}, checkpoint=path)
    with pytest.raises(ValueError, match="batch_size"):
        _fit_weights(FIT | {"batch_size": 5}, checkpoint=path)
    with pytest.raises(ValueError, match="different model"):
        Sequential([Dense(8, 8)]).fit(_data(), _data(), checkpoint=path, **FIT)


def test_nan_loss_stops_and_keeps_last_good_checkpoint(tmp_path):
    path = tmp_path / "ckpt.npz"
    model = _ae()

    def poison(epoch, logs):
        model.layers[0].W[0, 0] = np.nan

    with pytest.raises(FloatingPointError, match=r"loss became nan in epoch 2/4"):
        model.fit(_data(), _data(), checkpoint=path, callback=poison, **FIT)
    good = Sequential.load(path)
    assert all(np.all(np.isfinite(l.W)) for l in good.layers)
    assert ckpt.read_json(ckpt.read_npz(path), "fit", path)["epoch"] == 1


def test_float64_model_computes_in_float64():
    model = _ae().to(dtype="float64")
    model.fit(_data(), _data(), **FIT | {"epochs": 1})
    assert model.layers[0].W.dtype == np.float64 and model.layers[0].dW.dtype == np.float64


X = _data(10)


@pytest.mark.parametrize("x, y, kw, match", [
    (X[:, :7], X[:, :7], {}, r"x has shape \(10, 7\); expected \(n, 8\)"),
    (X, X[:9], {}, "10 rows but y has 9"),
    (X.astype(str), X, {}, "dtype <U"),
    (np.where(X > 0, np.nan, 1.0), X, {}, "NaN"),
    (X, X, {"loss": "cross-entropy"}, "'cross-entropy'"),
    (X, X, {"batch_size": 0}, "batch_size=0"),
    (X, X, {"epochs": -1}, "epochs=-1"),
    (X, X, {"validation_split": 1.0}, "validation_split=1.0"),
    (X, X, {"validation_split": -0.1}, "validation_split=-0.1"),
    (X, X, {"validation_split": 1e-20}, "0 validation rows"),
])
def test_bad_input_is_named(x, y, kw, match):
    with pytest.raises(ValueError, match=match):
        _ae().fit(x, y, **{"loss": "hinge"} | kw)


def test_nan_weights_after_a_finite_epoch_keep_the_good_checkpoint(tmp_path):
    """The last step of epoch 2 makes W NaN while every logged loss is still finite:
    fit names the weights and the checkpoint on disk stays at epoch 1."""
    path, calls = tmp_path / "ckpt.npz", []

    def loss(y_pred, y):
        value, dy = hinge(y_pred, y)
        calls.append(1)
        return value, dy * np.nan if len(calls) == 10 else dy  # 5 batches per epoch

    model = _ae()
    kw = FIT | {"loss": loss, "validation_split": 0.0}
    with pytest.raises(FloatingPointError, match=r"weights of layer 0 are no longer finite "
                                                 r"in epoch 2/4.*keeps the last good epoch"):
        model.fit(_data(), _data(), checkpoint=path, **kw)
    assert ckpt.read_json(ckpt.read_npz(path), "fit", path)["epoch"] == 1
    assert all(np.all(np.isfinite(l.W)) for l in Sequential.load(path).layers)


def _linear_ae(l1=1e-3):
    rng = np.random.default_rng(0)
    return Sequential([Dense(8, 4, bias=False, l1=l1, rng=rng),
                       Dense(4, 8, bias=False, l1=l1, rng=rng)])


def test_divergence_stops_with_a_reason_and_is_configurable(tmp_path):
    path = tmp_path / "ckpt.npz"
    with pytest.raises(FloatingPointError, match=r"exceeds divergence=100 x the loss before "
                                                 r"training .* in epoch 1/4"):
        _linear_ae().fit(_data(), _data(), optimizer=Adam(lr=1e3), checkpoint=path, **FIT)
    assert not path.exists()  # no good epoch, nothing written
    hist = _linear_ae().fit(_data(), _data(), optimizer=Adam(lr=1e3), divergence=None, **FIT)
    assert hist.history["loss"][0] > 100 * hist.history["loss"][-1] or \
        max(hist.history["loss"]) > 100  # trains on, as asked, to a huge loss
    for bad in (1.0, 0, float("nan"), "10"):
        with pytest.raises(ValueError, match="divergence="):
            _ae().fit(_data(), _data(), divergence=bad, **FIT)


def test_default_divergence_does_not_trip_on_normal_training():
    hist = _ae().fit(_data(), _data(), optimizer=Adam(0.05), **FIT | {"epochs": 15})
    assert len(hist.epoch) == 15


def test_checkpoint_is_tied_to_epochs_and_data(tmp_path):
    path = tmp_path / "ckpt.npz"
    _fit_weights(FIT, checkpoint=path)  # 4 epochs
    with pytest.raises(ValueError, match=r"holds 4 epochs but fit was asked for epochs=2"):
        _fit_weights(FIT | {"epochs": 2}, checkpoint=path)
    other = _data(seed=9)
    assert other.shape == _data().shape
    with pytest.raises(ValueError, match="'data'"):
        _ae().fit(other, other, optimizer=Adam(0.05), checkpoint=path, **FIT)
    # the same data and more epochs resume
    assert len(_ae().fit(_data(), _data(), optimizer=Adam(0.05), checkpoint=path,
                         **FIT | {"epochs": 5}).epoch) == 5


ES = dict(monitor="val_loss", min_delta=0.02, patience=2)


def _keras_stop(values, min_delta, patience):
    """Epoch at which Keras's EarlyStopping stops on ``values``, and the best epoch."""
    best, best_epoch, wait = np.inf, 0, 0
    for epoch, current in enumerate(values):
        wait += 1
        if current + min_delta < best:
            best, best_epoch, wait = current, epoch, 0
        elif wait >= patience and epoch > 0:
            return epoch, best_epoch
    return None, best_epoch


@pytest.mark.parametrize("restore", [False, True])
def test_early_stopping_follows_keras(restore):
    full = _ae().fit(_data(), _data(), optimizer=Adam(0.05), **FIT | {"epochs": 30})
    stop, best = _keras_stop(full.history["val_loss"], ES["min_delta"], ES["patience"])
    assert stop is not None and stop < 29  # the setting does stop early
    model = _ae()
    hist = model.fit(_data(), _data(), optimizer=Adam(0.05),
                     early_stopping=ES | {"restore_best_weights": restore}, **FIT | {"epochs": 30})
    assert hist.epoch == list(range(stop + 1))
    assert hist.history == {k: v[:stop + 1] for k, v in full.history.items()}
    want = _fit_weights(FIT | {"epochs": (best if restore else stop) + 1})
    for a, b in zip(model.layers, want):
        assert np.array_equal(a.W, b)


def test_early_stopping_resumes_bit_identically(tmp_path):
    es = ES | {"restore_best_weights": True}
    kw = FIT | {"epochs": 30}
    ref = _ae()
    ref_hist = ref.fit(_data(), _data(), optimizer=Adam(0.05), early_stopping=es, **kw)
    path = tmp_path / "ckpt.npz"

    def crash(epoch, logs):
        if epoch == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _ae().fit(_data(), _data(), optimizer=Adam(0.05), early_stopping=es,
                  checkpoint=path, callback=crash, **kw)
    for _ in range(2):  # resume, then "resume" a finished (stopped) run
        model = _ae(seed=7)
        hist = model.fit(_data(), _data(), optimizer=Adam(0.05), early_stopping=es,
                         checkpoint=path, **kw)
        assert hist.history == ref_hist.history
        for a, b in zip(model.layers, ref.layers):
            assert np.array_equal(a.W, b.W)
    with pytest.raises(ValueError, match="early_stopping"):
        _ae().fit(_data(), _data(), optimizer=Adam(0.05), checkpoint=path,
                  early_stopping=es | {"patience": 5}, **kw)


@pytest.mark.parametrize("kw, err, match", [
    ({"optimizer": "adam"}, TypeError, "optimizer='adam'; expected a minirg.nn.Adam"),
    ({"early_stopping": {"monitor": "val_acc"}}, ValueError, "'val_acc'"),
    ({"early_stopping": {"patience": -1}}, ValueError, "patience=-1"),
    ({"early_stopping": "yes"}, TypeError, "early_stopping='yes'"),
])
def test_bad_fit_arguments_are_named(kw, err, match):
    with pytest.raises(err, match=match):
        _ae().fit(_data(), _data(), **FIT | kw)
