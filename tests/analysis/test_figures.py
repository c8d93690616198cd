import os
import runpy

import numpy as np
import pytest

from minirg.analysis import figures
from minirg.analysis.figures import FIGURES, MissingData, make_all_figures

SCRIPTS = os.path.join(os.path.dirname(__file__), "..", "..", "scripts")


def test_make_all_figures(run_dir):
    made = make_all_figures(str(run_dir))
    assert set(made) == set(FIGURES)
    for rel in made.values():
        assert not os.path.isabs(rel) and os.path.getsize(run_dir / rel) > 1000


def test_missing_arrays_skip_their_figures(run_dir):
    arrays = dict(np.load(run_dir / "analysis" / "arrays.npz"))
    for key in ("W1_ae", "test_pred", "grid_pred_raw", "dec_beta_est"):
        del arrays[key]
    np.savez(run_dir / "analysis" / "arrays.npz", **arrays)
    made = make_all_figures(str(run_dir))
    assert set(FIGURES) - set(made) == {"weights", "weights_full", "correlation",
                                        "correlation_full", "beta_prediction"}
    with pytest.raises(MissingData, match="W1_ae"):
        figures.make_weights_figure(str(run_dir), str(run_dir / "w.png"))


def test_no_run_directory(tmp_path):
    with pytest.raises(MissingData, match="results.json"):
        figures.make_loss_figure(str(tmp_path), str(tmp_path / "x.png"))
    assert make_all_figures(str(tmp_path)) == {}


@pytest.mark.parametrize("script", sorted(f for f in os.listdir(SCRIPTS)
                                          if f.startswith("fig") and f.endswith(".py")))
def test_figure_scripts(run_dir, tmp_path, script):
    main = runpy.run_path(os.path.join(SCRIPTS, script))["main"]
    out = tmp_path / "out" / "figure.png"
    assert main(["--run", str(run_dir), "--out", str(out)]) == 0
    assert os.path.getsize(out) > 1000


def test_figure_script_reports_missing_data(tmp_path):
    main = runpy.run_path(os.path.join(SCRIPTS, "fig16_flow.py"))["main"]
    with pytest.raises(SystemExit) as exc:
        main(["--run", str(tmp_path)])
    assert exc.value.code == 2
