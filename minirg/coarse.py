"""The two coarse-grainers behind the CG/UP targets and the HCG encoder.

Both go from the L x L lattice (N = L^2 sites) through a level of N/2 sites,
an (L, L/2) lattice, to a level of N/4 sites, an (L/2, L/2) lattice:

- ``decimation`` (the paper's): keep the (row + col)-even sites, then the even
  rows of those; targets are the dataset's ``dec1``, ``dec2``.
- ``majority``: level 1 is the majority of each horizontal pair (1 x 2 block),
  level 2 the majority of each 2 x 2 block of the original lattice
  (`minirg.ising.majority`).  Ties (a zero block sum) are broken by a coin
  seeded from the run's seed, so every model of a run sees the same targets.

HCG for majority rule is the linear map to block means: step 1 averages the
horizontal pairs, step 2 averages the vertical pairs of those, so the two steps
give the 2 x 2 block mean and its sign is the block majority.  Tie convention
of this linear layer: a tied block maps to 0 (sign(0) = 0), halfway between
the two choices; only the targets break ties at random.
"""

import numpy as np

from minirg import zoo
from minirg.ising import decimation_matrix, majority

__all__ = ["GRAINERS", "pair_majority", "targets", "hcg_matrix", "hcg_layers"]

GRAINERS = ("decimation", "majority")


def pair_majority(spins, seed):
    """(..., L, L) +-1 -> (..., L, L/2) int8: majority of horizontal pairs, seeded ties."""
    s = np.asarray(spins)
    total = s.reshape(s.shape[:-1] + (s.shape[-1] // 2, 2)).sum(axis=-1, dtype=np.int32)
    ties = np.random.default_rng(seed).choice(np.array([-1, 1], dtype=np.int8), size=total.shape)
    return np.where(total == 0, ties, np.sign(total)).astype(np.int8)


def targets(grainer, arrays, seed):
    """The critical dataset's arrays with ``dec1``/``dec2`` made by ``grainer``.

    arrays: dict with ``spins`` (n, L, L), ``dec1`` (n, L, L/2), ``dec2`` (n, L/2, L/2).
    """
    if grainer == "decimation":
        return arrays
    if grainer != "majority":
        raise ValueError(f"coarse_grainer {grainer!r}: expected one of {GRAINERS}")
    s1, s2 = np.random.SeedSequence(seed).generate_state(2)
    spins = arrays["spins"]
    return {**arrays, "dec1": pair_majority(spins, int(s1)),
            "dec2": majority(spins, 2, int(s2))}


def hcg_matrix(grainer, L, step):
    """HCG weights of step 1 (L^2, L^2/2) or 2 (L^2/2, L^2/4), float64; x @ W coarse-grains."""
    if grainer == "decimation":
        return decimation_matrix(L, step)
    if grainer != "majority":
        raise ValueError(f"coarse_grainer {grainer!r}: expected one of {GRAINERS}")
    n_in = L * L if step == 1 else L * L // 2
    W = np.zeros((n_in, n_in // 2))
    rows = np.arange(n_in)
    if step == 1:                        # site (r, c) -> pair (r, c // 2)
        cols = rows // 2
    else:                                # (r, c) of the (L, L/2) level -> (r // 2, c)
        r, c = divmod(rows, L // 2)
        cols = (r // 2) * (L // 2) + c
    W[rows, cols] = 0.5
    return W


def hcg_layers(grainer, L, l1):
    """The two frozen HCG layers of Model-2 for ``grainer``."""
    layers = []
    for step in (1, 2):
        W = hcg_matrix(grainer, L, step).astype(np.float32)
        layer = zoo.linear(*W.shape, l1=l1, seed=0, trainable=False)
        layer.W = W
        layers.append(layer)
    return layers
