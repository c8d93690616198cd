"""Independent equilibrium lattices of the 2D Ising model, at one beta or many.

Each sample comes from a Markov chain run exactly as `chain.run_chain` runs
one: thermalise, then save a lattice every `spacing` steps, each with a
random global spin flip; a step is one of the rules of `rules.py`
(Metropolis or heat-bath sweep, Wolff cluster flip). The thermalisation
(50 tau) and spacing (4 tau) come from pilot-measured autocorrelation times
(`tuning.measure_tau`), and "auto" picks the rule by beta.

What this module adds to that driver is speed, without changing the chain:
16 chains run in parallel in the numba kernel `_kernels._run_plan`, each
with its own random stream seeded from ``np.random.default_rng(seed)``, so
the output depends on the seed only, never on thread timing or core count.
The bookkeeping (which chain makes which sample, chunks for the progress
bar, SIMD lanes for `evolve`) sits below the public functions.
"""

import math

import numpy as np
from tqdm.auto import tqdm

from . import _kernels as K
from minirg._checks import check_L, check_beta, check_betas, check_count, check_seed, check_spins
from .rg import BETA_C
from .tuning import (initial_spins, measure_tau, resolve_algorithm, rng_states,
                     update_table, K_SPACING, K_THERM)

__all__ = ["sample", "sample_betas", "evolve"]

_CHAINS = 16          # fixed (not the core count) so results do not depend on the machine
_LANES = 32           # lattices per SIMD group in evolve


def sample(L, beta, n, *, seed=0, algorithm="auto", chains=_CHAINS,
           progress=False, return_info=False):
    """Independent equilibrium lattices of the 2D Ising model at one beta.

    Parameters
    ----------
    L : int
        Even lattice side >= 4 (periodic L x L, J = 1).
    beta : float
        Inverse temperature, finite and > 0.
    n : int
        Number of lattices.
    seed : int
        Non-negative seed; the same seed gives identical output.
    algorithm : {"auto", "wolff", "heatbath", "metropolis"}
        "auto" picks by beta the fastest per independent sample
        (tuning.AUTO_RULE: Wolff for 0.25 <= beta < 0.5).
    chains : int
        Independent chains (default 16, capped at n). Sample i comes from chain
        i % chains, so consecutive lattices are from different chains and
        within a chain they are `spacing` steps apart.
    progress : bool
        Show a tqdm bar on stderr.
    return_info : bool
        Also return the measurement metadata.

    Returns
    -------
    spins : (n, L, L) int8 of +-1
    info : dict, only if return_info
        measure_tau's dict (tau_E, tau_absm, spacing, thermalization, ... in
        steps) plus L, beta, n, seed, chains.
    """
    L, beta, n = check_L(L), check_beta(beta), check_count(n)
    seed, chains = check_seed(seed), check_count(chains, "chains")
    info = measure_tau(L, beta, resolve_algorithm(algorithm, beta))
    C = min(chains, n)
    rng = np.random.default_rng(seed)
    spins, states = initial_spins(L, beta, C, rng), rng_states(rng, C)
    plan = _deal(np.arange(n), C)                 # sample i from chain i % C
    steps = np.full(n, info["spacing"], np.int64)
    steps[:C] = info["thermalization"]            # first lattice of each chain
    code, table = update_table(beta, info["algorithm"])
    out = np.empty((n, L, L), np.int8)
    _run(spins, states, plan, np.full(n, code, np.int8), np.tile(table, (n, 1)),
         steps, np.zeros(n, np.int8), out, progress, f"{info['algorithm']} L={L} beta={beta:g}")
    if not return_info:
        return out
    info.update(L=L, beta=beta, n=n, seed=seed, chains=C)
    return out, info


