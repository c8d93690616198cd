"""The analysis stage of a run: every number and array behind the figures and the report.

``run_analysis(run_dir, cfg)`` reads the run's datasets and trained models,
writes ``DIR/analysis/arrays.npz`` (the contract in
:mod:`minirg.analysis.figures`), then ``DIR/results.json`` (the training
part, from ``minirg.pipeline.collect_results``, merged with the analysis
part; :mod:`minirg.analysis.report` has the schema) and finally the figures,
which read both files.  ``minirg.pipeline.analyse`` then adds the timings,
rewrites ``results.json`` and writes ``REPORT.md``.

Steps (``L`` = lattice side, ``n`` = grid lattices):

- reconstructions: the first ``analysis.n_recon`` lattices of the critical
  set's validation slice (its last ``train.validation_split`` fraction, as
  in training) through Models 1, 2, 2-CG and 3;
- weights: the encoder kernels of cg1, cg2 and Model-1, their statistics,
  and those of the hard-coded decimation matrices;
- grid: AE-WR outputs (n, L*L) of the grid lattices, as sign and stochastic
  spins, the two-step decimations (n, L/2, L/2), their local entropies, and
  one 2 x 2 majority-rule step (n, L/2, L/2), ties broken by a coin seeded
  with the run's seed;
- beta-net: predictions on its test set and on the AE-WR outputs (sign and
  raw); ``energy_beta`` of the decimated and of the input lattices;
- fixed points of the flows (the paper's line fits, :mod:`.fixed_points`);
- the flow under control (:mod:`.flow_controls`): beta-net, symmetrised
  beta-net and energy MLE on the identity, AE-WR (sign, stochastic) and
  decimation maps, the energy MLE on the majority-rule map, the calibrated
  flow and the iterated map;
- a few notes computed from the data.

Entropy, weights and flow are typed results (:mod:`.results`,
``FlowResult``), computed once here; figures and the report only render
their JSON.
"""

import sys
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from minirg._backend import to_numpy
from minirg._io import read_json, write_json, write_npz
from minirg.analysis.correlation import weight_stats
from minirg.analysis.entropy import entropy_by_beta, to_spins
from minirg.analysis.figures import ARRAYS, make_all_figures
from minirg.analysis.fixed_points import fixed_points
from minirg.analysis.flow import beta_from_energy, energy_beta, mean_by_beta
from minirg.analysis.flow_controls import flow_analysis
from minirg.analysis.results import EntropyResult, WeightsResult
from minirg.analysis.notes import run_notes
from minirg.config import stage_seed
from minirg.nn.train import split_point

__all__ = ["run_analysis", "RECON_MODELS"]

RECON_MODELS = ("model1", "model2", "model2_cg", "model3")
_BATCH = 512                       # rows per predict batch: memory, not numerics


class _Run:
    """A run directory's config, datasets and models, each loaded once, on cfg's device."""

    def __init__(self, run_dir, cfg):
        self.dir, self.cfg, self.L = Path(run_dir), cfg, int(cfg["L"])
        self._data, self._models = {}, {}
        self.ae_sign = self.ae_raw = None      # (n, L, L) AE-WR grid outputs, from _grid
        self.maps = None                       # map name -> grid lattices after it, from _grid
        self.flow = None                       # the FlowResult, from _flow_controls
        self.entropy = self.weights = None     # EntropyResult, WeightsResult

    def data(self, name):
        """Arrays of DIR/data/NAME.npz (validated by ``load_dataset``)."""
        if name not in self._data:
            from minirg.ising.dataset_file import load_dataset
            self._data[name] = load_dataset(self.dir / "data" / f"{name}.npz")[0]
        return self._data[name]

    def model(self, name):
        """The trained model DIR/models/NAME.npz; on the GPU if cfg["device"] is "gpu"."""
        if name not in self._models:
            from minirg.nn import Sequential
            path = self.dir / "models" / f"{name}.npz"
            if not path.exists():
                raise FileNotFoundError(f"model {name!r} is not trained yet "
                                        f"({str(path)!r} is missing)")
            model = Sequential.load(path)
            if self.cfg["device"] == "gpu":
                from minirg._backend import namespace_for
                model = model.to(namespace_for("gpu"))
            self._models[name] = model
        return self._models[name]

    def predict(self, name, x):
        """Host outputs of model NAME.   x: (n, ...) -> (n, d_out) float NumPy."""
        x = x.reshape(x.shape[0], -1)
        return to_numpy(self.model(name).predict(x, batch_size=_BATCH))

    def seed(self, what):
        return stage_seed(int(self.cfg["seed"]), f"analysis/{what}")


