"""The paper's four lattice sets (critical, wide, wide_test, grid), made from a seed.

`make_datasets` samples them (`minirg.ising.sample`, `sample_betas`) and
writes each as a dataset file (`minirg.ising.dataset_file`); `dataset_specs`
says what configuration each file records and `check_spec` refuses a file
made by another.
"""

from pathlib import Path

import numpy as np

from minirg._checks import check_int
from minirg._io import read_npz, to_json

from .dataset_file import save_dataset

__all__ = ["make_datasets", "dataset_specs", "check_spec", "PAPER_SIZES"]

PAPER_SIZES = {"n_critical": 30_000, "n_wide": 50_000, "n_wide_test": 10_000,
               "n_grid": 1_000}


def _stream_seeds(seed, k):
    """k independent integer seeds derived from one seed (SeedSequence.spawn)."""
    return [int(s.generate_state(1, np.uint32)[0])
            for s in np.random.SeedSequence(seed).spawn(k)]


def _run_meta(info, **extra):
    """Metadata of one sampled set: the sampler info without per-run noise."""
    keep = ("algorithm", "step", "chains", "thermalization", "spacing", "tau_E",
            "tau_absm", "block", "sweeps_per_step", "pilots", "beta_step_tolerance",
            "k_spacing", "k_therm")
    return {**{k: info[k] for k in keep if k in info}, **extra}


def _check_counts(counts):
    """Set sizes: integers >= 0 (0 skips the set)."""
    return {name: check_int(count, f"n_{name}", 0) for name, count in counts.items()}


def _critical_set(path, L, beta, n, seed, base, progress, algorithm):
    """Lattices at one beta with both decimations, saved to path."""
    from .decimation import decimate
    from .mc import sample
    spins, info = sample(L, beta, n, seed=seed, algorithm=algorithm, progress=progress,
                         return_info=True)
    arrays = {"spins": spins, "dec1": decimate(spins, 1), "dec2": decimate(spins, 2)}
    meta = _run_meta(info, **base, name=path.stem, beta=beta, n=n, stream_seed=seed)
    return save_dataset(path, arrays, meta)


def _labelled_set(path, L, betas, seed, base, progress, algorithm, **desc):
    """One lattice per beta label (sample_betas), saved with the labels."""
    from .mc import sample_betas
    spins, info = sample_betas(L, betas, seed=seed, algorithm=algorithm, progress=progress,
                               return_info=True)
    meta = _run_meta(info, **base, **desc, name=path.stem, n=betas.size, stream_seed=seed)
    return save_dataset(path, {"spins": spins, "beta": betas}, meta)


def _arguments(L, n_critical, n_wide, n_wide_test, n_grid, beta_critical, wide_range,
               grid_betas, seed, algorithm):
    """`make_datasets`' arguments checked and normalised, and the spec of each set."""
    from minirg._checks import check_L, check_beta, check_betas, check_seed
    from .tuning import resolve_algorithm
    L, seed = check_L(L), check_seed(seed)
    beta_critical = check_beta(beta_critical, "beta_critical")
    if not isinstance(wide_range, (tuple, list)) or len(wide_range) != 2:
        raise ValueError(f"wide_range must be (low, high), got {wide_range!r}")
    lo, hi = (check_beta(b, "wide_range") for b in wide_range)
    if hi <= lo:
        raise ValueError(f"wide_range must be (low, high) with high > low, got {wide_range!r}")
    grid = check_betas(np.linspace(0.025, 0.5, 20) if grid_betas is None else grid_betas)
    resolve_algorithm(algorithm, beta_critical)                 # ValueError if unknown
    counts = _check_counts(dict(critical=n_critical, wide=n_wide, wide_test=n_wide_test,
                                grid=n_grid))
    base = {"L": L, "seed": seed, "algorithm": algorithm}
    specs = {"critical": {"beta": beta_critical}, "wide": {"beta_range": [lo, hi]},
             "wide_test": {"beta_range": [lo, hi]},
             "grid": {"grid_betas": grid.tolist(), "n_per_beta": counts["grid"]}}
    specs = {k: {"kind": k, **base, "n": counts[k], **v} for k, v in specs.items()}
    return L, seed, beta_critical, (lo, hi), grid, counts, specs


