import os

import numpy as np
import pytest
from matplotlib.figure import Figure

from minirg.analysis import plots


def assert_png(path):
    with open(path, "rb") as f:
        head = f.read(8)
    assert head == b"\x89PNG\r\n\x1a\n" and os.path.getsize(path) > 1000


def test_save_figure_is_atomic(tmp_path):
    ax = plots.new_axes()
    ax.plot([0, 1], [0, 1])
    path = plots.save_figure(ax, tmp_path / "sub" / "line.png")     # makes the folder
    assert_png(path)
    assert os.listdir(tmp_path / "sub") == ["line.png"]              # no temp file left


def test_save_figure_failure_leaves_nothing(tmp_path):
    fig = Figure()
    fig.add_subplot().imshow(np.full((2, 2), np.nan))
    fig.savefig = lambda *a, **k: (_ for _ in ()).throw(RuntimeError("disk full"))
    with pytest.raises(RuntimeError):
        plots.save_figure(fig, tmp_path / "x.png")
    assert os.listdir(tmp_path) == []


def test_plot_losses(tmp_path):
    hist = {"loss": [0.5, 0.4, 0.3], "val_loss": [0.55, 0.45, 0.35]}
    ax = plots.plot_losses({"model1": hist, "model2": hist}, {"model3": (0.6, 0.61)})
    assert len(ax.lines) == 6                  # 2 curves x 2 models + 2 constants
    assert "Model-3" in " ".join(t.get_text() for t in ax.get_legend().get_texts())
    assert_png(plots.save_figure(ax, tmp_path / "losses.png"))


def test_plot_lattices_and_reconstruction(tmp_path, rng):
    axes = plots.plot_lattices([np.ones((8, 8)), -np.ones((8, 8))], ["a", "b"])
    assert len(axes) == 2 and axes[0].get_title() == "a" and len(axes[1].images) == 1
    fig = plots.reconstruction_figure(rng.choice([-1, 1], size=(2, 8, 8)),
                                      {"model1": rng.normal(size=(2, 64)),
                                       "model3": rng.normal(size=(2, 64))})
    assert len(fig.axes) == 2 * 3
    assert_png(plots.save_figure(fig, tmp_path / "recon.png"))


def test_plot_matrix_zoom_and_grid(tmp_path, rng):
    W = rng.normal(size=(64, 32))
    ax = plots.plot_matrix(W, title="W1", zoom=(16, 8))
    assert ax.images[0].get_array().shape == (16, 8) and len(ax.figure.axes) == 2  # + colour bar
    fig = plots.matrix_grid_figure({"a": W, "b": W, "c": W}, zoom=(slice(0, 10), slice(4, 8)))
    assert len(fig.axes) == 4 + 3 and fig.axes[0].images[0].get_array().shape == (10, 4)
    assert_png(plots.save_figure(fig, tmp_path / "grid.png"))


def test_plot_entropy_and_panel(tmp_path):
    beta = np.linspace(0.025, 0.5, 20)
    ax = plots.plot_entropy(beta, {"input": 1 - beta, "ae": 0.8 - beta, "rg": 1 - beta / 2},
                            beta_c=0.4352)
    assert len(ax.lines) == 4
    fig = plots.lattice_panel_figure([0.025, 0.25, 0.5],
                                     {"input": [np.ones((8, 8))] * 3,
                                      "rg": [np.ones((4, 4))] * 3})
    assert len(fig.axes) == 6 and fig.axes[0].get_title() == "beta = 0.025"
    assert_png(plots.save_figure(fig, tmp_path / "panel.png"))


def test_plot_beta_prediction_and_flow(tmp_path, rng):
    actual = rng.uniform(0.01, 0.6, 100)
    ax = plots.plot_beta_prediction(actual, actual + rng.normal(0, 0.05, 100))
    assert len(ax.lines) == 2
    beta = np.linspace(0.025, 0.5, 20)
    ax = plots.plot_flow(beta, 0.6 * beta + 0.18, 0.5 * beta + 0.2,
                         fit={"slope": 0.6, "intercept": 0.18},
                         recursion=(beta, 0.375 * np.log(np.cosh(4 * beta))),
                         measured_decimation=(beta, 1.3 * beta - 0.1),
                         fixed_points={"AE": 0.45, "recursion": 0.507, "missing": None},
                         beta_c=0.44069, recursion_twice=(beta, 0.5 * beta))
    assert len(ax.lines) == 7 + 2 + 1    # 7 data lines; 2 fixed points and beta_c as vlines
    assert_png(plots.save_figure(ax.figure, tmp_path / "flow.png"))
