"""Plain-loop oracles for the vectorised Ising code: slow and obvious.

The samplers' references are not here: they are part of the package
(minirg.ising.rules and minirg.ising.chain), and tests/ising/test_kernels.py
compares the numba kernels with them on the same random streams. These
loops check the vectorised observables and coarse-grainers, and the exact
results by enumeration.
"""

import numpy as np


def energy(spins):
    """Energy per spin of one periodic lattice (each bond once: right and down)."""
    L = len(spins)
    total = sum(int(spins[i][j]) * (int(spins[i][(j + 1) % L]) + int(spins[(i + 1) % L][j]))
                for i in range(L) for j in range(L))
    return -total / (L * L)


def decimate(spins, steps):
    """Kept sites, row by row: (row + col) even; steps=2 also keeps even rows."""
    L = len(spins)
    rows = [[int(spins[i][j]) for j in range(L) if (i + j) % 2 == 0] for i in range(L)]
    if steps == 2:
        rows = [rows[i] for i in range(0, L, 2)]
    return np.array(rows, dtype=np.int8)


def majority(spins, b):
    """Block sums' signs, 0 where a block ties."""
    L = len(spins)
    return np.array([[np.sign(sum(int(spins[I * b + p][J * b + q])
                                  for p in range(b) for q in range(b)))
                      for J in range(L // b)] for I in range(L // b)])


def enumerate_torus(m, n, beta):
    """ln Z, energy per spin and specific heat per spin of the m x n torus by
    summing over all 2^(mn) states (state k has spin (k >> site) & 1)."""
    N = m * n
    bits = (np.arange(2**N)[:, None] >> np.arange(N)) & 1
    s = (2 * bits - 1).reshape(-1, m, n)
    E = -np.sum(s * np.roll(s, 1, 1) + s * np.roll(s, 1, 2), axis=(1, 2)).astype(float)
    w = np.exp(-beta * (E - E.min()))                 # shifted: no overflow
    Z = w.sum()
    u = (w * E).sum() / Z
    var = (w * (E - u) ** 2).sum() / Z
    return np.log(Z) - beta * E.min(), u / N, beta**2 * var / N
