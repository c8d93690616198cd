"""Aggregation and grid parsing: plain functions, no runs."""

import math

import pytest

from minirg.study import flatten, parse_grid, plan, stats


def test_flatten_keeps_scalars_and_crossings_only():
    results = {"losses": {"model1": {"val": 0.5}}, "histories": {"m": {"loss": [1.0, 2.0]}},
               "flow": {"ae_sign": {"energy": {"crossings": [0.41, 0.47], "ok": True}}},
               "worker": "tcp://x", "fixed_points": {"ae_flow": None, "bad": float("nan")},
               "config": {"L": 8, "data": {"wide_range": [0.1, 0.6]}}}
    assert flatten(results) == {"losses.model1.val": 0.5, "config.L": 8.0,
                                "flow.ae_sign.energy.crossings.0": 0.41,
                                "flow.ae_sign.energy.crossings.1": 0.47}


def test_stats_use_the_sample_std():
    s = stats([1.0, 2.0, 4.0])
    assert s["mean"] == pytest.approx(7 / 3)
    assert s["std"] == pytest.approx(math.sqrt(((1 - 7 / 3) ** 2 + (2 - 7 / 3) ** 2
                                                + (4 - 7 / 3) ** 2) / 2))
    assert s["sem"] == pytest.approx(s["std"] / math.sqrt(3))
    assert (s["n"], s["min"], s["max"]) == (3, 1.0, 4.0)
    one = stats([2.0])
    assert one["std"] is None and one["sem"] is None and one["n"] == 1


def test_parse_grid_reads_toml_values_and_lists():
    grid = parse_grid(["L=8,16", "data.wide_range=[0.01,0.6],[0.2,0.6]",
                       "coarse_grainer=decimation,majority"])
    assert grid == {"L": [8, 16], "data.wide_range": [[0.01, 0.6], [0.2, 0.6]],
                    "coarse_grainer": ["decimation", "majority"]}
    for bad in ("L", "L=", "seed=1,2"):
        with pytest.raises(ValueError, match="--grid"):
            parse_grid([bad])


def test_plan_names_run_directories_by_parameters_and_validates_first():
    runs = plan("smoke", [], {"L": [8], "data.wide_range": [[0.2, 0.6]]}, [3])
    assert [r["dir"] for r in runs] == ["runs/L=8,data.wide_range=0.2_0.6/seed=3"]
    assert runs[0]["cfg"]["data"]["wide_range"] == [0.2, 0.6] and runs[0]["cfg"]["seed"] == 3
    with pytest.raises(ValueError, match="L = 6"):
        plan("smoke", [], {"L": [8, 6]}, [0])


@pytest.mark.parametrize("args, message", [
    (["--seeds", "0,x"], "--seeds '0,x'"),
    (["--seeds", "0", "--grid", "L=6"], "L = 6"),
    (["--seeds", "0", "--set", "train.nope=1"], "train.nope"),
])
def test_cli_bad_input_is_one_line_and_writes_nothing(tmp_path, capsys, args, message):
    from minirg.cli import main
    out = tmp_path / "sw"
    assert main(["sweep", "--preset", "smoke", "--out", str(out), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and message in err
    assert not out.exists()
