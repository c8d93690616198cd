"""Numba kernels: the fast versions of `rules` and `chain` (the only @njit code
in minirg.ising).

    kernel                 reference it implements (tests/ising/test_rules.py)
    _local_sweep           rules.local_sweep (Metropolis, heat bath)
    _local_lanes           _local_sweep on B lattices at once (SIMD lanes)
    _wolff_flip            rules.wolff_flip
    _global_flip, _update  one step of chain.run_chain
    _run_plan              chain.run_chain, for C chains in parallel
    _energy_sum            observables.lattice_energy (= -_energy_sum)
    _measure               the pilot runs of tuning.measure_tau

Randomness: every chain carries one uint64 state of a SplitMix64 generator
(state += GAMMA; output = mix(state)), replayed in plain Python by
`chain.SplitMix64`. The states are drawn outside from
``np.random.default_rng(seed)`` and passed in, so a kernel's result depends
only on its inputs, never on thread timing.

Update tables ``thr`` (from tuning.update_table) hold the rules'
probabilities as integer thresholds: a local move at a site with
d = s_ij * (sum of its 4 neighbours) flips if its 53-bit draw is
< thr[(d + 4) // 2] (= floor(p 2^53) of rules.flip_probabilities; 2^53
always flips). For Wolff, a bond is added if a 32-bit draw is < thr[0]
(= floor(p_add 2^32) of rules.bond_probability).

Algorithm codes: 0 = local checkerboard sweep (Metropolis or heat bath),
1 = Wolff single-cluster flip.
"""

import numpy as np
from numba import njit, prange

GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S11, _S27, _S30, _S31 = np.uint64(11), np.uint64(27), np.uint64(30), np.uint64(31)
_S32, _S63 = np.uint64(32), np.uint64(63)
_M32 = np.uint64(0xFFFFFFFF)


@njit(cache=True)
def _mix(z):
    """SplitMix64 output function: a bijective scramble of the 64-bit state."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True)
def _local_sweep(s, thr, x):
    """rules.local_sweep on s (L, L) int8, in place; returns the new RNG state.

    Colour 0 ((i + j) even) first, then colour 1, row-major within a colour;
    one draw per site, used or not (chain.SplitMix64.sweep_uniforms draws in
    this order), so lane b of _local_lanes replays this exactly.
    """
    L = s.shape[0]
    for colour in range(2):
        for i in range(L):
            up = i - 1 if i > 0 else L - 1
            dn = i + 1 if i < L - 1 else 0
            for j in range((i + colour) & 1, L, 2):
                lf = j - 1 if j > 0 else L - 1
                rt = j + 1 if j < L - 1 else 0
                si = s[i, j]
                d = si * (s[up, j] + s[dn, j] + s[i, lf] + s[i, rt])
                x += GAMMA
                if (_mix(x) >> _S11) < thr[(d + 4) >> 1]:
                    s[i, j] = -si
    return x


@njit(cache=True, parallel=True)
def _local_lanes(S, X, thr, n_sweeps):
    """Checkerboard sweeps of B lattices at once, in place; the inner loop over
    lanes vectorises (SIMD), which a single lattice's stride-2 loop cannot.

    S : (G, L, L, B) int8, lattice g*B + b in S[g, :, :, b]; X : (G, B) uint64
    RNG states; thr : (5,) uint64 table. Lane b follows _local_sweep exactly.
    """
    G, L, _, B = S.shape
    t0, t1, t2, t3, t4 = thr[0], thr[1], thr[2], thr[3], thr[4]
    for g in prange(G):
        s = S[g]
        x = X[g].copy()
        for _ in range(n_sweeps):
            for colour in range(2):
                for i in range(L):
                    up = i - 1 if i > 0 else L - 1
                    dn = i + 1 if i < L - 1 else 0
                    for j in range((i + colour) & 1, L, 2):
                        lf = j - 1 if j > 0 else L - 1
                        rt = j + 1 if j < L - 1 else 0
                        for b in range(B):
                            si = s[i, j, b]
                            d = si * (s[up, j, b] + s[dn, j, b] + s[i, lf, b] + s[i, rt, b])
                            xb = x[b] + GAMMA
                            x[b] = xb
                            # selects, not a table gather: keeps the loop vectorised
                            t = t4 if d == 4 else (t3 if d == 2 else (
                                t2 if d == 0 else (t1 if d == -2 else t0)))
                            if (_mix(xb) >> _S11) < t:
                                s[i, j, b] = -si
        X[g] = x


@njit(cache=True)
def _wolff_flip(flat, L, p_thr, x, stack):
    """rules.wolff_flip on flat (L*L,) int8, in place.

    The seed site comes from one draw (chain.SplitMix64.site). A site is flipped when pushed, so "already in the cluster" needs no extra
    array: it no longer carries the seed's sign. Each popped site draws two
    64-bit numbers, giving four 32-bit uniforms for its neighbours up, down,
    left, right (bond added if aligned and uniform < p_thr / 2**32), and
    updates them without data-dependent branches: the accept test is ~60/40
    random, so branches would mispredict (this is ~1.8x faster).
    stack: (L*L,) int64 scratch. Returns (new RNG state, cluster size).
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
        x += GAMMA
        z1 = _mix(x)
        x += GAMMA
        z2 = _mix(x)
        u = (z1 >> _S32, z1 & _M32, z2 >> _S32, z2 & _M32)
        nbs = (up, dn, lf, rt)
        for k in range(4):
            nb = nbs[k]
            add = np.int64((flat[nb] == s0) & (u[k] < p_thr))
            flat[nb] = flat[nb] * (1 - 2 * add)
            stack[top] = nb             # always written; kept only if top advances
            top += add
            size += add
    return x, size


@njit(cache=True)
def _update(s, algo, thr, x, stack):
    """One step of chain.rule(algo, thr) on s (L, L); returns (RNG state, sites touched)."""
    L = s.shape[0]
    if algo == 0:
        return _local_sweep(s, thr, x), L * L
    return _wolff_flip(s.reshape(L * L), L, thr[0], x, stack)


@njit(cache=True)
def _energy_sum(s):
    """Sum over bonds of s_i s_j for s (L, L) periodic: -observables.lattice_energy."""
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
def _run_plan(spins, states, plan, algo, thr, steps, cold, out, global_flip):
    """chain.run_chain for C chains in parallel: advance them and save samples, in place.

    spins : (C, L, L) int8 chain states; states : (C,) uint64 RNG states.
    plan : (C, K) int64 sample indices per chain (-1 = nothing), in order.
    For sample k: if cold[k] (int8) the chain restarts from all +1 (entering
    the ordered phase from a disordered state can trap local dynamics in
    stripes); then steps[k] updates of kind algo[k] (int8) with table thr[k]
    (5,) uint64, then (if global_flip) a random global flip, then out[k] = chain.
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
            if cold[k]:
                s[:] = 1
            for _ in range(steps[k]):
                x, _size = _update(s, algo[k], thr[k], x, stack)
            if global_flip:
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
