"""The dataset file: one .npz per set of lattices, its JSON metadata inside.

A file holds int8 arrays (``spins`` (n, L, L) of +-1, ``dec1`` (n, L, L/2),
``dec2`` (n, L/2, L/2)) and float ``beta`` (n,) labels, as `KINDS` says per
set, plus an entry ``meta``: a JSON string with L, beta, algorithm, seed,
thermalisation, spacing, measured tau_int, minirg version, a sha256 checksum
of every array and ``spec``, the configuration that made the file (see
`minirg.ising.datasets.dataset_specs`; a run refuses a file made by another).
Files are written to a temporary name in the same folder and renamed into
place, so a final name never holds a partial file; zip entries carry a fixed
timestamp, so the same seed gives byte-identical files. Making the paper's
four sets is `minirg.ising.datasets`.
"""

from pathlib import Path

import numpy as np

import minirg
from minirg._checks import check_spins
from minirg._io import read_npz, sha256, to_json, write_npz

__all__ = ["save_dataset", "load_dataset", "check_dataset", "KINDS", "FORMAT"]

FORMAT = "minirg-dataset-1"
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