def sample_betas(L, betas, *, seed=0, algorithm="auto", chains=_CHAINS,
                 progress=False, return_info=False):
    """One independent equilibrium lattice per entry of betas (each at its own beta).

    The betas are sorted and dealt round-robin to the chains, so each chain
    walks up through the range in small beta steps: after each step it runs
    the spacing measured for the new beta (>= 3 tau_int) before saving, which
    leaves it equilibrated there because neighbouring betas differ by far
    less than the energy fluctuations resolve. Where a chain's step in beta
    exceeds 0.1 / L (e.g. a grid of separate betas) it thermalises afresh,
    from all +1 if the new beta is above BETA_C.

    Parameters
    ----------
    L : int
        Even lattice side >= 4.
    betas : (n,) array of finite betas > 0, in any order (repeats allowed).
    seed, algorithm, chains, progress, return_info
        As for `sample`; "auto" chooses per beta.

    Returns
    -------
    spins : (n, L, L) int8, spins[i] at betas[i]
    info : dict, only if return_info
        L, n, seed, chains, beta_step_tolerance and "pilots": one
        measure_tau dict (with its beta) per pilot node used.
    """
    L, betas = check_L(L), check_betas(betas)
    seed, chains = check_seed(seed), check_count(chains, "chains")
    n = betas.size
    code, table, spacing, therm, summary = _schedule(L, betas, algorithm)
    C = min(chains, n)
    plan = _deal(np.argsort(betas, kind="stable"), C)   # each chain walks up in beta
    tolerance = 0.1 / L
    jump = np.abs(np.diff(betas[plan], axis=1, prepend=-np.inf)) > tolerance
    fresh = plan[jump & (plan >= 0)]              # first lattice or a big step in beta
    steps = spacing.copy()
    steps[fresh] = therm[fresh]
    cold = np.zeros(n, np.int8)
    cold[fresh] = betas[fresh] >= BETA_C          # ordered phase: restart from all +1
    rng = np.random.default_rng(seed)
    spins = initial_spins(L, 0.0, C, rng)         # random; cold flags override
    states = rng_states(rng, C)
    out = np.empty((n, L, L), np.int8)
    _run(spins, states, plan, code, table, steps, cold, out, progress, f"L={L} {n} betas")
    if not return_info:
        return out
    return out, {"L": L, "n": n, "seed": seed, "chains": C, "algorithm": algorithm,
                 "beta_step_tolerance": tolerance, "k_spacing": K_SPACING,
                 "k_therm": K_THERM, "pilots": summary}


def evolve(spins, beta, steps, *, algorithm="metropolis", seed=0):
    """Advance each lattice as its own chain by `steps` updates.

    Many lattices with a local algorithm go through a SIMD kernel (32
    lattices per vector loop, groups spread over the cores); the chain of
    each lattice is the same as in `sample`, only faster in bulk.

    Parameters
    ----------
    spins : (n, L, L) array of +-1, L even >= 4
    beta : float
    steps : int
        Sweeps (metropolis, heatbath) or cluster flips (wolff) per lattice.
    algorithm : {"metropolis", "heatbath", "wolff", "auto"}
    seed : int
        Seeds one RNG stream per lattice.

    Returns
    -------
    (n, L, L) int8 : the lattices after the updates (a new array).
    """
    s = np.array(check_spins(spins), dtype=np.int8, order="C")
    if s.ndim != 3:
        raise ValueError(f"spins must have shape (n, L, L), got {s.shape}")
    check_L(s.shape[-1])
    beta, steps, seed = check_beta(beta), check_count(steps, "steps"), check_seed(seed)
    code, table = update_table(beta, resolve_algorithm(algorithm, beta))
    n = s.shape[0]
    states = rng_states(np.random.default_rng(seed), n)
    if code == 0 and n >= 2 * _LANES:
        return _lanes(s, states, table, steps)
    plan = np.arange(n, dtype=np.int64)[:, None]
    with np.errstate(over="ignore"):
        K._run_plan(s, states, plan, np.full(n, code, np.int8), np.tile(table, (n, 1)),
                    np.full(n, steps, np.int64), np.zeros(n, np.int8), s, False)
    return s


