"""Dataset files: round trip, atomic writes, corruption, reproducibility."""

import json
import os

import numpy as np
import pytest

import minirg
from minirg.ising import (check_dataset, decimate, load_dataset, make_datasets,
                          save_dataset)
from minirg._io import sha256


def _arrays(rng, n=6, L=8):
    spins = rng.choice(np.array([-1, 1], np.int8), size=(n, L, L))
    return {"spins": spins, "beta": rng.uniform(0.1, 0.6, n)}


def test_round_trip(rng, tmp_path):
    arrays = _arrays(rng)
    path = save_dataset(tmp_path / "sub" / "a.npz", arrays, {"L": 8, "note": "x"})
    got, meta = load_dataset(path)
    assert set(got) == {"spins", "beta"}
    np.testing.assert_array_equal(got["spins"], arrays["spins"])
    np.testing.assert_array_equal(got["beta"], arrays["beta"])
    assert got["spins"].dtype == np.int8
    assert meta["L"] == 8 and meta["note"] == "x"
    assert meta["minirg_version"] == minirg.__version__
    assert meta["checksum"] == meta["checksums"]["spins"]
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["a.npz"]   # no temp left


def test_write_is_atomic(rng, tmp_path, monkeypatch):
    path = tmp_path / "a.npz"
    save_dataset(path, _arrays(rng), {})
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")
    monkeypatch.setattr(np.lib.format, "write_array", boom)
    with pytest.raises(OSError, match="disk full"):
        save_dataset(path, _arrays(rng), {})
    assert path.read_bytes() == before                    # old file untouched
    assert os.listdir(tmp_path) == ["a.npz"]              # partial temp removed
    with pytest.raises(OSError):
        save_dataset(tmp_path / "b.npz", _arrays(rng), {})
    assert not (tmp_path / "b.npz").exists()


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.npz"):
        load_dataset(tmp_path / "nope.npz")


def test_truncated_file(rng, tmp_path):
    path = save_dataset(tmp_path / "a.npz", _arrays(rng), {})
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(ValueError, match="a.npz"):
        load_dataset(path)


def test_modified_spins_fail_checksum(rng, tmp_path):
    arrays = _arrays(rng)
    path = save_dataset(tmp_path / "a.npz", arrays, {})
    raw = bytearray(path.read_bytes())
    spins_bytes = arrays["spins"].tobytes()
    at = bytes(raw).find(spins_bytes)                   # stored uncompressed
    raw[at] = 1 if raw[at] == 0xFF else 0xFF            # -1 <-> +1
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=r"a\.npz.*(checksum|CRC|Bad)"):
        load_dataset(path)


@pytest.mark.parametrize("bad, match", [
    (lambda a: a.update(spins=a["spins"].astype(np.int16)), "int8"),
    (lambda a: a.update(spins=a["spins"][:, :, :4]), "shape"),
    (lambda a: a.update(beta=a["beta"][:2]), "beta"),
    (lambda a: a["spins"].__setitem__((0, 0, 0), 0), r"\+-1"),
])
def test_invalid_contents_are_named(rng, tmp_path, bad, match):
    arrays = _arrays(rng)
    bad(arrays)
    meta = {"checksums": {k: sha256(v) for k, v in arrays.items()}}
    path = tmp_path / "a.npz"
    np.savez(path, **arrays, meta=np.array(json.dumps(meta)))
    with pytest.raises(ValueError, match=match):
        load_dataset(path)


def test_not_a_dataset(tmp_path):
    path = tmp_path / "a.npz"
    np.savez(path, spins=np.ones((2, 4, 4), np.int8))
    with pytest.raises(ValueError, match="meta"):
        load_dataset(path)
    (tmp_path / "b.npz").write_text("hello")
    with pytest.raises(ValueError, match="b.npz"):
        load_dataset(tmp_path / "b.npz")


def test_save_rejects_bad_arrays(rng, tmp_path):
    with pytest.raises(ValueError, match="spins"):
        save_dataset(tmp_path / "a.npz", {"beta": np.ones(3)}, {})
    with pytest.raises(ValueError, match=r"\+1 and -1"):
        save_dataset(tmp_path / "a.npz", {"spins": np.zeros((2, 4, 4))}, {})


SMALL = dict(L=8, n_critical=40, n_wide=60, n_wide_test=20, n_grid=5,
             grid_betas=[0.1, 0.3, 0.5], progress=False)


@pytest.mark.slow
def test_make_datasets(tmp_path):
    paths = make_datasets(tmp_path / "a", seed=3, **SMALL)
    assert set(paths) == {"critical", "wide", "wide_test", "grid"}
    crit, meta = load_dataset(paths["critical"])
    assert crit["dec1"].shape == (40, 8, 4) and crit["dec2"].shape == (40, 4, 4)
    np.testing.assert_array_equal(crit["dec1"], decimate(crit["spins"], 1))
    for key in ("L", "beta", "algorithm", "seed", "thermalization", "spacing",
                "tau_E", "tau_absm", "checksum", "minirg_version"):
        assert key in meta
    wide, wmeta = load_dataset(paths["wide"])
    test, _ = load_dataset(paths["wide_test"])
    assert wide["beta"].shape == (60,) and np.all((wide["beta"] >= 0.01) & (wide["beta"] < 0.6))
    assert wmeta["beta_range"] == [0.01, 0.6] and wmeta["pilots"]
    assert not np.isin(test["beta"], wide["beta"]).any()          # fresh stream
    grid, _ = load_dataset(paths["grid"])
    np.testing.assert_array_equal(grid["beta"], np.repeat([0.1, 0.3, 0.5], 5))
    assert "OK" in check_dataset(paths["critical"]) and "beta in" in check_dataset(paths["grid"])
    again = make_datasets(tmp_path / "b", seed=3, **SMALL)
    for name in paths:                                           # byte-identical files
        assert paths[name].read_bytes() == again[name].read_bytes()
    other = make_datasets(tmp_path / "c", seed=4, **{**SMALL, "n_wide": 0,
                                                     "n_wide_test": 0, "n_grid": 0})
    assert set(other) == {"critical"}
    assert other["critical"].read_bytes() != paths["critical"].read_bytes()


@pytest.mark.parametrize("kwargs, match", [
    (dict(L=9), "L"), (dict(beta_critical=0), "beta_critical"),
    (dict(wide_range=(0.5, 0.1)), "wide_range"), (dict(wide_range=(0, 0.6)), "wide_range"),
    (dict(n_wide=-1), "n_wide"), (dict(n_grid=1.5), "n_grid"), (dict(seed=1.5), "seed"),
    (dict(grid_betas=[0.1, -0.2]), "betas"),
])
def test_make_datasets_bad_arguments(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_datasets(tmp_path, **{**SMALL, **kwargs})
