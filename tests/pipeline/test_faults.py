"""Faults and bad input at the CLI and file level: one line, exit 2, nothing pinned or lost."""

import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from minirg import config, pipeline
from minirg._io import write_npz
from minirg.cli import main
from minirg.ising import save_dataset

TINY = {"L": 8, "data": {"n_critical": 20, "n_wide": 20, "n_wide_test": 10, "n_grid": 2},
        "train": {"epochs": 1, "workers": 1}}
TINY_ARGS = ["--preset", "smoke", "--L", "8", "--set", "data.n_critical=20",
             "--set", "data.n_wide=20", "--set", "data.n_wide_test=10",
             "--set", "data.n_grid=2", "--no-progress"]


def tiny(**over):
    return config.resolve("smoke", [TINY, *over.values()])


def _one_line_error(capsys, match):
    err = capsys.readouterr().err
    assert match in err, err
    assert err.count("\n") == 1 and "Traceback" not in err and "PosixPath" not in err
    return err


@pytest.mark.parametrize("setting, match", [
    (["--set", "data.beta_critical=nan"], "data.beta_critical"),
    (["--set", "data.grid_betas=[0.025, 0.5, 0]"], "data.grid_betas num"),
    (["--set", "data.grid_betas=[0.0, 0.5, 20]"], "data.grid_betas start"),
    (["--set", "data.n_critical=100000000000000"], "GiB of memory"),
    (["--L", "100000"], "L = 100000"),
    (["--set", "train.lr=0"], "train.lr = 0.0"),
    (["--set", 'data.wide_range=["a", "b"]'], "data.wide_range"),
    (["--set", "preset=paper"], "--preset paper"),
    (["--set", "train.init=he_normal"], "train.init"),
    (["--set", "data.algorithm=gibbs"], "data.algorithm = 'gibbs'"),
    (["--seed", "-1"], "seed"),
])
def test_bad_configuration_is_refused_before_anything_is_written(setting, match, tmp_path,
                                                                  capsys):
    out = tmp_path / "run"
    assert main(["reproduce", "--out", str(out), "--preset", "smoke", *setting]) == 2
    _one_line_error(capsys, match)
    assert not out.exists()


def test_corrected_command_reuses_a_directory_without_results(tmp_path):
    out = tmp_path / "run"
    pipeline._run_dir(tiny(), out)                 # say, a run stopped before its data
    pipeline._run_dir(tiny(seed={"seed": 1}), out)
    assert json.loads((out / "config.json").read_text())["seed"] == 1


def test_mismatch_names_the_full_key_and_speed_keys_do_not_block(tmp_path):
    out = tmp_path / "run"
    pipeline._run_dir(tiny(), out)
    (out / "models" / "cg1.json").write_text("{}")          # a result: config is pinned
    with pytest.raises(ValueError, match=r"train\.epochs \(1 there, 2 now\)"):
        pipeline._run_dir(tiny(t={"train": {"epochs": 2}}), out)
    pipeline._run_dir(tiny(t={"train": {"workers": 2}}), out)
    assert json.loads((out / "config.json").read_text())["train"]["workers"] == 2


def test_stale_temp_files_are_removed_at_the_next_run(tmp_path):
    out = tmp_path / "run"
    pipeline._run_dir(tiny(), out)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    stale = out / "models" / f".model1.tmp{dead}-k3j_x9q2.npz"
    stale.write_bytes(b"half a model")
    pipeline._run_dir(tiny(), out)
    assert not stale.exists()


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    pipeline.write_datasets(tiny(), folder, progress=False)
    return folder


def test_mismatched_dataset_is_refused(data, tmp_path, capsys):
    with pytest.raises(ValueError, match=r"critical\.npz.*seed=0.*seed=1"):
        pipeline.write_datasets(tiny(seed={"seed": 1}), data, progress=False)
    run = tmp_path / "run"                           # a seed-0 file copied into a seed-1 run
    (run / "data").mkdir(parents=True)
    (run / "data" / "critical.npz").write_bytes((data / "critical.npz").read_bytes())
    assert main(["reproduce", "--out", str(run), "--seed", "1", *TINY_ARGS]) == 2
    _one_line_error(capsys, "critical.npz")
    assert main(["data", "--out", str(data), "--seed", "0", *TINY_ARGS[:2],
                 "--L", "12", "--no-progress"]) == 2
    _one_line_error(capsys, "L=8")


def test_only_the_missing_dataset_is_written(data, tmp_path):
    folder = tmp_path / "copy"
    folder.mkdir()
    for f in data.glob("*.npz"):
        (folder / f.name).write_bytes(f.read_bytes())
    (folder / "wide.npz").unlink()
    stamps = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.npz")}
    pipeline.write_datasets(tiny(), folder, progress=False)
    assert stamps == {p.name: p.stat().st_mtime_ns for p in folder.glob("*.npz")
                      if p.name != "wide.npz"}
    assert (folder / "wide.npz").read_bytes() == (data / "wide.npz").read_bytes()


def _spins(n=4, L=8):
    return np.ones((n, L, L), np.int8)


