"""Files, written one way: atomic, strict JSON, checked .npz.

* `atomic_path` / `atomic_file`: nothing half-written ever sits under a final
  file name; `remove_stale_temps` deletes what a killed process left behind.
* `write_json` / `read_json`: strict JSON (NaN and infinities become null and
  are reported, never written as the non-JSON ``NaN``).
* `write_npz` / `read_npz`: uncompressed, byte-reproducible .npz files with
  JSON documents inside; reading checks every .npy header against the bytes
  stored before allocating anything.
"""

import contextlib
import hashlib
import json
import math
import os
import re
import tempfile
import zipfile
from pathlib import Path

import numpy as np

__all__ = ["atomic_path", "atomic_file", "remove_stale_temps", "to_json", "dumps",
           "write_json", "read_json", "write_npz", "read_npz", "npz_headers", "sha256"]

_TEMP = re.compile(r"^\..+\.tmp(\d+)-[a-z0-9_]{8}(\.[^.]*)?$")   # mkstemp's 8 random chars
_EPOCH = (1980, 1, 1, 0, 0, 0)          # fixed zip timestamp: reproducible bytes


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; on success rename it onto ``path``.

    The temporary name ``.STEM.tmpPID-XXXXXXXX.SUFFIX`` keeps the final suffix
    (``np.savez`` and ``savefig`` go by it) and the writer's process id, so
    `remove_stale_temps` can tell a dead writer's file from a live one's.  On
    any error, KeyboardInterrupt included, the temporary file is removed and
    ``path`` keeps its old content, if any.  An OSError (disk full, read-only
    folder) is re-raised naming ``path``.
    """
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.tmp{os.getpid()}-",
                                   suffix=path.suffix)
        os.close(fd)
        yield Path(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)          # mkstemp makes 0600; use the usual mode
        os.replace(tmp, path)
    except OSError as err:
        if str(path) in str(err):
            raise
        new = OSError(f"cannot write {str(path)!r}: {err.strerror or err}")
        new.errno = err.errno
        raise new from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.remove(tmp)


@contextlib.contextmanager
def atomic_file(path):
    """Yield a binary file object whose content replaces ``path`` only once complete."""
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        yield f
        f.flush()
        os.fsync(f.fileno())


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:                # someone else's live process
        return True
    return True


def remove_stale_temps(*folders):
    """Delete temporary files of `atomic_path` whose writer has died (e.g. SIGKILL).

    Only names of the form ``.STEM.tmpPID-XXXXXXXX.SUFFIX`` are touched, and
    only when process PID no longer exists, so a concurrent writer is safe.
    Returns the paths removed.
    """
    removed = []
    for folder in folders:
        folder = Path(folder)
        if not folder.is_dir():
            continue
        for p in folder.iterdir():
            m = _TEMP.match(p.name)
            if m and p.is_file() and not _alive(int(m.group(1))):
                p.unlink(missing_ok=True)
                removed.append(p)
    return removed


def to_json(obj, where=""):
    """(plain, nulled): ``obj`` with NumPy values made plain and NaN/inf made None.

    ``nulled`` lists the key paths (``"losses.model1.val"``) of the values
    that were not finite, so that a report can say which numbers are missing.
    """
    nulled = []

    def plain(x, at):
        if isinstance(x, dict):
            return {str(k): plain(v, f"{at}.{k}" if at else str(k)) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [plain(v, f"{at}[{i}]") for i, v in enumerate(x)]
        if isinstance(x, np.ndarray):
            return plain(x.tolist(), at)
        if isinstance(x, np.generic):
            x = x.item()
        if isinstance(x, float) and not math.isfinite(x):
            nulled.append(at or "(top level)")
            return None
        if x is None or isinstance(x, (bool, int, float, str)):
            return x
        raise TypeError(f"{at or 'value'} = {x!r} of type {type(x).__name__} is not JSON")

    return plain(obj, where), nulled


def dumps(obj, indent=None):
    """Strict JSON text of ``obj`` (NaN/inf as null; see `to_json`)."""
    return json.dumps(to_json(obj)[0], indent=indent, allow_nan=False)


def write_json(path, obj):
    """Write ``obj`` as indented strict JSON, atomically; returns the nulled key paths."""
    plain, nulled = to_json(obj)
    text = json.dumps(plain, indent=2, allow_nan=False) + "\n"
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return nulled


def read_json(path):
    """Read a JSON file; a missing, corrupt or non-UTF-8 file raises an error naming it."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{str(path)!r} does not exist") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"{str(path)!r} is not valid JSON: {err}") from None


