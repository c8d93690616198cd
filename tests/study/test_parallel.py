"""A run's trainings on a Dask cluster give the numbers they give in-process."""

import json

from minirg import config, pipeline, training

TINY = {"L": 4, "data": {"n_critical": 60, "n_wide": 60, "n_wide_test": 30, "n_grid": 4},
        "train": {"epochs": 2, "ae_wr_epochs": 2, "beta_net_epochs": 2}}


def _losses(out):
    return {n: json.loads((out / "models" / f"{n}.json").read_text())["losses"]
            for n in pipeline.MODEL_NAMES}


def test_dask_trainings_equal_in_process_ones(tmp_path):
    cfg = config.resolve("smoke", [TINY])
    runs = {}
    for w in (1, 2):
        out = tmp_path / f"w{w}"
        pipeline.make_data(cfg, out, progress=False)
        training.train_all(cfg, out, list(training.ORDER), progress=False, workers=w)
        runs[w] = _losses(out)
    assert runs[2] == runs[1]