@pytest.mark.parametrize("make, match", [
    (lambda p: save_dataset(p, {"spins": _spins()}, {"name": "wide"}), "no 'beta' array"),
    (lambda p: save_dataset(p, {"spins": _spins(), "beta": np.array(list("abcd"))}, {}),
     "beta must be floating point"),
    (lambda p: write_npz(p, {"spins": _spins()}, {"meta": [1, 2]}), "JSON object"),
    (lambda p: write_npz(p, {"spins": _spins()}), "no 'meta' entry"),
])
def test_check_rejects_bad_datasets_in_one_line(make, match, tmp_path, capsys):
    path = tmp_path / "wide.npz"
    make(path)
    assert main(["data", "--check", str(path)]) == 2
    _one_line_error(capsys, match)


def test_check_refuses_a_header_declaring_1e10_values(tmp_path, capsys):
    path = tmp_path / "critical.npz"
    save_dataset(path, {"spins": _spins()}, {})
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    spins = members["spins.npy"]                # the header's padding absorbs the longer shape
    members["spins.npy"] = spins.replace(b"'shape': (4, 8, 8), }     ",
                                         b"'shape': (10000000000,), }")
    assert len(members["spins.npy"]) == len(spins) and members["spins.npy"] != spins
    with zipfile.ZipFile(path, "w") as zf:      # valid zip, valid CRCs: only the header lies
        for name, raw in members.items():
            zf.writestr(name, raw)
    assert main(["data", "--check", str(path)]) == 2
    _one_line_error(capsys, "declares shape (10000000000,)")


def test_missing_or_corrupt_model_file_is_retrained(data, tmp_path):
    out = tmp_path / "run"
    (out / "data").mkdir(parents=True)
    for f in data.glob("*.npz"):
        (out / "data" / f.name).write_bytes(f.read_bytes())
    first = pipeline.train(tiny(), out, "cg1", progress=False)
    model = out / "models" / "cg1.npz"
    weights = model.read_bytes()
    model.unlink()
    assert pipeline.train(tiny(), out, "cg1", progress=False) == first
    assert model.read_bytes() == weights
    model.write_bytes(weights[: len(weights) // 2])          # truncated
    assert pipeline.train(tiny(), out, "cg1", progress=False) == first
    assert model.read_bytes() == weights


def test_os_errors_name_the_file_without_posixpath(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(["reproduce", "--out", str(blocker / "run"), *TINY_ARGS]) == 2
    _one_line_error(capsys, str(blocker))
    assert main(["data", "--out", str(blocker / "d"), *TINY_ARGS]) == 2
    _one_line_error(capsys, str(blocker))


def test_bad_utf8_toml_names_the_file(tmp_path, capsys):
    path = tmp_path / "run.toml"
    path.write_bytes(b"seed = 1\n# \xff\xfe\n")
    assert main(["reproduce", "--config", str(path), "--out", str(tmp_path / "r")]) == 2
    _one_line_error(capsys, "run.toml")
    assert not (tmp_path / "r").exists()
    assert os.listdir(tmp_path) == ["run.toml"]


def test_data_algorithm_is_used(tmp_path):
    cfg = tiny(a={"data": {"algorithm": "metropolis", "n_wide": 4, "n_wide_test": 4,
                           "n_grid": 1}})
    paths = pipeline.write_datasets(cfg, tmp_path, progress=False)
    from minirg.ising import load_dataset
    for name, path in paths.items():
        meta = load_dataset(path)[1]
        assert meta["algorithm"] == "metropolis" and meta["spec"]["algorithm"] == "metropolis"


def test_files_from_before_specs_are_checked_by_their_metadata(tmp_path):
    from minirg.ising.datasets import check_spec, dataset_specs
    spec = dataset_specs(L=8, n_critical=4, seed=0)["critical"]
    path = save_dataset(tmp_path / "critical.npz", {"spins": _spins()},
                        {"name": "critical", "L": 8, "seed": 0, "n": 4, "beta": 0.4352})
    check_spec(path, spec)                                   # same settings: kept
    with pytest.raises(ValueError, match="seed=0.*seed=2"):
        check_spec(path, dataset_specs(L=8, n_critical=4, seed=2)["critical"])


def test_grid_files_from_before_specs_count_lattices_per_beta(tmp_path):
    from minirg.ising.datasets import check_spec, dataset_specs
    betas = [0.1, 0.4]
    spec = dataset_specs(L=8, n_grid=2, grid_betas=betas, seed=0)["grid"]
    spins = np.ones((4, 8, 8), np.int8)
    path = save_dataset(tmp_path / "grid.npz", {"spins": spins, "beta": np.repeat(betas, 2)},
                        {"name": "grid", "L": 8, "seed": 0, "n": 4, "n_per_beta": 2,
                         "grid_betas": betas})
    check_spec(path, spec)                                   # 2 per beta, 4 in all: kept
    with pytest.raises(ValueError, match="n=2.*n=3"):
        check_spec(path, dataset_specs(L=8, n_grid=3, grid_betas=betas, seed=0)["grid"])


def test_retired_keys_do_not_block_a_run_directory(tmp_path):
    out = tmp_path / "run"
    pipeline._run_dir(tiny(), out)
    (out / "models" / "cg1.json").write_text("{}")
    old = json.loads((out / "config.json").read_text())
    old["train"]["init"] = "glorot_uniform"                  # a key this version dropped
    (out / "config.json").write_text(json.dumps(old))
    pipeline._run_dir(tiny(), out)
    assert "init" not in json.loads((out / "config.json").read_text())["train"]
