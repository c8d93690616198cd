"""End to end: a tiny reproduce run writes every key, reruns skip, interruptions resume."""

import json

import numpy as np
import pytest

from minirg import config, pipeline, training
from minirg.nn import Sequential

TINY = {"L": 8, "data": {"n_critical": 60, "n_wide": 60, "n_wide_test": 30, "n_grid": 4},
        "train": {"epochs": 3, "ae_wr_epochs": 2, "beta_net_epochs": 2, "workers": 1},
        "analysis": {"n_boot": 20}}


def tiny_config(**train):
    return config.resolve("smoke", [TINY, {"train": train}])


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    results = pipeline.reproduce(tiny_config(), out, progress=False)
    return out, results


def test_results_json_has_every_key(run):
    out, results = run
    saved = json.loads((out / "results.json").read_text())
    assert saved == json.loads(json.dumps(results))
    for name in ("model1", "model2", "model2_cg", "model3", "ae_wr"):
        for part in ("train", "val", "train_data", "val_data"):
            assert np.isfinite(saved["losses"][name][part])
    assert saved["beta_net"]["test_mse"] >= 0
    for key in ("rg_recursion", "ae_flow", "beta_c_exact"):
        assert key in saved["fixed_points"]
    assert saved["fixed_points"]["rg_recursion"] == pytest.approx(0.50698, abs=1e-5)
    assert set(saved["entropy"]) >= {"beta", "input", "ae", "rg"}
    assert len(saved["entropy"]["beta"]) == 20
    assert {"cg_W1", "ae_W1"} <= set(saved["weights"])
    assert saved["config"]["L"] == 8 and saved["timings"]["total_s"] > 0


def test_report_and_figures_exist(run):
    out, _ = run
    report = (out / "REPORT.md").read_text()
    figures = sorted((out / "figures").glob("*.png"))
    assert len(figures) >= 8
    for fig in figures:
        assert f"figures/{fig.name}" in report and fig.stat().st_size > 1000
    assert "0.276" in report          # the paper's Model-1 loss sits beside ours


def test_model3_penalty_counts_frozen_kernels(run):
    out, results = run
    m3 = results["losses"]["model3"]
    model = Sequential.load(out / "models" / "model3.npz")
    penalty = sum(l.l1 * float(np.abs(l.W).sum()) for l in model.layers)
    assert m3["val"] - m3["val_data"] == pytest.approx(penalty, rel=1e-5)


def test_frozen_encoders_stay_bit_identical(run):
    out, _ = run
    from minirg import zoo
    model2 = Sequential.load(out / "models" / "model2.npz")
    for step, layer in zip((1, 2), model2.layers[:2]):
        np.testing.assert_array_equal(layer.W, zoo.hard_coded(8, step, 0.0).W)
    model2_cg = Sequential.load(out / "models" / "model2_cg.npz")
    for name, layer in zip(("cg1", "cg2"), model2_cg.layers[:2]):
        np.testing.assert_array_equal(layer.W, Sequential.load(out / "models" / f"{name}.npz").layers[0].W)
    model3 = Sequential.load(out / "models" / "model3.npz")
    for name, layer in zip(("cg1", "cg2", "up1", "up2"), model3.layers):
        np.testing.assert_array_equal(layer.W, Sequential.load(out / "models" / f"{name}.npz").layers[0].W)


def test_rerun_skips_finished_stages(run, monkeypatch):
    out, results = run
    stamps = {p: p.stat().st_mtime_ns for p in (out / "models").glob("*.npz")}
    monkeypatch.setattr(training, "train_job", lambda *a: pytest.fail("retrained " + a[-1]))
    monkeypatch.setattr(training, "train_group", lambda *a: pytest.fail(f"retrained {a[-1]}"))
    again = pipeline.reproduce(tiny_config(), out, progress=False)
    assert again["losses"] == results["losses"]
    assert stamps == {p: p.stat().st_mtime_ns for p in (out / "models").glob("*.npz")}


def test_load_model_gives_the_saved_model_or_names_the_missing_file(run, tmp_path):
    out, _ = run
    model = pipeline.load_model(out, "ae_wr")
    saved = Sequential.load(out / "models" / "ae_wr.npz")
    assert all(np.array_equal(a.W, b.W) for a, b in zip(model.layers, saved.layers))
    with pytest.raises(FileNotFoundError, match="'beta_net' is not trained yet.*beta_net.npz"):
        pipeline.load_model(tmp_path, "beta_net")


def test_other_config_in_same_dir_is_refused(run):
    out, _ = run
    with pytest.raises(ValueError, match="another configuration.*train"):
        pipeline.reproduce(tiny_config(epochs=4), out, progress=False)


def test_interrupted_training_resumes_to_identical_weights(tmp_path, monkeypatch):
    cfg = tiny_config(epochs=3)
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    pipeline.train(cfg, whole, "model1", progress=False)
    (cut / "data").mkdir(parents=True)
    for f in (whole / "data").iterdir():              # same data, no regeneration
        (cut / "data" / f.name).write_bytes(f.read_bytes())

    fit = Sequential.fit

    def interrupted(self, *args, **kwargs):
        def stop(epoch, logs):
            if epoch == 1:
                raise KeyboardInterrupt
        return fit(self, *args, callback=stop, **kwargs)

    monkeypatch.setattr(Sequential, "fit", interrupted)
    with pytest.raises(KeyboardInterrupt):
        pipeline.train(cfg, cut, "model1", progress=False)
    assert (cut / "models" / "model1.ckpt.npz").exists()
    assert not (cut / "models" / "model1.json").exists()
    monkeypatch.undo()

    losses = pipeline.train(cfg, cut, "model1", progress=False)
    assert losses == pipeline.train(cfg, whole, "model1", progress=False)
    a = Sequential.load(whole / "models" / "model1.npz")
    b = Sequential.load(cut / "models" / "model1.npz")
    for la, lb in zip(a.layers, b.layers):
        np.testing.assert_array_equal(la.W, lb.W)
    assert not (cut / "models" / "model1.ckpt.npz").exists()


def test_train_builds_dependencies_first(tmp_path):
    losses = pipeline.train(tiny_config(), tmp_path, "model3", progress=False)
    assert {"train", "val", "train_data", "val_data"} <= set(losses)
    for name in ("cg1", "cg2", "up1", "up2", "model3"):
        assert (tmp_path / "models" / f"{name}.json").exists()
    assert not (tmp_path / "models" / "model1.json").exists()


def test_unknown_model(tmp_path):
    with pytest.raises(ValueError, match="unknown model 'model4'"):
        pipeline.train(tiny_config(), tmp_path, "model4")


def test_analyse_needs_a_run_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a minirg run directory"):
        pipeline.analyse(tmp_path / "nothing")


def test_results_json_is_strict_and_report_names_nulls(run, tmp_path):
    import shutil
    out, _ = run
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    info = json.loads((copy / "models" / "model3.json").read_text())
    info["losses"]["val"] = float("nan")                 # say, a diverged evaluation
    (copy / "models" / "model3.json").write_text(json.dumps(info))
    pipeline.analyse(copy, progress=False)

    def refuse(name):
        raise AssertionError(f"results.json holds the non-JSON constant {name}")
    saved = json.loads((copy / "results.json").read_text(), parse_constant=refuse)
    assert saved["losses"]["model3"]["val"] is None
    assert "losses.model3.val" in (copy / "REPORT.md").read_text()
