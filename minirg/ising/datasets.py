"""Lattice datasets: one .npz file per set, with its JSON metadata inside.

A file holds int8 arrays (``spins`` (n, L, L) of +-1, ``dec1`` (n, L, L/2),
``dec2`` (n, L/2, L/2)) and float ``beta`` (n,) labels, as `KINDS` says per
set, plus an entry ``meta``: a JSON string with L, beta, algorithm, seed,
thermalisation, spacing, measured tau_int, minirg version, a sha256 checksum
of every array and ``spec``, the configuration that made the file (see
`dataset_specs`; a run refuses a file made by another). Files are
written to a temporary name in the same folder and renamed into place, so a
final name never holds a partial file; zip entries carry a fixed timestamp,
so the same seed gives byte-identical files.
"""

from pathlib import Path

import numpy as np

import minirg
from minirg._checks import check_int, check_spins
from minirg._io import read_npz, sha256, to_json, write_npz

__all__ = ["save_dataset", "load_dataset", "check_dataset", "make_datasets", "dataset_specs",
           "check_spec", "PAPER_SIZES", "KINDS"]

FORMAT = "minirg-dataset-1"
PAPER_SIZES = {"n_critical": 30_000, "n_wide": 50_000, "n_wide_test": 10_000,
               "n_grid": 1_000}
# The arrays each kind of dataset must hold (its name in meta, or its file name).
KINDS = {"critical": ("spins", "dec1", "dec2"), "wide": ("spins", "beta"),
         "wide_test": ("spins", "beta"), "grid": ("spins", "beta")}


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
    meta = dict(meta, format=FORMAT, minirg_version=minirg.__version__,
                checksums={k: sha256(v) for k, v in arrays.items()})
    meta["checksum"] = meta["checksums"]["spins"]
    meta = dict(sorted(to_json(meta)[0].items()))     # stable bytes: sorted keys
    return write_npz(path, arrays, {"meta": meta})


def load_dataset(path, kind=None):
    """Read and validate a dataset written by `save_dataset`.

    Parameters
    ----------
    path : str or Path
    kind : {"critical", "wide", "wide_test", "grid"}, optional
        The arrays the file must hold (`KINDS`); by default the kind its
        metadata names, else its file name's, else only ``spins``.

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
        Naming the file and the problem: unreadable or truncated file, .npy
        headers that do not match the bytes stored, missing or malformed
        metadata, missing arrays, wrong shape/dtype/values, checksum mismatch.
    """
    path = Path(path)
    if not path.is_file():
        if path.exists():
            raise ValueError(f"dataset file {str(path)!r} is not a file")
        raise FileNotFoundError(f"dataset file {str(path)!r} does not exist")
    data, docs = read_npz(path, docs=("meta",))
    meta = docs["meta"]
    if not isinstance(meta, dict):
        raise ValueError(f"{str(path)!r}: metadata must be a JSON object, got "
                         f"{type(meta).__name__}")
    if kind is None:
        kind = next((k for k in (meta.get("name"), path.stem) if k in KINDS), None)
    _validate(path, data, meta, KINDS.get(kind, ("spins",)))
    return data, meta


def _validate(path, data, meta, required):
    """Arrays, shapes, dtypes, values and checksums; ValueError naming what is wrong."""
    where = str(path)
    missing = [k for k in required if k not in data]
    if missing:
        raise ValueError(f"{where!r}: no {missing[0]!r} array (this kind of dataset needs "
                         f"{', '.join(required)})")
    spins = data["spins"]
    if spins.ndim != 3 or spins.shape[1] != spins.shape[2]:
        raise ValueError(f"{where!r}: spins must have shape (n, L, L), got {spins.shape}")
    n, L = spins.shape[:2]
    expected = {"spins": (n, L, L), "beta": (n,), "dec1": (n, L, L // 2),
                "dec2": (n, L // 2, L // 2)}
    for name, shape in expected.items():
        if name not in data:
            continue
        arr = data[name]
        if arr.shape != shape:
            raise ValueError(f"{where!r}: {name} must have shape {shape}, got {arr.shape}")
        if name == "beta":
            if arr.dtype.kind != "f":
                raise ValueError(f"{where!r}: beta must be floating point, got {arr.dtype}")
            if not (np.isfinite(arr).all() and (arr > 0).all()):
                raise ValueError(f"{where!r}: beta labels must be finite and > 0")
        elif arr.dtype != np.int8:
            raise ValueError(f"{where!r}: {name} must be int8, got {arr.dtype}")
        elif not (np.abs(arr) == 1).all():
            raise ValueError(f"{where!r}: {name} must be +-1, found value "
                             f"{arr[np.abs(arr) != 1].ravel()[0]}")
    sums = meta.get("checksums")
    if not isinstance(sums, dict) or set(sums) != set(data):
        raise ValueError(f"{where!r}: metadata checksums {sorted(sums or {})} do not list "
                         f"the stored arrays {sorted(data)}")
    for name, arr in data.items():
        if sha256(arr) != sums[name]:
            raise ValueError(f"{where!r}: checksum mismatch for {name!r}: the file is "
                             f"corrupt or was modified")


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
