"""Local Shannon entropy of spin lattices, and maps from autoencoder outputs to spins.

The paper measures how much "texture" a lattice carries by the Shannon entropy
of the spins in a small window around each site, averaged over the lattice
(scikit-image's rank entropy, 3x3 window, in bits).  A uniform window has 0
bits; a window with as many up as down spins has 1 bit.
"""

import numpy as np

from minirg._backend import get_namespace, to_numpy
from minirg.analysis.flow import mean_by_beta

__all__ = ["local_entropy", "entropy_map", "to_spins", "entropy_by_beta"]


def _as_lattices(spins):
    """(n, H, W) or (H, W) spins of any numeric dtype -> (n, H, W) uint8 in {0, 1}."""
    s = to_numpy(spins)                   # scikit-image is a host-only library
    if s.ndim == 2:
        s = s[None]
    if s.ndim != 3:
        raise ValueError(f"spins: expected shape (n, H, W) or (H, W), got {s.shape}")
    if not np.all(np.isfinite(s)):
        raise ValueError("spins: contains NaN or inf")
    # >0 -> 1 keeps {-1,+1} and {0,1} inputs alike; pass raw outputs through to_spins first.
    return (s > 0).astype(np.uint8)


def entropy_map(lattice, size=3, periodic=True):
    """Per-site entropy (bits) of one lattice.   lattice: (H, W) -> (H, W) float64.

    Parameters
    ----------
    lattice : (H, W) array
        Spins (+-1 or 0/1).
    size : int
        Side of the square window (footprint ``np.ones((size, size))``).
    periodic : bool
        Wrap the window around the edges (a torus).  scikit-image shrinks the
        window at the borders instead, so we pad with ``mode="wrap"`` and crop.
    """
    from skimage.filters.rank import entropy

    img = _as_lattices(lattice)[0]
    footprint = np.ones((size, size), dtype=np.uint8)
    if not periodic:
        return entropy(img, footprint)
    # For an even size the window reaches size//2 before the centre and
    # size//2 - 1 after it, so a pad of size//2 on every side covers both.
    p = size // 2
    padded = np.pad(img, p, mode="wrap")
    return entropy(padded, footprint)[p:p + img.shape[0], p:p + img.shape[1]]


def local_entropy(spins, size=3, periodic=True):
    """Mean local Shannon entropy per site, in bits, of each lattice.

    Parameters
    ----------
    spins : (n, H, W) or (H, W) array
        Lattices of +-1 (or 0/1) spins; any even or odd sides, square or not.
    size : int
        Window side (the paper uses 3).
    periodic : bool
        Periodic boundaries (the lattices are tori) or scikit-image's shrunken
        border windows.

    Returns
    -------
    (n,) float64 NumPy array
        The site average of :func:`entropy_map` for each lattice.
    """
    lattices = _as_lattices(spins)
    return np.array([np.mean(entropy_map(s, size, periodic)) for s in lattices])


def to_spins(output, mode="sign", seed=0):
    """Map raw autoencoder outputs to +-1 spins, shape kept.

    Parameters
    ----------
    output : (n, L*L) or (n, L, L) float array
        Raw outputs of a linear decoder (unbounded reals).
    mode : {"sign", "quantize"}
        ``"sign"``: the most likely spin, ``+1`` where ``output >= 0``
        (0 maps to +1), else ``-1``.  ``"quantize"``: read each output as the
        decoder's local magnetisation <s> clipped to [-1, 1] and draw a spin
        with that mean, ``+1`` with probability ``clip((1 + x) / 2, 0, 1)``.
        Sign always picks the majority, which removes every spin the decoder
        is unsure of and so lowers the entropy by construction; the stochastic
        map keeps that uncertainty as noise, giving a second, honest reading
        of the same output.
    seed : int
        Seed of the NumPy Generator for ``"quantize"`` (draws on the host).

    Returns
    -------
    int8 array of the input's shape and namespace, values in {-1, +1}.
    """
    xp = get_namespace(output)
    up, down = xp.asarray(1, dtype=xp.int8), xp.asarray(-1, dtype=xp.int8)
    if mode == "sign":
        return xp.where(output >= 0, up, down)
    if mode == "quantize":
        u = xp.asarray(np.random.default_rng(seed).random(tuple(output.shape)))
        p_up = xp.clip((1 + xp.astype(output, xp.float64)) / 2, 0.0, 1.0)
        return xp.where(u < p_up, up, down)
    raise ValueError(f"mode = {mode!r}: expected 'sign' or 'quantize'")


def entropy_by_beta(spins, betas, size=3, periodic=True):
    """Mean local entropy per distinct beta.

    Parameters
    ----------
    spins : (n, H, W) array
    betas : (n,) array
        The beta each lattice was sampled at (grid values, compared exactly).

    Returns
    -------
    unique_betas : (g,) float64, ascending
    mean_entropy : (g,) float64, bits
    """
    h = local_entropy(spins, size, periodic)
    betas = to_numpy(betas)
    if betas.shape != h.shape:
        raise ValueError(f"betas: expected shape {h.shape}, got {betas.shape}")
    return mean_by_beta(h, betas)
