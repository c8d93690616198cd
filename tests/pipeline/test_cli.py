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
    assert not (tmp_path / "minirg-run" / "data").exists()      # nothing half-made


@pytest.mark.parametrize("argv", [["train", "nonsense"], ["reproduce", "--seed", "x"],
                                  ["frobnicate"]])
def test_usage_errors_are_one_line(argv):
    proc = subprocess.run([sys.executable, "-m", "minirg", *argv], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("minirg")
