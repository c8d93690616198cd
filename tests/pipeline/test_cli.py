"""The command line: help, one-line errors with exit status 2."""

import subprocess
import sys

import pytest

from minirg.cli import main


def test_help_lists_subcommands(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    for command in ("data", "train", "analyse", "reproduce", "bench"):
        assert command in text


@pytest.mark.parametrize("argv, match", [
    (["reproduce", "--preset", "fast"], "unknown preset 'fast'"),
    (["data", "--preset", "smoke", "--set", "train.epochz=3"], "train.epochz"),
    (["train", "model1", "--preset", "smoke", "--set", "train.epochs=-2"], "train.epochs = -2"),
    (["data", "--preset", "smoke", "--L", "31"], "L = 31"),
    (["data", "--check", "no/such/file.npz"], "no/such/file.npz"),
    (["analyse", "--run", "no/such/run"], "no/such/run"),
])
def test_bad_input_is_one_line_and_exit_2(argv, match, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert match in err and err.count("\n") == 1 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []                       # nothing half-made


@pytest.mark.parametrize("argv", [["train", "nonsense"], ["reproduce", "--seed", "x"],
                                  ["frobnicate"]])
def test_usage_errors_are_one_line(argv):
    proc = subprocess.run([sys.executable, "-m", "minirg", *argv], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("minirg")


TINY_DATA = ["--preset", "smoke", "--L", "8", "--set", "data.n_critical=20",
             "--set", "data.n_wide=20", "--set", "data.n_wide_test=10", "--set", "data.n_grid=2"]


def test_data_writes_checkable_files(tmp_path, capsys):
    assert main(["data", "--out", str(tmp_path), "--no-progress", *TINY_DATA]) == 0
    names = sorted(p.name for p in tmp_path.glob("*.npz"))
    assert names == ["critical.npz", "grid.npz", "wide.npz", "wide_test.npz"]
    capsys.readouterr()
    assert main(["data", "--check", str(tmp_path / "critical.npz")]) == 0
    summary = capsys.readouterr().out
    assert "critical.npz" in summary and "20" in summary


def test_data_check_rejects_a_corrupt_file(tmp_path, capsys):
    assert main(["data", "--out", str(tmp_path), "--no-progress", *TINY_DATA]) == 0
    path = tmp_path / "wide.npz"
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF                                 # flip bits inside the spins
    path.write_bytes(bytes(raw))
    capsys.readouterr()
    assert main(["data", "--check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "wide.npz" in err and err.count("\n") == 1


def test_gpu_without_cupy_is_a_clear_error(tmp_path, capsys, monkeypatch):
    from minirg import _backend
    if _backend.gpu_available():
        pytest.skip("a GPU is present")
    monkeypatch.chdir(tmp_path)
    assert main(["train", "model1", "--device", "gpu", *TINY_DATA]) == 2
    err = capsys.readouterr().err
    assert "gpu" in err and err.count("\n") == 1
