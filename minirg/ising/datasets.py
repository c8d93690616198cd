"""Lattice datasets: one .npz file per set, with its JSON metadata inside.

A file holds int8 arrays (``spins`` (n, L, L) of +-1, and e.g. ``beta`` (n,),
``dec1`` (n, L, L/2), ``dec2`` (n, L/2, L/2)) plus an entry ``meta``: a JSON
string with L, beta, algorithm, seed, thermalisation, spacing, measured
tau_int, minirg version and a sha256 checksum of every array. Files are
written to a temporary name in the same folder and renamed into place, so a
final name never holds a partial file; zip entries carry a fixed timestamp,
so the same seed gives byte-identical files.
"""

import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

import minirg
from ._checks import check_spins

__all__ = ["save_dataset", "load_dataset", "check_dataset", "make_datasets", "PAPER_SIZES"]

FORMAT = "minirg-dataset-1"
PAPER_SIZES = {"n_critical": 30_000, "n_wide": 50_000, "n_wide_test": 10_000,
               "n_grid": 1_000}
_EPOCH = (1980, 1, 1, 0, 0, 0)          # fixed zip timestamp: reproducible bytes


def _sha256(arr):
    """sha256 hex digest of an array's C-order bytes."""
    return hashlib.sha256(np.ascontiguousarray(arr).tobytes()).hexdigest()


def _json_default(obj):
    """JSON for NumPy scalars and arrays that slip into metadata."""
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"metadata value {obj!r} of type {type(obj).__name__} is not JSON")


def _write_npz(fileobj, arrays):
    """Uncompressed .npz (readable by np.load) with fixed entry timestamps."""
    with zipfile.ZipFile(fileobj, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, arr in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_EPOCH)
            with zf.open(info, "w", force_zip64=True) as f:
                np.lib.format.write_array(f, np.asarray(arr, order="C"), allow_pickle=False)


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
                checksums={k: _sha256(v) for k, v in arrays.items()})
    meta["checksum"] = meta["checksums"]["spins"]
    text = json.dumps(meta, sort_keys=True, default=_json_default)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            _write_npz(f, {**arrays, "meta": np.array(text)})
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)          # mkstemp makes 0600; use the usual mode
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)                     # never leave the partial file behind
        raise
    return path


def _read(path):
    """All entries of the .npz and the parsed metadata; ValueError if unreadable."""
    try:
        with np.load(path, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
    except Exception as exc:               # zip, CRC, header and format errors alike
        raise ValueError(f"{path}: not a readable .npz dataset ({exc})") from exc
    if "meta" not in data:
        raise ValueError(f"{path}: no 'meta' entry; not a minirg dataset")
    try:
        meta = json.loads(data.pop("meta").item())
    except (json.JSONDecodeError, ValueError, TypeError) as exc:
        raise ValueError(f"{path}: metadata is not valid JSON ({exc})") from exc
    return data, meta


def _validate(path, data, meta):
    """Shapes, dtypes, values and checksums; ValueError naming what is wrong."""
    spins = data.get("spins")
    if spins is None:
        raise ValueError(f"{path}: no 'spins' array")
    if spins.ndim != 3 or spins.shape[1] != spins.shape[2]:
        raise ValueError(f"{path}: spins must have shape (n, L, L), got {spins.shape}")
    if spins.dtype != np.int8:
        raise ValueError(f"{path}: spins must be int8, got {spins.dtype}")
    if not (np.abs(spins) == 1).all():
        raise ValueError(f"{path}: spins must be +-1, found value "
                         f"{spins[np.abs(spins) != 1].ravel()[0]}")
    n, L = spins.shape[:2]
    expected = {"beta": (n,), "dec1": (n, L, L // 2), "dec2": (n, L // 2, L // 2)}
    for name, shape in expected.items():
        if name in data and data[name].shape != shape:
            raise ValueError(f"{path}: {name} must have shape {shape}, got {data[name].shape}")
    if "beta" in data and not (np.isfinite(data["beta"]).all() and (data["beta"] > 0).all()):
        raise ValueError(f"{path}: beta labels must be finite and > 0")
    sums = meta.get("checksums")
    if not isinstance(sums, dict) or set(sums) != set(data):
        raise ValueError(f"{path}: metadata checksums {sorted(sums or {})} do not list "
                         f"the stored arrays {sorted(data)}")
    for name, arr in data.items():
        if _sha256(arr) != sums[name]:
            raise ValueError(f"{path}: checksum mismatch for {name!r}: the file is "
                             f"corrupt or was modified")


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
    data, meta = _read(path)
    _validate(path, data, meta)
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
    from .decimation import decimate
    from .mc import sample, sample_betas
    from ._checks import check_L, check_beta, check_betas, check_seed

    L, seed = check_L(L), check_seed(seed)
    beta_critical = check_beta(beta_critical, "beta_critical")
    lo, hi = (check_beta(b, "wide_range") for b in wide_range)
    if hi <= lo:
        raise ValueError(f"wide_range must be (low, high) with high > low, got {wide_range!r}")
    grid = check_betas(np.linspace(0.025, 0.5, 20) if grid_betas is None else grid_betas)
    counts = dict(critical=n_critical, wide=n_wide, wide_test=n_wide_test, grid=n_grid)
    for name, count in counts.items():
        if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 0:
            raise ValueError(f"n_{name} must be an integer >= 0, got {count!r}")
    seeds = dict(zip(counts, _stream_seeds(seed, 4)))
    base = {"L": L, "seed": seed}
    out_dir, paths = Path(out_dir), {}
    if n_critical:
        spins, info = sample(L, beta_critical, n_critical, seed=seeds["critical"],
                             progress=progress, return_info=True)
        arrays = {"spins": spins, "dec1": decimate(spins, 1), "dec2": decimate(spins, 2)}
        meta = _run_meta(info, **base, name="critical", beta=beta_critical, n=n_critical,
                         stream_seed=seeds["critical"])
        paths["critical"] = save_dataset(out_dir / "critical.npz", arrays, meta)
    for name in ("wide", "wide_test", "grid"):
        if not counts[name]:
            continue
        rng = np.random.default_rng([seeds[name], 1])   # labels: not the sampler's stream
        betas = (np.repeat(grid, counts[name]) if name == "grid"
                 else rng.uniform(lo, hi, counts[name]))
        spins, info = sample_betas(L, betas, seed=seeds[name], progress=progress,
                                   return_info=True)
        rng_desc = ({"grid_betas": grid.tolist(), "n_per_beta": counts[name]}
                    if name == "grid" else {"beta_range": [lo, hi]})
        meta = _run_meta(info, **base, **rng_desc, name=name, n=betas.size,
                         stream_seed=seeds[name])
        paths[name] = save_dataset(out_dir / f"{name}.npz",
                                   {"spins": spins, "beta": betas}, meta)
    return paths
