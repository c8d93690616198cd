"""The three Monte Carlo update rules of the 2D Ising model, written plainly.

The model: spins s_ij = +-1 on an L x L periodic lattice, H = -sum_<ij> s_i s_j
(J = 1, each nearest-neighbour bond once), sampled with weight e^{-beta H}.
Flipping s_ij changes the energy by 2 d, where d = s_ij * (sum of its four
neighbours) is one of -4, -2, 0, 2, 4.

This module is the definition of each rule. Every function is a plain loop
over one lattice, with its random numbers passed in, so that a reader can
follow it and a test can feed the same numbers to the fast kernels:

    rule here                      fast version (minirg.ising._kernels)
    local_sweep (Metropolis,       _local_sweep, and _local_lanes for many
      heat bath)                     lattices at once
    wolff_flip                     _wolff_flip
    flip_probabilities,            tuning.update_table turns them into the
      bond_probability               kernels' integer thresholds

`chain.run_chain` is the driver that strings these steps into a sampler;
`tests/ising/test_rules.py` checks kernel against reference, uniform for
uniform and lattice for lattice.
"""

import numpy as np

__all__ = ["flip_probabilities", "bond_probability", "local_sweep",
           "metropolis_sweep", "heatbath_sweep", "wolff_flip", "neighbours"]

LOCAL_RULES = ("metropolis", "heatbath")


def flip_probabilities(beta, rule="metropolis"):
    """The acceptance table: probability to flip a spin with d = -4, -2, 0, 2, 4.

    Entry (d + 4) // 2 of the (5,) float64 result is, for
    rule="metropolis", min(1, e^{-2 beta d}) (accept the energy change 2 d
    with the Metropolis probability), and for rule="heatbath",
    1 / (1 + e^{2 beta d}) (draw the spin afresh from its conditional
    distribution given its neighbours; it ends up flipped with this
    probability). Both satisfy detailed balance with e^{-beta H}.
    """
    d = np.arange(-4, 5, 2)
    if rule == "metropolis":
        return np.minimum(1.0, np.exp(-2 * beta * d))
    if rule == "heatbath":
        return 0.5 * (1 - np.tanh(beta * d))          # 1/(1+e^{2 beta d}), no overflow
    raise ValueError(f"rule must be one of {LOCAL_RULES}, got {rule!r}")


def bond_probability(beta):
    """Wolff's p_add = 1 - e^{-2 beta}: an aligned neighbour joins the cluster."""
    return -np.expm1(-2 * beta)                       # accurate for small beta too


def neighbours(i, j, L):
    """The periodic neighbours of (i, j): up, down, left, right (this order)."""
    return ((i - 1) % L, j), ((i + 1) % L, j), (i, (j - 1) % L), (i, (j + 1) % L)


def local_sweep(spins, p, u):
    """One checkerboard sweep of single-spin flips, in place.

    Parameters
    ----------
    spins : (L, L) int8 array of +-1, periodic; updated in place.
    p : (5,) flip probabilities, p[(d + 4) // 2] (see `flip_probabilities`).
    u : (L, L) uniforms in [0, 1); site (i, j) flips if u[i, j] < p[...].

    The sites with i + j even go first, then the odd ones. All neighbours
    of a site have the other colour, so the sites of one colour are updated
    independently of each other: any order within a colour gives the same
    lattice. Returns spins.

    Fast version: `_kernels._local_sweep`, equal to this on the same uniforms
    (tests/ising/test_kernels.py).
    """
    L = spins.shape[0]
    for colour in (0, 1):
        for i in range(L):
            for j in range(L):
                if (i + j) % 2 != colour:
                    continue
                field = sum(int(spins[a, b]) for a, b in neighbours(i, j, L))
                d = int(spins[i, j]) * field
                if u[i, j] < p[(d + 4) // 2]:
                    spins[i, j] = -spins[i, j]
    return spins


def metropolis_sweep(spins, beta, u):
    """One Metropolis checkerboard sweep at beta, in place; u : (L, L) uniforms."""
    return local_sweep(spins, flip_probabilities(beta, "metropolis"), u)


def heatbath_sweep(spins, beta, u):
    """One heat-bath checkerboard sweep at beta, in place; u : (L, L) uniforms."""
    return local_sweep(spins, flip_probabilities(beta, "heatbath"), u)


def wolff_flip(spins, p_add, site, bond_uniforms):
    """Grow one Wolff cluster from `site` and flip it, in place.

    Parameters
    ----------
    spins : (L, L) int8 array of +-1, periodic; updated in place.
    p_add : float
        Probability that an aligned neighbour joins (`bond_probability`).
    site : (i, j)
        The seed of the cluster, uniform over the lattice.
    bond_uniforms : callable
        () -> 4 uniforms in [0, 1), called once for each site taken from the
        stack, for its bonds to the neighbours up, down, left, right.

    Returns
    -------
    size : int, the number of flipped spins.

    A site is flipped when it joins, so "not in the cluster yet" is simply
    "still has the seed's sign". The stack is last-in, first-out.

    Fast version: `_kernels._wolff_flip`, equal to this on the same uniforms
    (tests/ising/test_kernels.py).
    """
    L = spins.shape[0]
    i, j = site
    s0 = spins[i, j]
    spins[i, j] = -s0
    stack, size = [(i, j)], 1
    while stack:
        i, j = stack.pop()
        for (a, b), u in zip(neighbours(i, j, L), bond_uniforms()):
            if spins[a, b] == s0 and u < p_add:
                spins[a, b] = -s0
                stack.append((a, b))
                size += 1
    return size
