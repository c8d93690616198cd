"""Input validation: the one set of checks every public function uses.

Each check raises ValueError naming the argument, the value received and
what was expected, and returns the value normalised.
"""

import numbers
import os

import numpy as np


def check_L(L, *, minimum=4, even=True):
    """Lattice side: an integer >= minimum (even unless even=False)."""
    if isinstance(L, bool) or not isinstance(L, numbers.Integral):
        raise ValueError(f"L must be an integer lattice side, got {L!r}")
    L = int(L)
    if L < minimum:
        raise ValueError(f"L must be >= {minimum}, got {L}")
    if even and L % 2:
        raise ValueError(f"L must be even (decimation halves it), got {L}")
    return L


def check_beta(beta, name="beta"):
    """A finite inverse temperature > 0, as float."""
    try:
        value = float(beta)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a finite number > 0, got {beta!r}") from None
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {beta!r}")
    return value


def check_betas(betas):
    """A non-empty 1-D array of finite betas > 0, as float64."""
    arr = np.asarray(betas, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"betas must be a non-empty 1-D array, got shape {arr.shape}")
    bad = ~np.isfinite(arr) | (arr <= 0)
    if bad.any():
        raise ValueError(f"betas must be finite and > 0, got {arr[bad][0]!r} "
                         f"at index {int(np.flatnonzero(bad)[0])}")
    return arr


def check_int(value, name, minimum=0):
    """An integer >= minimum (bools refused), as int."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {name}={value!r}")
    return int(value)


def check_count(n, name="n"):
    """A sample count: an integer >= 1."""
    return check_int(n, name, 1)


def check_seed(seed, name="seed"):
    """A seed: a non-negative integer (so runs are reproducible by number)."""
    return check_int(seed, name, 0)


def check_spins(spins, name="spins", square=True):
    """A (..., L, L) array of +-1 values, returned as int8."""
    arr = np.asarray(spins)
    if arr.ndim < 2:
        raise ValueError(f"{name} must have shape (..., L, L), got shape {arr.shape}")
    if square and arr.shape[-1] != arr.shape[-2]:
        raise ValueError(f"{name} must be square lattices (..., L, L), got shape {arr.shape}")
    if arr.dtype != np.int8:
        if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
            raise ValueError(f"{name} must be numeric +-1, got dtype {arr.dtype}")
        ok = (arr == 1) | (arr == -1)
        if not ok.all():
            raise ValueError(f"{name} must contain only +1 and -1, found "
                             f"{arr[~ok].ravel()[0]!r}")
        return arr.astype(np.int8)
    if not (np.abs(arr) == 1).all():                 # int8: cheap test
        bad = arr[np.abs(arr) != 1].ravel()[0]
        raise ValueError(f"{name} must contain only +1 and -1, found {bad!r}")
    return arr


def physical_memory():
    """Bytes of RAM on this machine, or None where the OS does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(nbytes, what):
    """Refuse, before allocating, a need of ``nbytes`` beyond this machine's memory."""
    total = physical_memory()
    if total is not None and nbytes > total:
        raise ValueError(f"{what} needs about {nbytes / 2**30:.3g} GiB of memory, more than "
                         f"this machine's {total / 2**30:.3g} GiB")
    return int(nbytes)
