"""Checkerboard Metropolis on a batch of lattices, written with array-API operations.

`rules.metropolis_sweep` updates one site at a time; here all sites of one
colour are updated at once (they do not neighbour each other, so this is
the same Markov chain), for every lattice of a batch, as whole-array
operations. One source runs on CuPy (the GPU sampler) and on NumPy (the
vectorised CPU baseline of `minirg bench ising`). The flip probabilities are
`rules.flip_probabilities`, and the autocorrelation times, thermalisation
and spacing come from the same pilot measurement as `mc.sample`'s Metropolis.
CuPy is imported lazily, only when device="gpu" is asked for.
"""

import numpy as np

from .._backend import get_namespace, namespace_for, to_numpy
from minirg._checks import check_L, check_beta, check_count, check_seed
from .rg import BETA_C
from .rules import flip_probabilities
from .tuning import measure_tau

__all__ = ["checkerboard_sweeps", "uniform_source", "sample_checkerboard"]


def uniform_source(xp, seed):
    """A function shape -> float32 uniforms in [0, 1) on xp's device, seeded."""
    if "cupy" in xp.__name__:
        import cupy                                   # lazy: only GPU runs need it
        gen = cupy.random.default_rng(seed)
        return lambda shape: gen.random(shape, dtype=cupy.float32)
    gen = np.random.default_rng(seed)
    return lambda shape: xp.asarray(gen.random(shape, dtype=np.float32))


def _colour_masks(xp, L):
    """Boolean (L, L) masks of the (i + j) even and odd sublattices."""
    i = xp.arange(L)
    even = ((i[:, None] + i[None, :]) % 2) == 0
    return even, ~even


def checkerboard_sweeps(spins, beta, n_sweeps, uniform):
    """Metropolis sweeps on a batch of lattices; colour (i+j) even, then odd.

    Each lattice follows `rules.metropolis_sweep` with u[i, j] taken from the
    draw of site (i, j)'s colour.

    Parameters
    ----------
    spins : (n, L, L) int8 array (any array-API library) of +-1
    beta : float
    n_sweeps : int
    uniform : callable
        shape -> float32 uniforms in [0, 1) of spins' library; one (n, L, L)
        draw per colour (the other colour's draws are unused).

    Returns
    -------
    spins : (n, L, L) int8, new array after the sweeps.
    """
    xp = get_namespace(spins)
    L = spins.shape[-1]
    # flip probability min(1, e^{-2 beta d}) indexed by (d + 4) // 2
    table = xp.asarray(flip_probabilities(beta, "metropolis"), dtype=xp.float32)
    masks = _colour_masks(xp, L)
    for _ in range(n_sweeps):
        for mask in masks:
            nn = (xp.roll(spins, 1, axis=-1) + xp.roll(spins, -1, axis=-1)
                  + xp.roll(spins, 1, axis=-2) + xp.roll(spins, -1, axis=-2))
            idx = xp.astype((spins * nn + 4) // 2, xp.int64)
            p = xp.reshape(xp.take(table, xp.reshape(idx, (-1,))), spins.shape)
            flip = (uniform(spins.shape) < p) & mask
            spins = xp.where(flip, -spins, spins)
    return spins


def sample_checkerboard(L, beta, n, *, seed=0, device="gpu", batch=4096):
    """Independent lattices from batched checkerboard Metropolis on CuPy (or NumPy).

    Parameters
    ----------
    L, beta, n, seed
        As for `mc.sample`.
    device : {"gpu", "cpu"}
        "cpu" runs the same array code on NumPy.
    batch : int
        Chains updated together; each is thermalised, then saves a lattice
        every `spacing` sweeps (from measure_tau(L, beta, "metropolis")).

    Returns
    -------
    spins : (n, L, L) int8 NumPy array
    """
    L, beta, n = check_L(L), check_beta(beta), check_count(n)
    seed, batch = check_seed(seed), check_count(batch, "batch")
    xp = namespace_for(device)
    info = measure_tau(L, beta, "metropolis")
    uniform = uniform_source(xp, seed)
    B = min(batch, n)
    up, down = xp.asarray(1, dtype=xp.int8), xp.asarray(-1, dtype=xp.int8)
    # random start below beta_c, cold above (as mc.sample: no stripe states)
    s = xp.where(uniform((B, L, L)) < (0.5 if beta < BETA_C else 2.0), up, down)
    s = checkerboard_sweeps(s, beta, info["thermalization"], uniform)
    out = []
    for start in range(0, n, B):
        if start:
            s = checkerboard_sweeps(s, beta, info["spacing"], uniform)
        s = s * xp.where(uniform((B, 1, 1)) < 0.5, up, down)  # random global flip
        out.append(to_numpy(s[:n - start]))
    return np.concatenate(out).astype(np.int8)
