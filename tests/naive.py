"""Plain-loop reference implementations for the Ising code: slow and obvious.

They replay the kernels' random streams (SplitMix64 on Python ints) so the
numba kernels can be compared with them exactly on the same randomness.
"""

import math

import numpy as np

MASK = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15


def splitmix(x):
    """Advance a SplitMix64 state; returns (new state, 64-bit output)."""
    x = (x + GAMMA) & MASK
    z = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return x, z ^ (z >> 31)


def neighbours(i, j, L):
    """Periodic neighbours up, down, left, right of (i, j)."""
    return [((i - 1) % L, j), ((i + 1) % L, j), (i, (j - 1) % L), (i, (j + 1) % L)]


def local_sweep(spins, thr, x):
    """Checkerboard sweep, colour (i+j) even first, one draw per site.

    A site flips when (draw >> 11) < thr[(d + 4) // 2], d = s_ij * sum of
    neighbours. Returns (new spins, new state).
    """
    s = [[int(v) for v in row] for row in spins]
    L = len(s)
    for colour in (0, 1):
        for i in range(L):
            for j in range(L):
                if (i + j) % 2 != colour:
                    continue
                d = s[i][j] * sum(s[a][b] for a, b in neighbours(i, j, L))
                x, out = splitmix(x)
                if (out >> 11) < int(thr[(d + 4) // 2]):
                    s[i][j] = -s[i][j]
    return np.array(s, dtype=np.int8), x


def wolff_flip(spins, p_thr, x):
    """One Wolff cluster flip (LIFO stack).

    Each popped site draws two 64-bit numbers; their high and low 32-bit
    halves are the uniforms of its neighbours up, down, left, right, in that
    order; an aligned neighbour joins if its uniform < p_thr (on 2**32).
    Returns (new spins, new state, cluster size).
    """
    s = [[int(v) for v in row] for row in spins]
    L = len(s)
    x, out = splitmix(x)
    i, j = divmod(((out >> 32) * L * L) >> 32, L)
    s0 = s[i][j]
    s[i][j] = -s0
    stack, size = [(i, j)], 1
    while stack:
        i, j = stack.pop()
        x, z1 = splitmix(x)
        x, z2 = splitmix(x)
        uniforms = [z1 >> 32, z1 & 0xFFFFFFFF, z2 >> 32, z2 & 0xFFFFFFFF]
        for (a, b), u in zip(neighbours(i, j, L), uniforms):
            if s[a][b] == s0 and u < int(p_thr):
                s[a][b] = -s0
                stack.append((a, b))
                size += 1
    return np.array(s, dtype=np.int8), x, size


def metropolis_sweep_uniforms(spins, beta, u):
    """Checkerboard Metropolis on one lattice with given uniforms u (2, L, L).

    Colour k = (i + j) % 2 updates with u[k, i, j]: flip if u < exp(-2 beta d).
    """
    s = [[int(v) for v in row] for row in spins]
    L = len(s)
    for colour in (0, 1):
        new = [row[:] for row in s]
        for i in range(L):
            for j in range(L):
                if (i + j) % 2 == colour:
                    d = s[i][j] * sum(s[a][b] for a, b in neighbours(i, j, L))
                    if u[colour][i][j] < math.exp(-2 * beta * d):
                        new[i][j] = -s[i][j]
        s = new
    return np.array(s, dtype=np.int8)


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
