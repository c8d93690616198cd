"""minirg._io: atomic writes, stale temp files, strict JSON, header-checked .npz."""

import errno
import io
import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from minirg import _io


def _strict(text):
    def refuse(name):
        raise AssertionError(f"non-JSON constant {name}")
    return json.loads(text, parse_constant=refuse)


def test_json_is_strict_and_says_what_became_null(tmp_path):
    obj = {"a": float("nan"), "b": [1.0, np.float32(np.inf)], "c": np.int64(3),
           "d": {"e": np.array([0.5, -np.inf])}}
    nulled = _io.write_json(tmp_path / "x.json", obj)
    assert nulled == ["a", "b[1]", "d.e[1]"]
    assert _strict((tmp_path / "x.json").read_text()) == {
        "a": None, "b": [1.0, None], "c": 3, "d": {"e": [0.5, None]}}


def test_disk_full_names_the_file(tmp_path, monkeypatch):
    def full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(_io.os, "replace", full)
    with pytest.raises(OSError, match="x.json.*No space left") as exc:
        _io.write_json(tmp_path / "x.json", {"a": 1})
    assert exc.value.errno == errno.ENOSPC
    assert os.listdir(tmp_path) == []                     # the temp file is gone too


def test_stale_temps_of_dead_writers_are_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    stale = tmp_path / f".model1.tmp{dead}-abc_0xyz.npz"
    live = tmp_path / f".model1.tmp{os.getpid()}-abc_0xyz.npz"   # a writer still running
    other = tmp_path / ".model1.notes.npz"                      # not ours: never touched
    for p in (stale, live, other):
        p.write_bytes(b"partial")
    assert _io.remove_stale_temps(tmp_path, tmp_path / "absent") == [stale]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name])


def test_npz_round_trip_is_byte_reproducible(tmp_path):
    arrays = {"x": np.arange(6, dtype=np.int8).reshape(2, 3), "y": np.float32(2.5)}
    a = _io.write_npz(tmp_path / "a.npz", arrays, {"meta": {"k": [1, 2]}})
    b = _io.write_npz(tmp_path / "b.npz", arrays, {"meta": {"k": [1, 2]}})
    assert a.read_bytes() == b.read_bytes()
    got, docs = _io.read_npz(a, docs=("meta",))
    np.testing.assert_array_equal(got["x"], arrays["x"])
    assert docs == {"meta": {"k": [1, 2]}} and set(got) == {"x", "y"}
    with np.load(a) as z:                                  # still a plain .npz
        assert set(z.files) == {"x", "y", "meta"}
    with pytest.raises(ValueError, match="'nope'"):
        _io.read_npz(a, docs=("nope",))
    with pytest.raises(ValueError, match="object"):
        _io.write_npz(tmp_path / "c.npz", {"o": np.array([None, 1])})


def _crafted(path, shape):
    """A tiny .npz whose one entry's header declares ``shape`` float64 but holds 8 bytes."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False,
                                                  "shape": shape})
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("x.npy", header.getvalue() + bytes(8))


def test_headers_are_checked_before_loading(tmp_path):
    path = tmp_path / "huge.npz"
    _crafted(path, (10**10,))                              # 75 GiB declared
    with pytest.raises(ValueError, match=r"huge\.npz.*declares shape \(10000000000,\)"):
        _io.read_npz(path)
    _crafted(path, (1,))
    assert _io.read_npz(path)[0]["x"].shape == (1,)
    with pytest.raises(ValueError, match="at most 4"):
        _io.read_npz(path, max_bytes=4)
    (tmp_path / "text.npz").write_text("hello")
    with pytest.raises(ValueError, match="text.npz"):
        _io.read_npz(tmp_path / "text.npz")
