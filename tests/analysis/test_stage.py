"""The analysis stage on a tiny hand-made run directory: L = 8, untrained or built models."""

import json
import os

import numpy as np
import pytest

from minirg import config, zoo
from minirg._io import write_json
from minirg.analysis import entropy_by_beta, flow_fixed_point
from minirg.analysis.figures import FIGURES, load_arrays
from minirg.analysis.fixed_points import _estimator_check
from minirg.analysis.stage import RECON_MODELS, _panel_rows, run_analysis
from minirg.ising import decimate, decimation_matrix, save_dataset

L, N_PER = 8, 4
GRID = [0.1, 0.3, 0.5]                      # disorder falls with beta (see _grid_spins)


def _cfg(**analysis):
    over = {"L": L, "data": {"n_grid": N_PER, "grid_betas": [GRID[0], GRID[-1], len(GRID)]},
            "analysis": {"n_boot": 20, "n_recon": 3, **analysis}}
    return config.resolve("smoke", [over])


def _random_spins(rng, n, side=L):
    return rng.choice(np.array([-1, 1], np.int8), size=(n, side, side))


def _grid_spins(rng):
    """All-up lattices with a fraction 0.5, 0.2, 0 of spins set at random: (3*N_PER, L, L)."""
    flip = np.repeat([0.5, 0.2, 0.0], N_PER)[:, None, None]
    noisy = rng.random((flip.size, L, L)) < flip
    return np.where(noisy, _random_spins(rng, flip.size), 1).astype(np.int8)