def sha256(arr):
    """sha256 hex digest of an array's C-order bytes."""
    return hashlib.sha256(np.ascontiguousarray(arr).tobytes()).hexdigest()


def write_npz(path, arrays, docs=None):
    """Write ``arrays`` (name -> array) and ``docs`` (name -> JSON-able) as one .npz, atomically.

    Entries are uncompressed .npy files with a fixed zip timestamp, so equal
    inputs give equal bytes; each document is a 0-d str array of strict JSON.
    ``np.load`` reads the result; `read_npz` reads it safely.
    """
    docs = docs or {}
    clash = set(arrays) & set(docs)
    if clash:
        raise ValueError(f"entry names {sorted(clash)} are both arrays and documents")
    entries = {name: np.asarray(a) for name, a in arrays.items()}
    for name, arr in entries.items():
        if arr.dtype.hasobject:
            raise ValueError(f"array {name!r} has object dtype; only plain arrays are stored")
    entries.update({name: np.array(dumps(doc)) for name, doc in docs.items()})
    with atomic_file(path) as f, zipfile.ZipFile(f, "w", zipfile.ZIP_STORED,
                                                  allowZip64=True) as zf:
        for name, arr in entries.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_EPOCH)
            with zf.open(info, "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asarray(arr, order="C"),
                                          allow_pickle=False)
    return Path(path)


def _header(zf, info):
    """(shape, dtype) declared by one .npy member; ValueError if it cannot be what is stored."""
    with zf.open(info) as f:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            raise ValueError(f"entry {info.filename!r} has .npy version {version}; "
                             "expected 1.0 or 2.0")
        stored = info.file_size - f.tell()
    if dtype.hasobject:
        raise ValueError(f"entry {info.filename!r} holds Python objects; refused")
    declared = math.prod(shape) * dtype.itemsize
    if declared != stored:
        raise ValueError(f"entry {info.filename!r} declares shape {shape} of {dtype} "
                         f"({declared} bytes) but holds {stored} bytes")
    return shape, dtype


def npz_headers(path):
    """{name: (shape, dtype)} of every entry, from headers only (nothing large is read)."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as zf:
            return {info.filename[:-4]: _header(zf, info) for info in zf.infolist()
                    if info.filename.endswith(".npy")}
    except FileNotFoundError:
        raise FileNotFoundError(f"{str(path)!r} does not exist") from None
    except (OSError, EOFError, zipfile.BadZipFile, ValueError) as err:
        raise ValueError(f"{str(path)!r} is not a readable .npz file: {err}") from None


def _doc(arr, name, path):
    if arr.shape != () or arr.dtype.kind != "U":
        raise ValueError(f"{str(path)!r}: entry {name!r} is not a JSON document")
    try:
        return json.loads(str(arr[()]))
    except json.JSONDecodeError as err:
        raise ValueError(f"{str(path)!r}: entry {name!r} is not valid JSON ({err})") from None


def read_npz(path, docs=(), max_bytes=None, only=None):
    """(arrays, documents) of a .npz file, every header checked before loading.

    docs : names of the JSON document entries (each must be present); they
        are decoded and returned apart from the arrays.
    max_bytes : refuse files whose arrays declare more bytes than this.
    only : if given, load just these entries (plus ``docs``); others are
        header-checked but not read.
    Raises FileNotFoundError, or ValueError naming the file and the problem
    (not a zip, a CRC error, a header that does not match the stored bytes,
    a missing or malformed document).
    """
    path = Path(path)
    headers = npz_headers(path)
    total = sum(math.prod(s) * d.itemsize for s, d in headers.values())
    if max_bytes is not None and total > max_bytes:
        raise ValueError(f"{str(path)!r} declares {total} bytes of arrays; "
                         f"at most {max_bytes} expected")
    missing = [d for d in docs if d not in headers]
    if missing:
        raise ValueError(f"{str(path)!r} has no {missing[0]!r} entry; "
                         "not a minirg file of the expected kind")
    wanted = [k for k in headers if only is None or k in only or k in docs]
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in wanted}
    except (OSError, EOFError, zipfile.BadZipFile, ValueError) as err:
        raise ValueError(f"{str(path)!r} is not a readable .npz file: {err}") from None
    return arrays, {d: _doc(arrays.pop(d), d, path) for d in docs}

