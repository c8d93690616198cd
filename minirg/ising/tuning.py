"""Update tables, the automatic algorithm choice and the pilot runs that measure
autocorrelation times, from which thermalisation and spacing are derived.

Time is counted in *steps*: one checkerboard sweep for the local algorithms
(Metropolis, heat bath), one cluster flip for Wolff.
"""

import functools
import math

import numpy as np

from . import _kernels as K
from minirg._checks import check_L, check_beta
from .observables import tau_int
from .rg import BETA_C
from .rules import bond_probability, flip_probabilities

ALGORITHMS = ("metropolis", "heatbath", "wolff")
_CODES = {"metropolis": 0, "heatbath": 0, "wolff": 1}
STEP_UNITS = {"metropolis": "sweep", "heatbath": "sweep", "wolff": "cluster flip"}

# "auto": the algorithm with the most independent samples per second, from
# `python scripts/bench_ising.py --crossover` (L = 32): heat bath at high
# temperature (Metropolis' checkerboard sweep there flips nearly every spin,
# so E and |m| barely change and tau grows as beta -> 0), Metropolis at
# moderate beta and deep in the ordered phase, Wolff around beta_c.
AUTO_RULE = ((0.075, "heatbath"), (0.25, "metropolis"), (0.5, "wolff"),
             (float("inf"), "metropolis"))        # (beta below which, algorithm)

K_SPACING = 4.0      # spacing = ceil(K_SPACING * max(tau_E, tau_|m|)) steps
K_THERM = 50.0       # thermalisation = ceil(K_THERM * max(tau)) steps
MIN_LENGTH = 400     # pilot series per chain >= MIN_LENGTH * tau (4 chains)
_PILOT_CHAINS = 4
_PILOT_SEED = 0x5EED_7A0      # fixed: spacing is a property of (L, beta, algorithm)
_PILOT_MAX_BLOCKS = 1 << 20


def resolve_algorithm(algorithm, beta):
    """The concrete algorithm for a name ("auto" chooses by beta)."""
    if algorithm == "auto":
        return next(name for bound, name in AUTO_RULE if beta < bound)
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {('auto',) + ALGORITHMS}, "
                         f"got {algorithm!r}")
    return algorithm


def update_table(beta, algorithm):
    """(code, thr) for the kernels: the rules' probabilities as integer thresholds.

    Local rules (code 0): thr (5,) uint64 = floor(p 2^53) of
    `rules.flip_probabilities`, so a 53-bit draw k flips when k < thr[(d + 4) // 2].
    Wolff (code 1): every entry is floor(p_add 2^32) of `rules.bond_probability`,
    compared with 32-bit draws (p_add is off by < 2.4e-10).
    """
    if algorithm == "wolff":
        return 1, np.full(5, np.floor(bond_probability(beta) * 2.0**32), dtype=np.uint64)
    p = flip_probabilities(beta, algorithm)
    return _CODES[algorithm], np.floor(p * 2.0**53).astype(np.uint64)


def initial_spins(L, beta, chains, rng):
    """Start states (chains, L, L) int8: random below BETA_C, all +1 above.

    A cold start in the ordered phase avoids the long-lived stripe states a
    quench from random spins can fall into under local dynamics.
    """
    if beta < BETA_C:
        return rng.choice(np.array([-1, 1], np.int8), size=(chains, L, L))
    return np.ones((chains, L, L), np.int8)


def rng_states(rng, chains):
    """Independent SplitMix64 seeds (chains,) uint64 drawn from rng."""
    return rng.integers(0, 2**64, size=chains, dtype=np.uint64, endpoint=False)


def _measure(spins, states, code, thr, block, T):
    """Run the pilot chains for T blocks; returns E, |m| (chains, T), sites touched."""
    C = spins.shape[0]
    E, M = np.empty((C, T)), np.empty((C, T))
    sizes = np.zeros(C, np.int64)
    with np.errstate(over="ignore"):            # uint64 wrap-around is intended
        K._measure(spins, states, code, thr, block, E, M, sizes)
    return E, M, sizes.sum()


@functools.lru_cache(maxsize=1024)
def _pilot(L, beta, algorithm):
    """Measure tau_int of E and |m| (in blocks); see measure_tau."""
    rng = np.random.default_rng(_PILOT_SEED)
    spins = initial_spins(L, beta, _PILOT_CHAINS, rng)
    states = rng_states(rng, _PILOT_CHAINS)
    code, thr = update_table(beta, algorithm)
    block = 1
    if algorithm == "wolff":
        # measure every ~N/4 flipped sites: E costs N to compute, small clusters less
        _, _, sizes = _measure(spins, states, code, thr, 1, 200)
        block = max(1, round(L * L * 200 * _PILOT_CHAINS / (4 * sizes)))
    burn, T = 100, 1000
    _measure(spins, states, code, thr, block * burn, 1)
    while True:
        E, M, sizes = _measure(spins, states, code, thr, block, T)
        touched = sizes / (block * T * _PILOT_CHAINS)      # sites per step, equilibrium
        tau_E, tau_M = tau_int(E), tau_int(M)
        tau = max(tau_E, tau_M)
        done = T >= MIN_LENGTH * tau and burn >= 20 * tau
        if done or 2 * T > _PILOT_MAX_BLOCKS:
            break
        burn, T = burn + T, 2 * T            # the series just measured is burn-in now
    return block, touched, tau_E, tau_M, T, done


def measure_tau(L, beta, algorithm="wolff"):
    """Pilot-run autocorrelation times and the spacing/thermalisation they imply.

    Four chains with a fixed seed (so the result is a property of
    (L, beta, algorithm) alone, cached) are burnt in, then E and |m| are
    recorded every `block` steps until the series is >= 400 tau long and the
    burn-in >= 20 tau.

    Parameters
    ----------
    L : int
        Even lattice side >= 4.
    beta : float
        Inverse temperature > 0.
    algorithm : {"wolff", "heatbath", "metropolis", "auto"}

    Returns
    -------
    info : dict
        algorithm, step (unit of time), block (steps per measurement),
        tau_E, tau_absm (integrated autocorrelation times in steps),
        sweeps_per_step (sites touched per step / L^2), spacing and
        thermalization (steps), pilot_blocks (series length per chain),
        pilot_converged (False if the length cap was hit first).
    """
    L, beta = check_L(L), check_beta(beta)
    algorithm = resolve_algorithm(algorithm, beta)
    block, touched, tau_E, tau_M, T, done = _pilot(L, beta, algorithm)
    tau = block * max(tau_E, tau_M)
    return {"algorithm": algorithm, "step": STEP_UNITS[algorithm], "block": block,
            "tau_E": block * tau_E, "tau_absm": block * tau_M,
            "sweeps_per_step": float(touched / (L * L)),
            "spacing": max(1, math.ceil(K_SPACING * tau)),
            "thermalization": max(1, math.ceil(K_THERM * tau)),
            "pilot_blocks": T, "pilot_converged": bool(done)}