# --- Mechanics: many chains in one kernel call -------------------------------


def _deal(order, C):
    """Deal the sample indices `order` round-robin to C chains: the plan.

    plan : (C, ceil(n / C)) int64, plan[c] the samples chain c makes, in
    order; -1 pads the last column where C does not divide n.
    """
    n = order.size
    plan = np.full((C, math.ceil(n / C)), -1, np.int64)
    for c in range(C):
        plan[c, :order[c::C].size] = order[c::C]
    return plan


def _run(spins, states, plan, code, thr, steps, cold, out, progress, desc):
    """Run the plan (C, K) column chunk by column chunk, updating a progress bar.

    Chunks only give the bar something to show: the chains carry their
    lattices and random states from one chunk to the next, so the output is
    the same as one call (tests/ising/test_kernels.py checks this).
    """
    n_cols = plan.shape[1]
    chunk = max(1, n_cols // 100)
    with tqdm(total=int((plan >= 0).sum()), desc=desc, unit="lattice",
              disable=not progress, leave=False) as bar, np.errstate(over="ignore"):
        for start in range(0, n_cols, chunk):
            cols = np.ascontiguousarray(plan[:, start:start + chunk])
            K._run_plan(spins, states, cols, code, thr, steps, cold, out, True)
            bar.update(int((cols >= 0).sum()))
    return out


def _nodes(betas):
    """Pilot betas: a grid of step <= 0.025 over the range, or the distinct
    betas themselves where there are no more of them than grid points."""
    unique = np.unique(betas)
    lo, hi = unique[0], unique[-1]
    count = int(math.ceil((hi - lo) / 0.025)) + 1
    return unique if unique.size <= count else np.linspace(lo, hi, count)


def _schedule(L, betas, algorithm):
    """Per-lattice (code, table, spacing, thermalization) and the node summary.

    Spacing and thermalisation at beta are the larger of the pilot values at
    the two bracketing nodes (tau varies smoothly between nodes 0.025 apart).
    """
    nodes = _nodes(betas)
    algs = [resolve_algorithm(algorithm, b) for b in betas]
    hi = np.clip(np.searchsorted(nodes, betas), 0, nodes.size - 1)
    lo = np.where(nodes[hi] == betas, hi, np.maximum(hi - 1, 0))
    n = betas.size
    code, table = np.empty(n, np.int8), np.empty((n, 5), np.uint64)
    spacing, therm = np.empty(n, np.int64), np.empty(n, np.int64)
    used = {}
    for k, (b, a) in enumerate(zip(betas, algs)):
        pilots = []
        for node in {lo[k], hi[k]}:
            key = (float(nodes[node]), a)
            if key not in used:
                used[key] = measure_tau(L, key[0], a)
            pilots.append(used[key])
        spacing[k] = max(p["spacing"] for p in pilots)
        therm[k] = max(p["thermalization"] for p in pilots)
        code[k], table[k] = update_table(b, a)
    summary = [dict(beta=key[0], **info) for key, info in sorted(used.items())]
    return code, table, spacing, therm, summary


def _lanes(s, states, table, steps):
    """Local sweeps of many lattices through the SIMD lane kernel (same chain per lattice)."""
    n, L, _ = s.shape
    G = math.ceil(n / _LANES)
    S = np.ones((G * _LANES, L, L), np.int8)
    S[:n] = s
    X = np.zeros(G * _LANES, np.uint64)
    X[:n] = states
    S = np.ascontiguousarray(S.reshape(G, _LANES, L, L).transpose(0, 2, 3, 1))
    X = X.reshape(G, _LANES)
    with np.errstate(over="ignore"):
        K._local_lanes(S, X, table, steps)
    return S.transpose(0, 3, 1, 2).reshape(G * _LANES, L, L)[:n]
