"""Numba kernels against the plain-loop references they implement (minirg.ising.rules
and minirg.ising.chain), on the same random streams (exact equality)."""

import numpy as np
import pytest

from minirg.ising import _kernels as K
from minirg.ising.chain import SplitMix64, rule, run_chain
from minirg.ising.observables import energy_per_spin, lattice_energy
from minirg.ising.rules import local_sweep, wolff_flip
from minirg.ising.tuning import update_table


def _lattice(rng, L):
    return rng.choice(np.array([-1, 1], np.int8), size=(L, L))


def _seed(rng):
    return int(rng.integers(0, 2**64, dtype=np.uint64))


def test_mix_matches_splitmix(rng):
    with np.errstate(over="ignore"):
        for _ in range(20):
            x = _seed(rng)
            stream = SplitMix64(x)
            out = stream.next()
            assert int(K._mix(np.uint64(stream.state))) == out
            assert stream.state == (x + int(K.GAMMA)) % 2**64


def test_splitmix_published_values():
    stream = SplitMix64(0)           # the reference outputs of SplitMix64 from seed 0
    assert [stream.next() for _ in range(3)] == [
        0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F]


@pytest.mark.parametrize("algorithm", ["metropolis", "heatbath"])
@pytest.mark.parametrize("beta", [0.05, 0.44, 1.2])
@pytest.mark.parametrize("L", [4, 6])
def test_local_sweep_matches_reference(rng, algorithm, beta, L):
    spins = _lattice(rng, L)
    _, thr = update_table(beta, algorithm)
    x = _seed(rng)
    stream = SplitMix64(x)
    # the kernel's integer test k < thr is u < thr / 2^53 for u = k / 2^53
    want = local_sweep(spins.copy(), thr / 2.0**53, stream.sweep_uniforms(L))
    want_x = stream.state
    got = spins.copy()
    with np.errstate(over="ignore"):
        got_x = K._local_sweep(got, thr, np.uint64(x))
    np.testing.assert_array_equal(got, want)
    assert int(got_x) == want_x


@pytest.mark.parametrize("beta", [0.2, 0.44, 0.8])
def test_wolff_flip_matches_reference(rng, beta):
    L = 6
    spins = _lattice(rng, L)
    _, thr = update_table(beta, "wolff")
    stack = np.empty(L * L, np.int64)
    x = _seed(rng)
    for _ in range(5):                       # several flips: the stream carries over
        stream = SplitMix64(x)
        want = spins.copy()
        want_size = wolff_flip(want, thr[0] / 2.0**32, stream.site(L), stream.bond_uniforms)
        want_x = stream.state
        with np.errstate(over="ignore"):
            got_x, size = K._wolff_flip(spins.reshape(L * L), L, thr[0], np.uint64(x), stack)
        np.testing.assert_array_equal(spins, want)
        assert (int(got_x), int(size)) == (want_x, want_size)
        x = want_x


