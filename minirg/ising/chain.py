"""The sampler's driver, written plainly: one chain, any rule.

A Markov chain from a start lattice is thermalised by many update steps,
then a lattice is saved every `spacing` steps (a few autocorrelation times,
so the saved lattices are independent); each saved lattice also gets a
global spin flip with probability 1/2, an exact symmetry of H, so both
signs of m appear even where the dynamics cannot tunnel between them.

    run_chain(spins, step, steps, stream)     the driver (this module)
    step = rule(code, thr)                    Metropolis, heat bath or Wolff
                                              (minirg.ising.rules)

`mc.sample` runs exactly this, for many chains at once, in the numba kernel
`_kernels._run_plan`; tests/ising/test_rules.py checks that it gives the same
lattices as `run_chain` on the same random stream.

The random stream is SplitMix64 (state += GAMMA; output = mix(state)), one
64-bit state per chain. `SplitMix64` below is the generator in plain
Python and hands out the uniforms in the order the kernels draw them.
The kernels compare integers: a 53-bit draw k flips a spin if
k < thr = floor(p 2^53), which is the rule's test u < p for u = k / 2^53 and
p rounded down to a multiple of 2^-53 (Wolff: 32 bits). `rule` gives the
reference those rounded probabilities, so both make the same decisions.
"""

import numpy as np

from .rules import local_sweep, wolff_flip

__all__ = ["SplitMix64", "rule", "run_chain"]

_MASK = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15


class SplitMix64:
    """The kernels' random stream in plain Python; state is a 64-bit int."""

    def __init__(self, state):
        self.state = int(state)

    def next(self):
        """Advance the state; the next 64-bit output."""
        self.state = (self.state + GAMMA) & _MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        return z ^ (z >> 31)

    def sweep_uniforms(self, L):
        """(L, L) uniforms k / 2^53 for one local sweep, drawn in sweep order
        (colour (i + j) even, row by row, then odd), one per site."""
        u = np.empty((L, L))
        for colour in (0, 1):
            for i in range(L):
                for j in range((i + colour) % 2, L, 2):
                    u[i, j] = (self.next() >> 11) / 2.0**53
        return u

    def bond_uniforms(self):
        """Four 32-bit uniforms from two draws (high half, low half of each)."""
        z1, z2 = self.next(), self.next()
        return [(z >> shift & 0xFFFFFFFF) / 2.0**32 for z in (z1, z2) for shift in (32, 0)]

    def site(self, L):
        """A uniform site (i, j) of the L x L lattice."""
        return divmod(((self.next() >> 32) * L * L) >> 32, L)

    def coin(self):
        """True with probability 1/2 (the top bit)."""
        return bool(self.next() >> 63)


def rule(code, thr):
    """The reference update step for the kernels' (code, thr) of
    `tuning.update_table`: step(spins, stream) changes spins in place.

    code 0: a local checkerboard sweep with flip probabilities thr / 2^53;
    code 1: one Wolff cluster flip with p_add = thr[0] / 2^32.
    """
    thr = np.asarray(thr, dtype=np.uint64)
    if code == 0:
        p = thr.astype(np.float64) / 2.0**53        # exact: thr <= 2^53
        return lambda s, stream: local_sweep(s, p, stream.sweep_uniforms(s.shape[0]))
    p_add = float(thr[0]) / 2.0**32
    return lambda s, stream: wolff_flip(s, p_add, stream.site(s.shape[0]),
                                        stream.bond_uniforms)


def run_chain(spins, step, steps, stream, *, cold=None, global_flip=True):
    """Run one chain and collect a lattice after each block of steps.

    Parameters
    ----------
    spins : (L, L) int8 start lattice (not changed).
    step : callable
        step(spins, stream): one update in place (from `rule`).
    steps : sequence of int
        Updates before each saved lattice: the thermalisation first, then
        the spacing (in mc.sample ~ 50 and ~ 4 autocorrelation times).
    stream : SplitMix64
        The chain's random numbers (advanced in place).
    cold : sequence of bool, optional
        cold[k]: restart from all +1 before block k (mc.sample_betas does
        this when a chain enters the ordered phase from far away).
    global_flip : bool
        Flip the whole lattice with probability 1/2 before each save.

    Returns
    -------
    samples : (len(steps), L, L) int8
    """
    s = np.array(spins, dtype=np.int8)
    samples = []
    for k, n_steps in enumerate(steps):
        if cold is not None and cold[k]:
            s[:] = 1
        for _ in range(n_steps):
            step(s, stream)
        if global_flip and stream.coin():
            s = -s
        samples.append(s.copy())
    return np.array(samples, dtype=np.int8).reshape((len(steps),) + s.shape)