def _reconstructions(run, arrays, parts):
    """recon_input (k, L, L) from the critical validation slice; recon_<model> (k, L*L)."""
    spins = run.data("critical")["spins"]
    n_train = split_point(len(spins), run.cfg["train"]["validation_split"])
    x = spins[n_train:][:max(1, int(run.cfg["analysis"]["n_recon"]))]
    arrays["recon_input"] = np.asarray(x)
    for name in RECON_MODELS:
        arrays[f"recon_{name}"] = run.predict(name, x).astype(np.float32)


def _weights(run, arrays, parts):
    """W1_cg, W1_ae (L^2, L^2/2), W2_cg, W2_ae (L^2/2, L^2/4); parts["weights"]."""
    from minirg.ising import decimation_matrix
    L = run.L
    kernels = {"W1_cg": run.model("cg1").layers[0].W, "W1_ae": run.model("model1").layers[0].W,
               "W2_cg": run.model("cg2").layers[0].W, "W2_ae": run.model("model1").layers[1].W}
    for key, W in kernels.items():
        arrays[key] = to_numpy(W)
    # Offsets 1 and L: a spin's lattice neighbours (row-major); L/2 and L are the
    # paper's +-16, +-32 for L = 32, kept for its figures.
    offsets = (1, L // 2, L)
    stats = {f"{who}_{layer}": weight_stats(arrays[f"{layer}_{who}"], offsets=offsets)
             for layer in ("W1", "W2") for who in ("cg", "ae")}
    stats["hcg_W1"] = weight_stats(decimation_matrix(L, 1), offsets=offsets)
    stats["hcg_W2"] = weight_stats(decimation_matrix(L, 2), offsets=offsets)
    run.weights = WeightsResult(stats, offsets)
    parts["weights"] = run.weights.to_json()


def _panel_rows(beta):
    """Indices of one lattice at the smallest, middle and largest grid beta.  beta: (n,)."""
    keys = np.unique(beta)
    picks = np.unique(keys[[0, (len(keys) - 1) // 2, len(keys) - 1]])
    return np.array([int(np.flatnonzero(beta == b)[0]) for b in picks])


def _grid(run, arrays, parts):
    """AE-WR outputs, sign/stochastic spins and decimations of the grid; parts["entropy"]."""
    from minirg.ising import decimate, majority
    grid = run.data("grid")
    spins, beta = np.asarray(grid["spins"]), np.asarray(grid["beta"], dtype=np.float64)
    n, L = spins.shape[0], run.L
    out = run.predict("ae_wr", spins).reshape(n, L, L)          # raw decoder outputs
    ae_sign = to_spins(out, "sign")
    dec = decimate(spins, steps=2)                              # (n, L/2, L/2)
    curves = {"input": spins, "ae": ae_sign,
              "ae_quantized": to_spins(out, "quantize", seed=run.seed("quantize")), "rg": dec}
    # Majority ties take the run's own seed, not a stage seed: the coin STUDY.md
    # used when it computed this flow itself, so old and new studies agree.
    run.maps = {"identity": spins, "ae_sign": ae_sign,
                "ae_stochastic": curves["ae_quantized"], "decimation": dec,
                "majority": majority(spins, 2, int(run.cfg["seed"]))}
    by_beta = {name: entropy_by_beta(lattices, beta) for name, lattices in curves.items()}
    run.entropy = EntropyResult(by_beta["input"][0], {k: h for k, (_, h) in by_beta.items()})
    parts["entropy"] = run.entropy.to_json()
    rows = _panel_rows(beta)
    arrays.update(grid_beta=beta, panel_beta=beta[rows], panel_input=spins[rows],
                  panel_ae=out[rows], panel_dec=dec[rows],
                  dec_beta_est=energy_beta(dec), grid_beta_est_input=energy_beta(spins))
    # One beta per grid point from the mean energy: free of the small-lattice bias
    # of averaging per-lattice estimates (which grows near beta_c at side L/2).
    from minirg.ising import energy_per_spin
    _, u = mean_by_beta(energy_per_spin(dec), beta)
    arrays["dec_beta_pooled"] = beta_from_energy(u, L // 2)
    run.ae_sign, run.ae_raw = ae_sign, out                     # for the beta-net step


def _beta_net(run, arrays, parts):
    """test_beta, test_pred (n_test,); grid_pred_sign, grid_pred_raw (n,)."""
    test = run.data("wide_test")
    arrays["test_beta"] = np.asarray(test["beta"], dtype=np.float64)
    arrays["test_pred"] = run.predict("beta_net", test["spins"])[:, 0].astype(np.float64)
    for variant, x in (("sign", run.ae_sign), ("raw", run.ae_raw)):
        arrays[f"grid_pred_{variant}"] = run.predict("beta_net", x)[:, 0].astype(np.float64)


def _flow_controls(run, arrays, parts):
    """parts["flow"]: both thermometers on every map, calibration, the iterated map."""
    L, a = run.L, run.cfg["analysis"]

    def predict_beta(x):
        return run.predict("beta_net", x)[:, 0].astype(np.float64)

    def ae_sign_map(x):
        return to_spins(run.predict("ae_wr", x).reshape(x.shape[0], L, L), "sign")

    run.flow = flow_analysis(arrays["grid_beta"], run.maps, predict_beta, ae_sign_map,
                             n_boot=int(a["n_boot"]), seed=run.seed("flow"),
                             iterations=int(a["iterations"]))
    parts["flow"] = run.flow.to_json()


def _fixed_points(run, arrays, parts):
    """parts["fixed_points"]: the recursion's, the AE-WR flow's, the decimation's."""
    a = run.cfg["analysis"]
    parts["fixed_points"] = fixed_points(
        arrays, head=a["beta_net_input"], n_boot=int(a["n_boot"]), seed=run.seed("boot"),
        beta_critical=float(run.cfg["data"]["beta_critical"]))


def _save_arrays(run_dir, arrays):
    """Write DIR/analysis/arrays.npz atomically (host NumPy arrays only)."""
    write_npz(Path(run_dir) / ARRAYS, {k: to_numpy(v) for k, v in arrays.items()})


def _write_results(run_dir, cfg, parts, results):
    """DIR/results.json = the training part (``results``, else the file's) + ``parts``.

    The figures read results.json (loss curves, entropy, fixed points), and
    ``pipeline.analyse`` writes its final version only after this stage.
    """
    path = Path(run_dir) / "results.json"
    if results is None:
        results = read_json(path) if path.exists() else {"config": cfg}
    write_json(path, {**results, **parts})


def _check_config(cfg):
    """Every analysis key of the current DEFAULTS, named if absent (an older run's config)."""
    from minirg.config import DEFAULTS
    missing = [f"analysis.{k}" for k in DEFAULTS["analysis"] if k not in cfg.get("analysis", {})]
    if missing:
        raise ValueError(f"the run's configuration lacks {', '.join(missing)} (made by an "
                         "older minirg); rerun `minirg reproduce` into a new --out")


_STEPS = (("reconstructions", _reconstructions), ("weights", _weights),
          ("grid and entropy", _grid), ("beta-net", _beta_net),
          ("fixed points", _fixed_points), ("flow under control", _flow_controls))


def run_analysis(run_dir, cfg, progress=True, results=None):
    """Compute the analysis of a trained run and make its figures.

    Parameters
    ----------
    run_dir : str or Path
        A run directory with DIR/data/*.npz and every DIR/models/NAME.npz.
    cfg : dict
        Its resolved configuration (``DIR/config.json``).
    progress : bool
        A tqdm bar over the steps, on stderr.
    results : dict, optional
        The training part of results.json (`pipeline.collect_results`); by
        default the DIR/results.json that `reproduce` wrote after training.

    Returns
    -------
    parts : dict
        The analysis keys of results.json: ``weights``, ``entropy``,
        ``fixed_points``, ``notes`` (schema in :mod:`minirg.analysis.report`).
    figures : dict
        Figure name -> PNG path relative to ``run_dir`` (``make_all_figures``).
    """
    _check_config(cfg)
    run, arrays, parts = _Run(run_dir, cfg), {}, {}
    with tqdm(total=len(_STEPS) + 1, desc="analysis", disable=not progress,
              file=sys.stderr) as bar:
        for name, step in _STEPS:
            bar.set_postfix_str(name)
            step(run, arrays, parts)
            bar.update()
        parts["notes"] = run_notes(arrays, parts["fixed_points"])
        _save_arrays(run_dir, arrays)
        _write_results(run_dir, cfg, parts, results)
        bar.set_postfix_str("figures")
        figures = make_all_figures(str(run_dir))
        bar.update()
    return parts, figures