def test_lanes_match_single_lattice_sweeps(rng):
    G, L, B, sweeps = 2, 6, 4, 3
    lattices = rng.choice(np.array([-1, 1], np.int8), size=(G * B, L, L))
    states = rng.integers(0, 2**64, size=G * B, dtype=np.uint64)
    _, thr = update_table(0.4, "heatbath")
    S = np.ascontiguousarray(lattices.reshape(G, B, L, L).transpose(0, 2, 3, 1))
    X = states.reshape(G, B).copy()
    with np.errstate(over="ignore"):
        K._local_lanes(S, X, thr, sweeps)
        for k in range(G * B):
            x = states[k]
            for _ in range(sweeps):
                x = np.uint64(K._local_sweep(lattices[k], thr, np.uint64(x)))
            np.testing.assert_array_equal(S[k // B, :, :, k % B], lattices[k])
            assert int(X[k // B, k % B]) == int(x)


def test_energy_sum_matches_lattice_energy(rng):
    for L in (4, 5, 8):
        spins = _lattice(rng, L)
        assert -K._energy_sum(spins) == lattice_energy(spins)
        assert -K._energy_sum(spins) / L**2 == pytest.approx(energy_per_spin(spins))


def _plan_inputs(rng, C=3, K_=4, L=4):
    spins = rng.choice(np.array([-1, 1], np.int8), size=(C, L, L))
    states = rng.integers(0, 2**64, size=C, dtype=np.uint64)
    plan = np.arange(C * K_).reshape(K_, C).T.copy()
    n = C * K_
    algo = (np.arange(n) % 2).astype(np.int8)            # alternate local / Wolff
    thr = np.array([update_table(0.4, a)[1] for a in ("metropolis", "wolff")] * (n // 2))
    steps = np.full(n, 2, np.int64)
    return spins, states, plan, algo, thr, steps, np.zeros(n, np.int8)


def test_run_plan_independent_of_chunking(rng):
    spins, states, plan, algo, thr, steps, cold = _plan_inputs(rng)
    n = plan.size
    whole, parts = np.empty((n, 4, 4), np.int8), np.empty((n, 4, 4), np.int8)
    s1, x1, s2, x2 = spins.copy(), states.copy(), spins.copy(), states.copy()
    with np.errstate(over="ignore"):
        K._run_plan(s1, x1, plan, algo, thr, steps, cold, whole, True)
        for col in range(plan.shape[1]):
            K._run_plan(s2, x2, np.ascontiguousarray(plan[:, col:col + 1]), algo, thr,
                        steps, cold, parts, True)
    np.testing.assert_array_equal(whole, parts)
    np.testing.assert_array_equal(x1, x2)


def test_measure_records_energy_and_magnetisation(rng):
    spins, states, *_ = _plan_inputs(rng)
    _, thr = update_table(0.3, "metropolis")
    E, M = np.empty((3, 5)), np.empty((3, 5))
    sizes = np.zeros(3, np.int64)
    with np.errstate(over="ignore"):
        K._measure(spins, states, 0, thr, 1, E, M, sizes)
    for c in range(3):                        # the last column describes the final state
        assert E[c, -1] == pytest.approx(energy_per_spin(spins[c]))
        assert M[c, -1] == pytest.approx(abs(spins[c].mean()))
    assert (sizes == 5 * 16).all()


def test_run_plan_cold_restart(rng):
    spins, states, plan, algo, thr, steps, cold = _plan_inputs(rng)
    n = plan.size
    algo[:] = 0
    thr[:] = update_table(50.0, "metropolis")[1]          # frozen: aligned spins stay
    cold[:] = 1
    out = np.empty((n, 4, 4), np.int8)
    with np.errstate(over="ignore"):
        K._run_plan(spins, states, plan, algo, thr, steps, cold, out, False)
    assert (out == 1).all()


@pytest.mark.parametrize("global_flip", [True, False])
def test_run_plan_matches_run_chain(rng, global_flip):
    """Each chain of the parallel driver is the reference driver on its own stream,
    here with the rule, its table and the cold restarts changing from sample to sample."""
    spins, states, plan, algo, thr, steps, cold = _plan_inputs(rng)
    steps = rng.integers(0, 4, size=plan.size).astype(np.int64)
    cold[::5] = 1
    out = np.empty((plan.size, 4, 4), np.int8)
    s, x = spins.copy(), states.copy()
    with np.errstate(over="ignore"):
        K._run_plan(s, x, plan, algo, thr, steps, cold, out, global_flip)
    for c in range(plan.shape[0]):
        stream, lattice = SplitMix64(states[c]), spins[c]
        for k in plan[c]:                    # one block per sample, continuing the chain
            lattice = run_chain(lattice, rule(algo[k], thr[k]), [steps[k]], stream,
                                cold=[cold[k]], global_flip=global_flip)[0]
            np.testing.assert_array_equal(out[k], lattice)
        np.testing.assert_array_equal(s[c], lattice)
        assert int(x[c]) == stream.state


@pytest.mark.parametrize("algorithm", ["metropolis", "heatbath", "wolff"])
def test_run_plan_is_run_chain_of_sample(rng, algorithm):
    """mc.sample's case: one rule, thermalisation then spacing, global flips."""
    L, K_ = 6, 5
    spins = _lattice(rng, L)[None]
    state = np.array([_seed(rng)], np.uint64)
    code, table = update_table(0.44, algorithm)
    steps = np.array([7] + [3] * (K_ - 1), np.int64)
    out = np.empty((K_, L, L), np.int8)
    with np.errstate(over="ignore"):
        K._run_plan(spins.copy(), state.copy(), np.arange(K_)[None], np.full(K_, code, np.int8),
                    np.tile(table, (K_, 1)), steps, np.zeros(K_, np.int8), out, True)
    want = run_chain(spins[0], rule(code, table), steps, SplitMix64(state[0]))
    np.testing.assert_array_equal(out, want)
