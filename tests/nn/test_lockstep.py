"""fit_lockstep: every member ends where its own fit would (weights, Adam state, history)."""

import numpy as np
import pytest

from minirg._backend import to_numpy
from minirg.nn import Adam, Dense, Sequential
from minirg.nn.lockstep import fit_lockstep, same_shape_groups


def _spins(n, seed, width=8):
    """int8 spins (n, width) whose second half copies the first: learnable by an AE."""
    x = np.random.default_rng(seed).choice(np.array([-1, 1], np.int8), (n, width))
    x[:, width // 2:] = x[:, :width // 2]
    return x


def _ae(seed, l1=1e-3, frozen=False):
    """8 -> 4 (linear, no bias) -> 8 (tanh, bias), like the zoo's nets with a bias and an activation."""
    rng = np.random.default_rng(seed)
    return Sequential([Dense(8, 4, bias=False, l1=l1, rng=rng, trainable=not frozen),
                       Dense(4, 8, "tanh", l1=l1, rng=rng)])


def _regressor(seed):
    """8 -> 6 tanh -> 1 relu, biases: the beta-net's shape."""
    rng = np.random.default_rng(seed)
    net = Sequential([Dense(8, 6, "tanh", rng=rng), Dense(6, 1, "relu", rng=rng)])
    net.layers[1].b = net.layers[1].b + 0.3          # keep the relu alive, as zoo.beta_net does
    return net


# Members differ in init, L1, frozen layers, learning rate, shuffle seed and data;
# members 0 and 2 share one data array.
MEMBERS = [dict(seed=0, l1=1e-3, frozen=False, lr=0.05, shuffle_seed=3, data=0),
           dict(seed=1, l1=1e-3, frozen=True, lr=0.01, shuffle_seed=4, data=1),
           dict(seed=2, l1=0.0, frozen=False, lr=0.05, shuffle_seed=5, data=0)]
FIT = dict(loss="hinge", epochs=3, batch_size=7, validation_split=0.2)   # 30 rows -> 24 + 6


def _members(xp, dtype, data):
    models = [_ae(m["seed"], m["l1"], m["frozen"]).to(xp, dtype) for m in MEMBERS]
    return models, [Adam(m["lr"]) for m in MEMBERS], [data[m["data"]] for m in MEMBERS]


def _assert_member_matches(ref, got, rtol, atol):
    (m1, o1, h1), (m2, o2, h2) = ref, got
    for a, b in zip(m1.layers, m2.layers):
        np.testing.assert_allclose(to_numpy(b.W), to_numpy(a.W), rtol=rtol, atol=atol)
        if a.b is not None:
            np.testing.assert_allclose(to_numpy(b.b), to_numpy(a.b), rtol=rtol, atol=atol)
        assert b.trainable == a.trainable
    assert o2.t == o1.t and sorted(o2.m) == sorted(o1.m) and sorted(o2.v) == sorted(o1.v)
    for key in o1.m:
        np.testing.assert_allclose(to_numpy(o2.m[key]), to_numpy(o1.m[key]), rtol=rtol, atol=atol)
        np.testing.assert_allclose(to_numpy(o2.v[key]), to_numpy(o1.v[key]), rtol=rtol, atol=atol)
    assert list(h2.history) == list(h1.history) and h2.epoch == h1.epoch
    for key, values in h1.history.items():
        np.testing.assert_allclose(h2.history[key], values, rtol=rtol, atol=atol, err_msg=key)


def _tolerance(xp, rtol, atol):
    """On CuPy, cuBLAS may pick other algorithms for batched and 2-D GEMMs, and fit's
    fused Adam kernel may contract to FMA: a few ulp per step, so looser bounds there."""
    return (max(rtol, 1e-9), max(atol, 1e-11)) if "cupy" in xp.__name__ else (rtol, atol)


# float64: round-off only (the penalty's sum|W| may add in another order).
# float32: the stacked matmul may round differently from the 2-D one, and 3 epochs
# of Adam carry that forward; 1e-5 relative is far below any training effect.
@pytest.mark.parametrize("dtype,rtol,atol", [("float64", 1e-12, 1e-14), ("float32", 1e-5, 1e-6)])
def test_each_member_ends_where_its_fit_would(xp, dtype, rtol, atol):
    rtol, atol = _tolerance(xp, rtol, atol)
    data = [_spins(30, 0), _spins(30, 1)]
    ref_models, ref_opts, xs = _members(xp, getattr(xp, dtype), data)
    ref = [(m, o, m.fit(x, x, optimizer=o, seed=spec["shuffle_seed"], **FIT))
           for m, o, x, spec in zip(ref_models, ref_opts, xs, MEMBERS)]
    models, opts, xs = _members(xp, getattr(xp, dtype), data)
    hists = fit_lockstep(models, xs, xs, seeds=[m["shuffle_seed"] for m in MEMBERS],
                         optimizers=opts, **FIT)
    assert len(hists) == len(MEMBERS)
    for r, got in zip(ref, zip(models, opts, hists)):
        _assert_member_matches(r, got, rtol, atol)
    frozen = models[1].layers[0]
    np.testing.assert_array_equal(to_numpy(frozen.W), to_numpy(_ae(1).layers[0].W).astype(dtype))
    assert "0.W" not in opts[1].m                     # fit never makes moments for a frozen layer


def test_regression_members_with_their_own_targets_match_fit(xp):
    x = [_spins(25, 7), _spins(25, 8)]
    y = [np.random.default_rng(s).uniform(0.1, 0.6, (25, 1)) for s in (1, 2)]
    kw = dict(loss="mse", epochs=2, batch_size=4, validation_split=0.2, shuffle=False)
    ref = []
    for k in range(2):
        m, o = _regressor(k).to(xp, xp.float64), Adam(0.01)
        ref.append((m, o, m.fit(x[k], y[k], optimizer=o, seed=k, **kw)))
    models = [_regressor(k).to(xp, xp.float64) for k in range(2)]
    opts = [Adam(0.01), Adam(0.01)]
    hists = fit_lockstep(models, x, y, seeds=[0, 1], optimizers=opts, **kw)
    for r, got in zip(ref, zip(models, opts, hists)):
        _assert_member_matches(r, got, *_tolerance(xp, 1e-12, 1e-14))


def test_data_in_the_models_namespace_gives_the_same_bits(xp):
    x, x2 = _spins(20, 0), _spins(20, 5)
    runs = []
    for data in ([x, x], [xp.asarray(x), xp.asarray(x2)], [x, x2]):
        models = [_ae(k).to(xp, xp.float64) for k in range(2)]
        fit_lockstep(models, data, data, loss="hinge", epochs=1, batch_size=6, seeds=[1, 2])
        runs.append([to_numpy(l.W) for m in models for l in m.layers])
    for a, b in zip(runs[1], runs[2]):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(runs[0][-1], runs[1][-1])      # member 1's data mattered


def test_shared_data_and_copies_give_the_same_bits():
    x = _spins(20, 0)
    runs = []
    for xs in ([x, x, x], [x.copy(), x.copy(), x.copy()]):
        models = [_ae(k) for k in range(3)]
        hists = fit_lockstep(models, xs, xs, loss="hinge", epochs=2, batch_size=6, seeds=[1, 2, 3])
        runs.append(([to_numpy(l.W) for m in models for l in m.layers],
                     [h.history["loss"] for h in hists]))
    for a, b in zip(runs[0][0], runs[1][0]):
        np.testing.assert_array_equal(a, b)
    assert runs[0][1] == runs[1][1]
    assert "val_loss" not in hists[0].history         # no split, no val keys (as fit)


def test_resume_is_bit_identical(tmp_path):
    x = _spins(30, 0)
    kw = dict(loss="hinge", batch_size=7, validation_split=0.2, seeds=[3, 4])

    def run(epochs, path=None):
        models, opts = [_ae(0), _ae(1, frozen=True)], [Adam(0.05), Adam(0.01)]
        hists = fit_lockstep(models, [x, x], [x, x], epochs=epochs, optimizers=opts,
                             checkpoint=path, **kw)
        return models, opts, hists

    whole = run(4)
    path = tmp_path / "lock.npz"
    run(2, path)
    resumed = run(4, path)                           # fresh models, state from the checkpoint
    for (m1, o1, h1), (m2, o2, h2) in zip(zip(*whole), zip(*resumed)):
        for a, b in zip(m1.layers, m2.layers):
            np.testing.assert_array_equal(a.W, b.W)
        assert o1.t == o2.t == 16 and sorted(o1.m) == sorted(o2.m)
        for key in o1.m:
            np.testing.assert_array_equal(o1.m[key], o2.m[key])
            np.testing.assert_array_equal(o1.v[key], o2.v[key])
        assert h1.history == h2.history and h1.epoch == h2.epoch == [0, 1, 2, 3]


def test_checkpoint_from_another_run_is_refused(tmp_path):
    x, path = _spins(30, 0), tmp_path / "lock.npz"
    fit_lockstep([_ae(0), _ae(1)], [x, x], [x, x], loss="hinge", epochs=1, batch_size=8,
                 seeds=[3, 4], checkpoint=path)
    with pytest.raises(ValueError, match="another lockstep run.*seeds"):
        fit_lockstep([_ae(0), _ae(1)], [x, x], [x, x], loss="hinge", epochs=2, batch_size=8,
                     seeds=[3, 5], checkpoint=path)
    with pytest.raises(ValueError, match="another lockstep run.*models"):
        fit_lockstep([_ae(0), _ae(1, frozen=True)], [x, x], [x, x], loss="hinge", epochs=2,
                     batch_size=8, seeds=[3, 4], checkpoint=path)
    with pytest.raises(ValueError, match="another lockstep run.*fingerprints differ"):
        fit_lockstep([_ae(0), _ae(1)], [x, -x], [x, -x], loss="hinge", epochs=2, batch_size=8,
                     seeds=[3, 4], checkpoint=path)
    with pytest.raises(ValueError, match="holds 1 epochs, more than epochs=0"):
        fit_lockstep([_ae(0), _ae(1)], [x, x], [x, x], loss="hinge", epochs=0, batch_size=8,
                     seeds=[3, 4], checkpoint=path)
    path.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="cannot read lockstep checkpoint"):
        fit_lockstep([_ae(0)], [x], [x], loss="hinge", epochs=2, batch_size=8, seeds=[3],
                     checkpoint=path)


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning", "ignore:invalid:RuntimeWarning")
def test_diverging_member_is_named(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((20, 8)).astype(np.float32)
    models = [Sequential([Dense(8, 8, seed=k)]) for k in range(2)]
    opts = [Adam(1e-3), Adam(1e30)]                  # member 1 overflows float32
    path = tmp_path / "lock.npz"
    with pytest.raises(FloatingPointError, match=r"member 1: loss became .* epoch 1/3"):
        fit_lockstep(models, [x, x], [x, x], loss="mse", epochs=3, batch_size=5, seeds=[0, 0],
                     optimizers=opts, checkpoint=path)
    assert not path.exists() and not list(tmp_path.iterdir())   # no good epoch, no debris


def test_progress_bar(capsys):
    x = _spins(10, 0)
    fit_lockstep([_ae(0), _ae(1)], [x, x], [x, x], loss="hinge", epochs=2, batch_size=5,
                 seeds=[0, 1], progress=True)
    assert "lockstep x2" in capsys.readouterr().err


X = _spins(10, 0)


@pytest.mark.parametrize("models,xs,kw,match", [
    ([], [], {"seeds": []}, "no models"),
    ([_ae(0), _ae(1)], [X, X], {"seeds": [0]}, "seeds has 1 entries for 2 models"),
    ([_ae(0), _ae(1)], [X], {"seeds": [0, 1]}, "xs has 1 entries for 2 models"),
    ([_ae(0), _ae(1)], [X, X], {"seeds": [0, -1]}, r"seeds\[1\] must be an integer >= 0"),
    ([_ae(0), Sequential([Dense(8, 8)])], [X, X], {"seeds": [0, 1]},
     r"models\[1\] has layers .* lockstep members must share"),
    ([_ae(0), _ae(0).to(dtype=np.float64)], [X, X], {"seeds": [0, 1]}, "float64"),
    ([_ae(0), _ae(1)], [X, _spins(12, 1)], {"seeds": [0, 1]},
     r"xs\[1\] has 12 samples but xs\[0\] has 10"),
    ([_ae(0), _ae(1)], [X, X[:, :6]], {"seeds": [0, 1]}, r"xs\[1\] has shape \(10, 6\)"),
    ([_ae(0), _ae(1)], [X, X], {"seeds": [0, 1], "optimizers": [Adam()]},
     "optimizers has 1 entries"),
    ([_ae(0), _ae(1)], [X, X], {"seeds": [0, 1], "loss": "l2"}, "unknown loss 'l2'"),
    ([_ae(0), _ae(1)], [X, X], {"seeds": [0, 1], "batch_size": 0}, "batch_size"),
    ([_ae(0), _ae(1)], [X, X], {"seeds": 3}, "seeds must be a sequence"),
])
def test_bad_input_is_named(models, xs, kw, match):
    kw = {"loss": "hinge", "epochs": 1, "batch_size": 4} | kw
    with pytest.raises((ValueError, TypeError), match=match):
        fit_lockstep(models, xs, xs, **kw)


def test_one_object_twice_is_refused():
    m, opt = _ae(0), Adam()
    with pytest.raises(ValueError, match="same model object"):
        fit_lockstep([m, m], [X, X], [X, X], loss="hinge", epochs=1, batch_size=4, seeds=[0, 1])
    with pytest.raises(TypeError, match=r"optimizers\[1\] is 'adam'; expected a minirg.nn.Adam"):
        fit_lockstep([_ae(0), _ae(1)], [X, X], [X, X], loss="hinge", epochs=1, batch_size=4,
                     seeds=[0, 1], optimizers=[opt, "adam"])
    with pytest.raises(ValueError, match="optimizer appears twice"):
        fit_lockstep([_ae(0), _ae(1)], [X, X], [X, X], loss="hinge", epochs=1, batch_size=4,
                     seeds=[0, 1], optimizers=[opt, opt])


def test_same_shape_groups():
    models = [_ae(0), _regressor(0), _ae(1, frozen=True), _ae(2).to(dtype=np.float64), _ae(3)]
    assert same_shape_groups(models) == [[0, 2, 4], [1], [3]]
    assert same_shape_groups(models, keys=[100, 100, 200, 100, 100]) == [[0, 4], [1], [2], [3]]
    with pytest.raises(ValueError, match="keys has 1 entries for 5 models"):
        same_shape_groups(models, keys=[1])


def test_benchmark_engines_train_the_same_members():
    """Every engine of scripts/bench_lockstep.py starts from the same weights and data:
    member 0's first loss (hinge + L1) agrees across them (timings are never tested)."""
    torch = pytest.importorskip("torch")
    from minirg.bench import lockstep as bench
    K, n, L = 2, 10, 4
    engines = [bench.minirg_lockstep(K, n, L, "cpu"), bench.minirg_loop(K, n, L, "cpu"),
               bench.eager(torch, lambda capturable=False: bench.torch_loop(torch, K, n, L, "cpu")),
               bench.eager(torch, lambda capturable=False: bench.torch_vmap(torch, K, n, L, "cpu"))]
    first = []
    for step, sync in engines:
        step()
        first.append(sync())
    assert first[0] > 0
    np.testing.assert_allclose(first, first[0], rtol=1e-5)
    assert bench.main(["--device", "cpu", "--K", "0"]) == 2


def test_benchmark_rejects_missing_gpu(monkeypatch, capsys):
    from minirg.bench import lockstep as bench

    def no_gpu(device):
        raise ValueError("device 'gpu' asked for, but CuPy sees no CUDA device")
    monkeypatch.setattr(bench, "namespace_for", no_gpu)
    assert bench.main(["--device", "gpu"]) == 2
    assert "no CUDA device" in capsys.readouterr().out


def test_mixed_array_libraries_are_refused():
    xps = pytest.importorskip("array_api_strict")
    with pytest.raises(ValueError, match="different array libraries"):
        fit_lockstep([_ae(0), _ae(1).to(xps)], [X, X], [X, X], loss="hinge", epochs=1,
                     batch_size=4, seeds=[0, 1])
    with pytest.raises(ValueError, match=r"xs\[1\] lives in array_api_strict"):
        xs = [X, xps.asarray(X)]
        fit_lockstep([_ae(0), _ae(1)], xs, xs, loss="hinge", epochs=1, batch_size=4,
                     seeds=[0, 1])


def _linear_ae(seed):
    rng = np.random.default_rng(seed)
    return Sequential([Dense(8, 4, bias=False, l1=1e-3, rng=rng),
                       Dense(4, 8, bias=False, l1=1e-3, rng=rng)])


def test_divergence_stops_the_member_fit_would_stop(tmp_path):
    x, kw = _spins(30, 0), dict(loss="hinge", epochs=4, batch_size=8)
    with pytest.raises(FloatingPointError, match="exceeds divergence=100") as ref:
        _linear_ae(1).fit(x, x, optimizer=Adam(1e3), seed=4, **kw)
    path = tmp_path / "lock.npz"
    with pytest.raises(FloatingPointError, match="member 1: loss") as got:
        fit_lockstep([_linear_ae(0), _linear_ae(1)], [x, x], [x, x], seeds=[3, 4],
                     optimizers=[Adam(1e-3), Adam(1e3)], checkpoint=path, **kw)
    # the same test trips in the same epoch, against the same loss before training
    assert str(got.value).split("; ")[0] == "member 1: " + str(ref.value).split("; ")[0]
    hists = fit_lockstep([_linear_ae(0), _linear_ae(1)], [x, x], [x, x], seeds=[3, 4],
                         optimizers=[Adam(1e-3), Adam(1e3)], divergence=None, **kw)
    assert len(hists[1].epoch) == 4                     # trains on, as asked
    with pytest.raises(ValueError, match="divergence="):
        fit_lockstep([_linear_ae(0)], [x], [x], seeds=[3], divergence=1.0, **kw)