def _write_data(run, rng):
    spins = _random_spins(rng, 20)
    dec1 = spins.reshape(20, -1) @ decimation_matrix(L, 1)
    save_dataset(run / "data" / "critical.npz",
                 {"spins": spins, "dec1": dec1.reshape(20, L, L // 2).astype(np.int8),
                  "dec2": decimate(spins, 2)}, {"L": L})
    for name, n in (("wide", 20), ("wide_test", 30)):
        save_dataset(run / "data" / f"{name}.npz",
                     {"spins": _random_spins(rng, n), "beta": rng.uniform(0.01, 0.6, n)},
                     {"L": L})
    save_dataset(run / "data" / "grid.npz",
                 {"spins": _grid_spins(rng), "beta": np.repeat(GRID, N_PER)}, {"L": L})


def _magnetisation_ae():
    """An autoencoder whose every output is the input's mean spin (a uniform lattice)."""
    model = zoo.autoencoder(L, 0.0, seed=0)
    for layer in model.layers:
        layer.W = np.full(layer.W.shape, 1.0 / layer.d_in, dtype=np.float32)
    return model


def _models(cfg):
    """Every model of the zoo, untrained; ae_wr is the magnetisation autoencoder."""
    l1 = cfg["train"]["l1"]
    shallow = {n: zoo.shallow(n, L, l1, seed=i) for i, n in enumerate(zoo.SHALLOW)}
    hcg = [zoo.hard_coded(L, 1, l1), zoo.hard_coded(L, 2, l1)]
    return {**shallow, "model1": zoo.autoencoder(L, l1, 1),
            "model2": zoo.model2(L, l1, 2, hcg),
            "model2_cg": zoo.model2(L, l1, 3, [shallow["cg1"].layers[0],
                                               shallow["cg2"].layers[0]]),
            "model3": zoo.model3(L, l1, [shallow[n].layers[0] for n in zoo.SHALLOW]),
            "ae_wr": _magnetisation_ae(), "beta_net": zoo.beta_net(L, 4)}


def _model_info(name):
    """DIR/models/NAME.json as training writes it (the pipeline's "done" marker)."""
    losses = {"train": 0.3, "val": 0.31, "train_data": 0.29, "val_data": 0.3}
    hist = {"loss": [0.5, 0.3], "val_loss": [0.52, 0.31], "data_loss": [0.49, 0.29],
            "val_data_loss": [0.51, 0.3]}
    info = {"name": name, "epochs": 2, "losses": losses, "seconds": 0.1,
            "history": {} if name == "model3" else hist}
    if name == "beta_net":
        info["test_mse"] = 0.02
    return info


@pytest.fixture
def tiny_run(tmp_path):
    """(run_dir, cfg): data, every model and its JSON, config.json and the training
    part of results.json (as `reproduce` leaves them); nothing analysed."""
    cfg, rng = _cfg(), np.random.default_rng(0)
    write_json(tmp_path / "config.json", cfg)
    _write_data(tmp_path, rng)
    (tmp_path / "models").mkdir()
    for name, model in _models(cfg).items():
        model.save(tmp_path / "models" / f"{name}.npz")
        write_json(tmp_path / "models" / f"{name}.json", _model_info(name))
    from minirg.pipeline import collect_results
    write_json(tmp_path / "results.json", collect_results(cfg, tmp_path))
    return tmp_path, cfg


def _expected_shapes(n_test=30, n=len(GRID) * N_PER, k=3):
    N = L * L
    shapes = {"recon_input": (k, L, L), "W1_cg": (N, N // 2), "W1_ae": (N, N // 2),
              "W2_cg": (N // 2, N // 4), "W2_ae": (N // 2, N // 4),
              "panel_beta": (3,), "panel_input": (3, L, L), "panel_ae": (3, L, L),
              "panel_dec": (3, L // 2, L // 2), "test_beta": (n_test,), "test_pred": (n_test,),
              "grid_beta": (n,), "grid_pred_sign": (n,), "grid_pred_raw": (n,),
              "dec_beta_est": (n,), "grid_beta_est_input": (n,), "dec_beta_pooled": (3,)}
    shapes.update({f"recon_{m}": (k, N) for m in RECON_MODELS})
    return shapes


def test_run_analysis_arrays_parts_figures(tiny_run):
    run, cfg = tiny_run
    parts, figures = run_analysis(run, cfg, progress=False)
    arrays = load_arrays(run)
    assert {k: v.shape for k, v in arrays.items()} == _expected_shapes()
    assert all(np.all(np.isfinite(v)) for v in arrays.values())
    assert set(parts) == {"weights", "entropy", "fixed_points", "notes", "flow"}
    assert set(parts["weights"]) == {"cg_W1", "ae_W1", "cg_W2", "ae_W2", "hcg_W1", "hcg_W2"}
    assert set(parts["weights"]["cg_W1"]["near_diagonal"]) >= {"1", "4", "8"}  # 1, L/2, L
    hcg = parts["weights"]["hcg_W1"]
    assert hcg["sparsity"] == pytest.approx(1 - 1 / (L * L))       # one 1 per column
    fp = parts["fixed_points"]
    assert set(fp) >= {"rg_recursion", "rg_recursion_slope", "ae_flow", "ae_flow_ci",
                       "ae_flow_slope", "ae_flow_raw", "decimation_measured",
                       "decimation_measured_slope", "beta_c_exact", "beta_c_used",
                       "estimator_check_mae", "decimation_vs_recursion_twice"}
    assert fp["rg_recursion"] == pytest.approx(0.50698, abs=1e-5)
    from minirg.ising import beta_prime
    keys = np.unique(arrays["grid_beta"])
    twice = [beta_prime(beta_prime(float(b))) for b in keys]
    assert fp["decimation_vs_recursion_twice"] == pytest.approx(
        np.max(np.abs(arrays["dec_beta_pooled"] - twice)))
    assert fp["rg_recursion_slope"] == pytest.approx(1.5 * np.tanh(4 * fp["rg_recursion"]))
    assert fp["beta_c_used"] == cfg["data"]["beta_critical"]
    assert parts["notes"] and all(isinstance(s, str) for s in parts["notes"])
    json.dumps(parts, allow_nan=False)                      # plain JSON, no NaN
    assert set(figures) == set(FIGURES)
    for rel in figures.values():
        with open(run / rel, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"
        assert os.path.getsize(run / rel) > 1000


def test_flow_contract(tiny_run):
    """results.json's flow: every map and thermometer, per-beta lists, the iterated map."""
    run, cfg = tiny_run
    run_analysis(run, cfg, progress=False)
    flow = json.loads((run / "results.json").read_text())["flow"]
    assert flow["beta"] == pytest.approx(GRID)
    want = {"identity": {"beta_net", "beta_net_sym", "energy"},
            "ae_sign": {"beta_net", "beta_net_sym", "energy"},
            "ae_stochastic": {"beta_net", "beta_net_sym", "energy"}, "decimation": {"energy"}}
    for m, thermometers in want.items():
        assert set(flow[m]) == thermometers
        for t in thermometers:
            r = flow[m][t]
            assert len(r["mean"]) == len(r["sem"]) == len(GRID)
            assert all(isinstance(c, float) for c in r["crossings"])
    assert set(flow["calibrated"]) == {"ae_sign", "ae_stochastic"}
    K = cfg["analysis"]["iterations"]
    for t in ("beta_net", "beta_net_sym", "energy"):
        assert len(flow["iterated"][t]) == K + 1 and len(flow["iterated"][t][0]) == len(GRID)
        np.testing.assert_allclose(flow["iterated"][t][0], flow["identity"][t]["mean"])
        np.testing.assert_allclose(flow["iterated"][t][1], flow["ae_sign"][t]["mean"])
    # The magnetisation AE outputs a uniform lattice: the energy MLE reads it as ordered.
    assert flow["ae_sign"]["energy"]["mean"][-1] > 1.0
    assert "bootstrap" in flow["conditional"] and "held fixed" in flow["conditional"]


def test_flow_uses_the_ising_energy(tiny_run):
    """The energy thermometer on unchanged lattices is the pooled MLE of minirg.ising.energy."""
    from minirg.analysis import beta_from_energy
    from minirg.ising import energy_per_spin
    run, cfg = tiny_run
    flow = run_analysis(run, cfg, progress=False)[0]["flow"]
    u = energy_per_spin(_grid_from(run)).reshape(len(GRID), N_PER).mean(axis=1)
    np.testing.assert_allclose(flow["identity"]["energy"]["mean"], beta_from_energy(u, L))


def test_n_boot_zero_is_refused_before_anything_runs():
    with pytest.raises(ValueError, match="analysis.n_boot = 0"):
        _cfg(n_boot=0)
    with pytest.raises(ValueError, match="analysis.iterations = 0"):
        _cfg(iterations=0)


def test_a_bad_n_boot_is_not_swallowed(tiny_run):
    """A config that slipped past validation fails loudly instead of nulling the fixed points."""
    run, cfg = tiny_run
    bad = json.loads(json.dumps(cfg))
    bad["analysis"]["n_boot"] = 0
    with pytest.raises(ValueError, match="n_boot"):
        run_analysis(run, bad, progress=False)


def test_reconstructions_come_from_the_validation_slice(tiny_run):
    run, cfg = tiny_run
    run_analysis(run, cfg, progress=False)
    arrays = load_arrays(run)
    from minirg.ising import load_dataset
    from minirg.nn import Sequential
    spins = load_dataset(run / "data" / "critical.npz")[0]["spins"]
    np.testing.assert_array_equal(arrays["recon_input"], spins[16:19])      # last 20% = 4
    model1 = Sequential.load(run / "models" / "model1.npz")
    np.testing.assert_allclose(arrays["recon_model1"],
                               model1.predict(spins[16:19].reshape(3, -1)), rtol=1e-5)


def test_entropy_of_a_constructed_case(tiny_run):
    """Uniform AE output has 0 bits; input and decimation entropies fall with disorder."""
    run, cfg = tiny_run
    ent = run_analysis(run, cfg, progress=False)[0]["entropy"]
    arrays = load_arrays(run)
    assert ent["beta"] == pytest.approx(GRID)
    assert ent["ae"] == [0.0] * len(GRID)                  # sign of the mean spin everywhere
    assert all(a < i for a, i in zip(ent["ae"][:2], ent["input"][:2]))
    assert ent["input"][0] > ent["input"][1] > ent["input"][2] == 0.0
    assert ent["rg"][0] > ent["rg"][2] == 0.0
    assert ent["ae_quantized"][2] == 0.0                    # all-up input: mean spin 1
    _, rg = entropy_by_beta(decimate(_grid_from(run), 2), arrays["grid_beta"])
    np.testing.assert_allclose(rg, ent["rg"])


def _grid_from(run):
    from minirg.ising import load_dataset
    return load_dataset(run / "data" / "grid.npz")[0]["spins"]


def test_fixed_points_match_the_saved_arrays(tiny_run):
    run, cfg = tiny_run
    fp = run_analysis(run, cfg, progress=False)[0]["fixed_points"]
    a = load_arrays(run)
    want = flow_fixed_point(a["grid_beta"], a["grid_pred_sign"], n_boot=1)  # value: no resampling
    assert fp["ae_flow"] == pytest.approx(want["value"])
    assert fp["ae_flow_slope"] == pytest.approx(want["slope"])
    assert fp["ae_flow_sign"] == fp["ae_flow"] and fp["ae_flow_input"] == "sign"
    assert fp["estimator_check_mae"] == pytest.approx(
        np.mean(np.abs(a["grid_beta_est_input"] - a["grid_beta"])))


def test_raw_beta_net_input_is_the_headline(tiny_run):
    run, _ = tiny_run
    cfg = _cfg(beta_net_input="raw")
    fp = run_analysis(run, cfg, progress=False)[0]["fixed_points"]
    assert fp["ae_flow_input"] == "raw" and fp["ae_flow"] == fp["ae_flow_raw"]


def test_results_json_is_written_before_the_figures(tiny_run):
    run, cfg = tiny_run
    parts, _ = run_analysis(run, cfg, progress=False)
    res = json.loads((run / "results.json").read_text())
    assert res["entropy"] == parts["entropy"] and "model1" in res["histories"]


def test_pipeline_analyse_writes_the_report(tiny_run):
    from minirg.pipeline import analyse
    run, _ = tiny_run
    results = analyse(run, progress=False)
    assert results["fixed_points"]["ae_flow"] is not None
    text = (run / "REPORT.md").read_text()
    assert "fig16_flow.png" in text and "## Notes" in text


def test_device_models_give_the_host_results(tiny_run, monkeypatch):
    """device = "gpu" with array_api_strict standing in for CuPy: same arrays, host copies."""
    xp = pytest.importorskip("array_api_strict")
    run, cfg = tiny_run
    run_analysis(run, cfg, progress=False)
    host = load_arrays(run)
    monkeypatch.setattr("minirg._backend.namespace_for", lambda device: xp)
    run_analysis(run, dict(cfg, device="gpu"), progress=False)
    for key, value in load_arrays(run).items():
        np.testing.assert_allclose(value, host[key], rtol=1e-5, atol=1e-6, err_msg=key)


def test_energy_check_recovers_beta_on_monte_carlo_lattices():
    from minirg.analysis import energy_beta
    from minirg.ising import sample_betas
    beta = np.repeat([0.1, 0.3, 0.4], 100)
    check = _estimator_check(beta, energy_beta(sample_betas(16, beta, seed=0)))
    assert check["estimator_check_bias"] < 0.02 and check["estimator_check_z"] < 4


def test_missing_model_is_named(tiny_run):
    run, cfg = tiny_run
    (run / "models" / "beta_net.npz").unlink()
    with pytest.raises(FileNotFoundError, match="beta_net"):
        run_analysis(run, cfg, progress=False)


def test_panel_rows_pick_the_smallest_middle_and_largest_beta():
    beta = np.repeat([0.1, 0.2, 0.3, 0.4, 0.5], 2)
    np.testing.assert_array_equal(_panel_rows(beta), [0, 4, 8])
    np.testing.assert_array_equal(_panel_rows(np.full(3, 0.2)), [0])


@pytest.mark.parametrize("on", [False, True])
def test_beta_net_early_stopping_reaches_fit(tiny_run, monkeypatch, on):
    """train.beta_net_early_stopping passes Keras-style early stopping to the beta-net's fit
    (and nothing at all when off, so other runs call fit exactly as before)."""
    from minirg import training
    from minirg.nn import Sequential
    run, _ = tiny_run
    cfg = config.resolve("smoke", [{"L": L, "train": {"beta_net_early_stopping": on,
                                                      "beta_net_patience": 7}}])
    seen = {}

    def fit(self, x, y, **kw):
        seen.update(kw)
        hist = {k: [0.1] for k in ("loss", "val_loss", "data_loss", "val_data_loss")}
        return type("History", (), {"history": hist})()

    monkeypatch.setattr(Sequential, "fit", fit)
    training.train_job(cfg, run, False, "beta_net")
    want = {"monitor": "val_loss", "patience": 7, "restore_best_weights": True}
    assert seen.get("early_stopping") == (want if on else None)
    assert on or "early_stopping" not in seen
    assert config.resolve("paper")["train"]["beta_net_early_stopping"] is True
    assert config.resolve("quick")["train"]["beta_net_early_stopping"] is False


def test_an_older_config_is_named_not_a_traceback(tiny_run):
    run, cfg = tiny_run
    old = json.loads(json.dumps(cfg))
    del old["analysis"]["iterations"]
    with pytest.raises(ValueError, match="analysis.iterations"):
        run_analysis(run, old, progress=False)


def test_flow_states_each_reading_s_crossings_by_kind(tiny_run):
    """flow.MAP.THERM.attractive / .repulsive: the one confident crossing of the kind."""
    run, cfg = tiny_run
    flow = run_analysis(run, cfg, progress=False)[0]["flow"]
    readings = [flow[m][t] for m in ("identity", "ae_sign", "ae_stochastic", "decimation",
                                     "majority") for t in flow[m]]
    readings += [r for by in flow["calibrated"].values() for r in by.values()]
    for r in readings:
        for kind in ("attractive", "repulsive"):
            sure = [c["beta"] for c in r["crossing_details"] if c["confident"] and
                    c["kind"] == kind]
            assert r[f"n_{kind}"] == len(sure)
            assert r[kind] == (sure[0] if len(sure) == 1 else None)


def test_the_majority_flow_is_the_one_study_md_computed(tiny_run):
    """flow.majority.energy (and decimation's) equal, bit for bit, what render recomputed."""
    from minirg.study.flow_table import measured_flow, run_flow, stored_flow
    run, cfg = tiny_run
    run_analysis(run, cfg, progress=False)
    results = json.loads((run / "results.json").read_text())
    assert set(results["flow"]["majority"]) == {"energy"}
    assert len(results["flow"]["line_fits"]["majority"]["energy"]) == 4
    for grainer in ("decimation", "majority"):
        betas, stored = stored_flow(results, grainer)
        old_betas, old = measured_flow(run, grainer, cfg["seed"])
        np.testing.assert_array_equal(betas, old_betas)
        np.testing.assert_array_equal(stored, old)
    # Ties are seeded with the run's seed: another seed changes some blocks' coin.
    assert not np.array_equal(measured_flow(run, "majority", cfg["seed"] + 1)[1], stored)
    # A run directory made before the stage stored it: render recomputes it.
    del results["flow"]["majority"]
    write_json(run / "results.json", results)
    np.testing.assert_array_equal(run_flow(run, "majority", cfg["seed"])[1], stored)


def test_report_lists_the_majority_flow_when_the_run_has_it(tiny_run):
    from minirg.analysis import render_report
    run, cfg = tiny_run
    run_analysis(run, cfg, progress=False)
    results = json.loads((run / "results.json").read_text())
    assert "| majority | energy |" in render_report(results, {})
    del results["flow"]["majority"]                     # a run analysed before: no row
    assert "| majority |" not in render_report(results, {})