def dataset_specs(*, L=32, n_critical=PAPER_SIZES["n_critical"],
                  n_wide=PAPER_SIZES["n_wide"], n_wide_test=PAPER_SIZES["n_wide_test"],
                  n_grid=PAPER_SIZES["n_grid"], beta_critical=0.4352, wide_range=(0.01, 0.6),
                  grid_betas=None, seed=0, algorithm="auto"):
    """{name: spec}: what `make_datasets` with these arguments records in each file.

    A spec (``meta["spec"]``) is the configuration that made a file: kind, L,
    seed, algorithm, size and beta settings; `check_spec` compares it.
    """
    return _arguments(L, n_critical, n_wide, n_wide_test, n_grid, beta_critical,
                      wide_range, grid_betas, seed, algorithm)[-1]


def _legacy_spec(meta):
    """The spec of a file from before specs were recorded, rebuilt from its metadata.

    Such files were all sampled with algorithm "auto" (nothing else was possible).
    """
    keys = ("L", "seed", "n", "beta", "beta_range", "grid_betas", "n_per_beta")
    spec = {"kind": meta.get("name"), "algorithm": "auto",
            **{k: meta[k] for k in keys if k in meta}}
    if "n_per_beta" in meta:        # a grid's spec counts lattices per beta, its meta in all
        spec["n"] = meta["n_per_beta"]
    return spec


def check_spec(path, spec):
    """ValueError (one line naming the file) unless the dataset at path was made by ``spec``.

    Only the metadata is read.
    """
    meta = read_npz(path, docs=("meta",), only=())[1]["meta"]
    if not isinstance(meta, dict):
        raise ValueError(f"{str(path)!r}: metadata must be a JSON object, got "
                         f"{type(meta).__name__}")
    saved = meta.get("spec") or _legacy_spec(meta)
    spec = to_json(spec)[0]
    diff = [k for k in spec if saved.get(k) != spec[k]]
    if diff:
        there = ", ".join(f"{k}={saved.get(k)!r}" for k in diff)
        here = ", ".join(f"{k}={spec[k]!r}" for k in diff)
        raise ValueError(f"dataset {str(path)!r} was made with {there}, but this run needs "
                         f"{here}; delete it or choose another --out")


def make_datasets(out_dir, *, L=32, n_critical=PAPER_SIZES["n_critical"],
                  n_wide=PAPER_SIZES["n_wide"], n_wide_test=PAPER_SIZES["n_wide_test"],
                  n_grid=PAPER_SIZES["n_grid"], beta_critical=0.4352,
                  wide_range=(0.01, 0.6), grid_betas=None, seed=0, algorithm="auto",
                  progress=True):
    """Generate the paper's lattice sets into out_dir (defaults: paper sizes).

    Writes critical.npz (spins, dec1, dec2 at beta_critical), wide.npz and
    wide_test.npz (spins and beta labels, beta uniform in wide_range, from
    different seed streams) and grid.npz (n_grid lattices at each grid beta,
    default linspace(0.025, 0.5, 20), with beta per lattice), sampled with
    ``algorithm`` (see `minirg.ising.sample`). A count of 0 skips that set;
    each set has its own seed stream, so making one set alone gives the same
    file as making all four. Same seed, same files (byte for byte). Each
    file's metadata holds its spec (see `dataset_specs`).

    Returns
    -------
    paths : dict name -> Path of the files written
    """
    L, seed, beta_critical, (lo, hi), grid, counts, specs = _arguments(
        L, n_critical, n_wide, n_wide_test, n_grid, beta_critical, wide_range, grid_betas,
        seed, algorithm)
    seeds = dict(zip(counts, _stream_seeds(seed, 4)))
    out_dir, paths = Path(out_dir), {}
    base = {name: {"L": L, "seed": seed, "spec": spec} for name, spec in specs.items()}
    if counts["critical"]:
        paths["critical"] = _critical_set(out_dir / "critical.npz", L, beta_critical,
                                          counts["critical"], seeds["critical"],
                                          base["critical"], progress, algorithm)
    for name in ("wide", "wide_test"):
        if counts[name]:
            rng = np.random.default_rng([seeds[name], 1])   # labels: not the sampler's stream
            paths[name] = _labelled_set(out_dir / f"{name}.npz", L,
                                        rng.uniform(lo, hi, counts[name]), seeds[name],
                                        base[name], progress, algorithm, beta_range=[lo, hi])
    if counts["grid"]:
        paths["grid"] = _labelled_set(out_dir / "grid.npz", L, np.repeat(grid, counts["grid"]),
                                      seeds["grid"], base["grid"], progress, algorithm,
                                      grid_betas=grid.tolist(), n_per_beta=counts["grid"])
    return paths
