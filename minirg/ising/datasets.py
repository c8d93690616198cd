"""Lattice datasets: one .npz file per set, with its JSON metadata inside.

A file holds int8 arrays (``spins`` (n, L, L) of +-1, and e.g. ``beta`` (n,),
``dec1`` (n, L, L/2), ``dec2`` (n, L/2, L/2)) plus an entry ``meta``: a JSON
string with L, beta, algorithm, seed, thermalisation, spacing, measured
tau_int, minirg version and a sha256 checksum of every array. Files are
written to a temporary name in the same folder and renamed into place, so a
final name never holds a partial file; zip entries carry a fixed timestamp,
so the same seed gives byte-identical files.
"""

import json
from pathlib import Path

import numpy as np

import minirg
from . import _npz
from minirg._checks import check_spins

__all__ = ["save_dataset", "load_dataset", "check_dataset", "make_datasets", "PAPER_SIZES"]

PAPER_SIZES = {"n_critical": 30_000, "n_wide": 50_000, "n_wide_test": 10_000,
               "n_grid": 1_000}


def save_dataset(path, arrays, meta):
    """Write arrays and metadata to one .npz file, atomically.

    Parameters
    ----------
    path : str or Path
        Destination (conventionally ending in .npz).
    arrays : dict name -> array
        Must hold ``spins`` (n, L, L) of +-1 (stored as int8); other arrays
        are stored as given (numeric, no objects).
    meta : dict
        JSON-serialisable metadata; ``checksums`` (sha256 per array),
        ``checksum`` (that of spins), ``format`` and ``minirg_version`` are
        added.

    Returns
    -------
    path : Path
    """
    path = Path(path)
    if "spins" not in arrays or "meta" in arrays:
        raise ValueError(f"arrays must contain 'spins' and no 'meta', got {sorted(arrays)}")
    arrays = {k: np.asarray(v) for k, v in arrays.items()}
    arrays["spins"] = check_spins(arrays["spins"])
    if arrays["spins"].ndim != 3:
        raise ValueError(f"spins must have shape (n, L, L), got {arrays['spins'].shape}")
    for name, arr in arrays.items():
        if arr.dtype.hasobject:
            raise ValueError(f"array {name!r} has object dtype; only numeric arrays are stored")
    meta = dict(meta, format=_npz.FORMAT, minirg_version=minirg.__version__,
                checksums={k: _npz.sha256(v) for k, v in arrays.items()})
    meta["checksum"] = meta["checksums"]["spins"]
    text = json.dumps(meta, sort_keys=True, default=_npz.json_default)
    path.parent.mkdir(parents=True, exist_ok=True)
    _npz.atomic_write(path, {**arrays, "meta": np.array(text)})
    return path


