"""Numba kernels for the Ising samplers (the only @njit code in minirg.ising).

Randomness: every chain carries one uint64 state of a SplitMix64 generator
(state += GAMMA; output = mix(state)). The states are drawn outside from
``np.random.default_rng(seed)`` and passed in, so a kernel's result depends
only on its inputs, never on thread timing; ``tests/naive.py`` replays the
same stream in plain Python.

Update tables ``thr`` hold flip thresholds on 53-bit integers: a local move
at a site with d = s_ij * (sum of its 4 neighbours) flips with probability
thr[(d + 4) // 2] / 2**53; a threshold >= 2**53 flips without drawing. The
same table gives Metropolis (min(1, exp(-2 beta d))) and heat bath
(1 / (1 + exp(2 beta d))). For Wolff, thr[0] / 2**53 = 1 - exp(-2 beta).

Algorithm codes: 0 = local checkerboard sweep (Metropolis or heat bath),
1 = Wolff single-cluster flip.
"""

import numpy as np
from numba import njit, prange

GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
ONE53 = np.uint64(1 << 53)
_S11, _S27, _S30, _S31 = np.uint64(11), np.uint64(27), np.uint64(30), np.uint64(31)
_S32, _S63 = np.uint64(32), np.uint64(63)


@njit(cache=True)
def _mix(z):
    """SplitMix64 output function: a bijective scramble of the 64-bit state."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True)
def _local_sweep(s, thr, x):
    """One checkerboard sweep of single-spin flips on s (L, L) int8, in place.

    Colour 0 ((i + j) even) first, then colour 1; within a colour the sites
    are independent, so row-major order gives the same chain as a parallel
    (GPU) update. Returns the new RNG state.
    """
    L = s.shape[0]
    for colour in range(2):
        for i in range(L):
            up = i - 1 if i > 0 else L - 1
            dn = i + 1 if i < L - 1 else 0
            for j in range((i + colour) & 1, L, 2):
                lf = j - 1 if j > 0 else L - 1
                rt = j + 1 if j < L - 1 else 0
                d = s[i, j] * (s[up, j] + s[dn, j] + s[i, lf] + s[i, rt])
                t = thr[(d + 4) >> 1]
                if t >= ONE53:                  # always flips: no draw needed
                    s[i, j] = -s[i, j]
                elif t > 0:
                    x += GAMMA
                    if (_mix(x) >> _S11) < t:
                        s[i, j] = -s[i, j]
    return x


@njit(cache=True)
def _wolff_flip(flat, L, p_thr, x, stack):
    """Grow and flip one Wolff cluster on flat (L*L,) int8, in place.

    A site is flipped when pushed, so "already in the cluster" needs no extra
    array: it no longer carries the seed's sign. stack: (L*L,) int64 scratch.
    Neighbours are tried in the order up, down, left, right.
    Returns (new RNG state, cluster size).
    """
    N = L * L
    x += GAMMA
    site = np.int64(((_mix(x) >> _S32) * np.uint64(N)) >> _S32)  # uniform in [0, N)
    s0 = flat[site]
    flat[site] = -s0
    stack[0] = site
    top = 1
    size = 1
    while top > 0:
        top -= 1
        i = stack[top]
        r = i // L
        c = i - r * L
        up = i - L if r > 0 else i + N - L
        dn = i + L if r < L - 1 else i - N + L
        lf = i - 1 if c > 0 else i + L - 1
        rt = i + 1 if c < L - 1 else i - L + 1
        for nb in (up, dn, lf, rt):
            if flat[nb] == s0:
                x += GAMMA
                if (_mix(x) >> _S11) < p_thr:
                    flat[nb] = -s0
                    stack[top] = nb
                    top += 1
                    size += 1
    return x, size


@njit(cache=True)
def _update(s, algo, thr, x, stack):
    """One update of kind algo on s (L, L); returns (RNG state, sites touched)."""
    L = s.shape[0]
    if algo == 0:
        return _local_sweep(s, thr, x), L * L
    return _wolff_flip(s.reshape(L * L), L, thr[0], x, stack)


@njit(cache=True)
def _energy_sum(s):
    """Sum over bonds of s_i s_j for s (L, L) periodic (so E = -this)."""
    L = s.shape[0]
    total = np.int64(0)                 # int64: int8 sums would overflow
    for i in range(L):
        dn = i + 1 if i < L - 1 else 0
        for j in range(L):
            rt = j + 1 if j < L - 1 else 0
            total += s[i, j] * (s[dn, j] + s[i, rt])
    return total


@njit(cache=True)
def _global_flip(s, x):
    """Flip every spin with probability 1/2 (an exact symmetry, so a valid move)."""
    x += GAMMA
    if _mix(x) >> _S63:
        L = s.shape[0]
        for i in range(L):
            for j in range(L):
                s[i, j] = -s[i, j]
    return x


@njit(cache=True, parallel=True)
def _run_plan(spins, states, plan, algo, thr, steps, out):
    """Advance chains and save samples, in place.

    spins : (C, L, L) int8 chain states; states : (C,) uint64 RNG states.
    plan : (C, K) int64 sample indices per chain (-1 = nothing), in order.
    For sample k: steps[k] updates of kind algo[k] (int8) with table
    thr[k] (5,) uint64, then a random global flip, then out[k] = chain.
    out : (n, L, L) int8; each index is written by exactly one chain.
    """
    C, K = plan.shape
    L = spins.shape[1]
    for c in prange(C):
        s = spins[c]
        stack = np.empty(L * L, np.int64)
        x = states[c]
        for col in range(K):
            k = plan[c, col]
            if k < 0:
                continue
            for _ in range(steps[k]):
                x, _size = _update(s, algo[k], thr[k], x, stack)
            x = _global_flip(s, x)
            out[k] = s
        states[c] = x


@njit(cache=True, parallel=True)
def _measure(spins, states, algo, thr, block, E, M, sizes):
    """Run chains and record observables after every block of updates.

    spins : (C, L, L) int8; states : (C,) uint64; thr : (5,) uint64.
    E, M : (C, T) float64 outputs, energy per spin and |m| after each block;
    sizes : (C,) int64 output, sites touched (Wolff: summed cluster sizes).
    """
    C, T = E.shape
    L = spins.shape[1]
    N = L * L
    for c in prange(C):
        s = spins[c]
        stack = np.empty(N, np.int64)
        x = states[c]
        touched = 0
        for t in range(T):
            for _ in range(block):
                x, size = _update(s, algo, thr, x, stack)
                touched += size
            E[c, t] = -_energy_sum(s) / N
            m = np.int64(0)
            for i in range(L):
                for j in range(L):
                    m += s[i, j]
            M[c, t] = abs(m) / N
        states[c] = x
        sizes[c] = touched
