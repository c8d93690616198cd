"""The .npz container of minirg datasets: deterministic, atomic, checksummed.

Entries are uncompressed .npy files with a fixed zip timestamp (so equal
arrays give equal bytes) plus ``meta``, a 0-d string array holding JSON.
"""

import hashlib
import json
import zipfile

import numpy as np

from minirg._io import atomic_file

FORMAT = "minirg-dataset-1"
_EPOCH = (1980, 1, 1, 0, 0, 0)          # fixed zip timestamp: reproducible bytes


def sha256(arr):
    """sha256 hex digest of an array's C-order bytes."""
    return hashlib.sha256(np.ascontiguousarray(arr).tobytes()).hexdigest()


def json_default(obj):
    """JSON for NumPy scalars and arrays that slip into metadata."""
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"metadata value {obj!r} of type {type(obj).__name__} is not JSON")


def write_npz(fileobj, arrays):
    """Uncompressed .npz (readable by np.load) with fixed entry timestamps."""
    with zipfile.ZipFile(fileobj, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, arr in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_EPOCH)
            with zf.open(info, "w", force_zip64=True) as f:
                np.lib.format.write_array(f, np.asarray(arr, order="C"), allow_pickle=False)


def atomic_write(path, arrays):
    """Write arrays as .npz to a temporary file beside path, then rename it in.

    A crash or error leaves either the old file or none, never a partial one.
    """
    with atomic_file(path) as f:
        write_npz(f, arrays)


def read(path):
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


def validate(path, data, meta):
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
        if sha256(arr) != sums[name]:
            raise ValueError(f"{path}: checksum mismatch for {name!r}: the file is "
                             f"corrupt or was modified")