def load_dataset(path):
    """Read and validate a dataset written by `save_dataset`.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    arrays : dict name -> np.ndarray
        ``spins`` (n, L, L) int8 and any others (``beta``, ``dec1``, ...).
    meta : dict

    Raises
    ------
    FileNotFoundError
        If path does not exist.
    ValueError
        Naming the file and the problem: unreadable or truncated file,
        missing metadata, wrong shape/dtype/values, checksum mismatch.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"dataset file {path} does not exist")
    data, meta = _npz.read(path)
    _npz.validate(path, data, meta)
    return data, meta


def check_dataset(path):
    """Validate a dataset and return a short human-readable summary."""
    from .decimation import decimate
    from .observables import energy, magnetization, mean_error

    data, meta = load_dataset(path)
    spins = data["spins"]
    n, L = spins.shape[:2]
    lines = [f"{path}: OK (checksums verified)",
             f"  {n} lattices {L}x{L}; arrays " +
             ", ".join(f"{k} {v.shape} {v.dtype}" for k, v in data.items())]
    e = energy(spins)
    if "beta" in data:
        lines.append(f"  beta in [{data['beta'].min():.4f}, {data['beta'].max():.4f}], "
                     f"{np.unique(data['beta']).size} distinct")
    else:
        mean, err = mean_error(e, tau=0.5)
        lines.append(f"  beta {meta.get('beta')}: <e> = {mean:.5f} +- {err:.5f}")
        if isinstance(meta.get("beta"), float):
            from .exact import exact_energy
            lines[-1] += f" (exact {exact_energy(L, meta['beta']):.5f})"
    lines.append(f"  <|m|> = {np.abs(magnetization(spins)).mean():.4f}")
    for k in ("dec1", "dec2"):
        if k in data:
            same = np.array_equal(data[k], decimate(spins, int(k[-1])))
            lines.append(f"  {k} {'matches' if same else 'DIFFERS FROM'} decimate(spins, {k[-1]})")
    keys = ("algorithm", "seed", "thermalization", "spacing", "tau_E", "tau_absm",
            "minirg_version")
    lines.append("  " + ", ".join(f"{k}={meta[k]}" for k in keys if k in meta))
    return "\n".join(lines)


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
    for name, count in counts.items():
        if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 0:
            raise ValueError(f"n_{name} must be an integer >= 0, got {count!r}")
    return {name: int(count) for name, count in counts.items()}


def _critical_set(path, L, beta, n, seed, base, progress):
    """Lattices at one beta with both decimations, saved to path."""
    from .decimation import decimate
    from .mc import sample
    spins, info = sample(L, beta, n, seed=seed, progress=progress, return_info=True)
    arrays = {"spins": spins, "dec1": decimate(spins, 1), "dec2": decimate(spins, 2)}
    meta = _run_meta(info, **base, name=path.stem, beta=beta, n=n, stream_seed=seed)
    return save_dataset(path, arrays, meta)


def _labelled_set(path, L, betas, seed, base, progress, **desc):
    """One lattice per beta label (sample_betas), saved with the labels."""
    from .mc import sample_betas
    spins, info = sample_betas(L, betas, seed=seed, progress=progress, return_info=True)
    meta = _run_meta(info, **base, **desc, name=path.stem, n=betas.size, stream_seed=seed)
    return save_dataset(path, {"spins": spins, "beta": betas}, meta)


def make_datasets(out_dir, *, L=32, n_critical=PAPER_SIZES["n_critical"],
                  n_wide=PAPER_SIZES["n_wide"], n_wide_test=PAPER_SIZES["n_wide_test"],
                  n_grid=PAPER_SIZES["n_grid"], beta_critical=0.4352,
                  wide_range=(0.01, 0.6), grid_betas=None, seed=0, progress=True):
    """Generate the paper's lattice sets into out_dir (defaults: paper sizes).

    Writes critical.npz (spins, dec1, dec2 at beta_critical), wide.npz and
    wide_test.npz (spins and beta labels, beta uniform in wide_range, from
    different seed streams) and grid.npz (n_grid lattices at each grid beta,
    default linspace(0.025, 0.5, 20), with beta per lattice). A count of 0
    skips that set. Same seed, same files (byte for byte).

    Returns
    -------
    paths : dict name -> Path of the files written
    """
    from minirg._checks import check_L, check_beta, check_betas, check_seed
    L, seed = check_L(L), check_seed(seed)
    beta_critical = check_beta(beta_critical, "beta_critical")
    lo, hi = (check_beta(b, "wide_range") for b in wide_range)
    if hi <= lo:
        raise ValueError(f"wide_range must be (low, high) with high > low, got {wide_range!r}")
    grid = check_betas(np.linspace(0.025, 0.5, 20) if grid_betas is None else grid_betas)
    counts = _check_counts(dict(critical=n_critical, wide=n_wide, wide_test=n_wide_test,
                                grid=n_grid))
    seeds = dict(zip(counts, _stream_seeds(seed, 4)))
    base, out_dir, paths = {"L": L, "seed": seed}, Path(out_dir), {}
    if counts["critical"]:
        paths["critical"] = _critical_set(out_dir / "critical.npz", L, beta_critical,
                                          counts["critical"], seeds["critical"], base, progress)
    for name in ("wide", "wide_test"):
        if counts[name]:
            rng = np.random.default_rng([seeds[name], 1])   # labels: not the sampler's stream
            paths[name] = _labelled_set(out_dir / f"{name}.npz", L,
                                        rng.uniform(lo, hi, counts[name]), seeds[name],
                                        base, progress, beta_range=[lo, hi])
    if counts["grid"]:
        paths["grid"] = _labelled_set(out_dir / "grid.npz", L, np.repeat(grid, counts["grid"]),
                                      seeds["grid"], base, progress,
                                      grid_betas=grid.tolist(), n_per_beta=counts["grid"])
    return paths
