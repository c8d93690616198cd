"""Samplers against exact finite-size results, independence, determinism, bad input."""

import numba
import numpy as np
import pytest

from minirg.ising import (exact_energy, exact_specific_heat, energy, jackknife,
                          magnetization, mean_error, measure_tau, sample, sample_betas,
                          specific_heat, tau_int)
from minirg.ising.mc import evolve

ALGS = ["wolff", "metropolis", "heatbath", "auto"]


def _z_scores(spins, L, beta, chains):
    """z of the mean energy and the specific heat against the exact values.

    Errors use tau_int measured within each chain (sample i is from chain
    i % chains) and a blocked jackknife for the specific heat.
    """
    e = energy(spins)
    n = e.size - e.size % chains
    per_chain = e[:n].reshape(-1, chains).T
    mean, err = mean_error(per_chain, tau=max(0.5, tau_int(per_chain)))
    c, c_err = jackknife(lambda x: specific_heat(x, beta, L), e)
    return ((mean - exact_energy(L, beta)) / err,
            (c - exact_specific_heat(L, beta)) / c_err)


@pytest.mark.slow
@pytest.mark.parametrize("algorithm", ALGS)
@pytest.mark.parametrize("beta", [0.3, 0.4352, 0.6])
def test_energy_and_specific_heat_L32(algorithm, beta):
    slow_local = algorithm in ("metropolis", "heatbath") and beta == 0.4352
    n = 800 if slow_local else 3000
    spins, info = sample(32, beta, n, seed=11, algorithm=algorithm, return_info=True)
    z_e, z_c = _z_scores(spins, 32, beta, info["chains"])
    assert abs(z_e) <= 4 and abs(z_c) <= 4, (z_e, z_c, info)


@pytest.mark.slow
@pytest.mark.parametrize("algorithm", ALGS)
@pytest.mark.parametrize("L", [4, 8])
@pytest.mark.parametrize("beta", [0.3, 0.4352, 0.6])
def test_energy_and_specific_heat_small_L(algorithm, L, beta):
    spins, info = sample(L, beta, 8000, seed=5, algorithm=algorithm, return_info=True)
    z_e, z_c = _z_scores(spins, L, beta, info["chains"])
    assert abs(z_e) <= 4 and abs(z_c) <= 4, (z_e, z_c, info)


@pytest.mark.slow
@pytest.mark.parametrize("algorithm", ["auto", "metropolis"])
def test_returned_energies_are_independent_near_criticality(algorithm):
    n = 4000 if algorithm == "auto" else 1600
    spins, info = sample(32, 0.4352, n, seed=3, algorithm=algorithm, return_info=True)
    e, C = energy(spins), info["chains"]
    assert tau_int(e) <= 1.0                                   # the returned sequence
    assert tau_int(e.reshape(-1, C).T) <= 1.0                  # and within each chain
    m = np.abs(magnetization(spins))
    assert tau_int(m.reshape(-1, C).T) <= 1.0
    # both signs of m appear (random global flips), also where dynamics cannot tunnel
    assert 0.35 < (magnetization(spins) > 0).mean() < 0.65


@pytest.mark.slow
def test_measure_tau_metadata():
    info = measure_tau(32, 0.4352, "wolff")
    assert info["algorithm"] == "wolff" and info["pilot_converged"]
    tau = max(info["tau_E"], info["tau_absm"])
    assert 1 < tau < 20                              # Wolff near beta_c: a few flips
    assert info["spacing"] >= 4 * tau and info["thermalization"] >= 50 * tau
    assert measure_tau(32, 0.4352, "wolff") == info   # cached, fixed seed
    local = measure_tau(32, 0.4352, "metropolis")
    # in sweeps, local dynamics decorrelate |m| far more slowly than Wolff
    assert local["tau_absm"] > 5 * info["tau_absm"] * info["sweeps_per_step"]


def test_same_seed_same_output_regardless_of_threads():
    a = sample(8, 0.44, 40, seed=7)
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        b = sample(8, 0.44, 40, seed=7, progress=True)
    finally:
        numba.set_num_threads(threads)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, sample(8, 0.44, 40, seed=8))
    np.testing.assert_array_equal(sample(8, 0.44, 20, seed=7), a[:20])   # prefix property


def test_output_format_and_info():
    spins, info = sample(6, 0.5, 10, algorithm="wolff", return_info=True)
    assert spins.shape == (10, 6, 6) and spins.dtype == np.int8
    assert set(np.unique(spins)) <= {-1, 1}
    for key in ("tau_E", "tau_absm", "spacing", "thermalization", "chains", "algorithm"):
        assert key in info
    assert info["chains"] == 10 and info["seed"] == 0


@pytest.mark.slow
def test_sample_betas_each_lattice_at_its_own_beta(rng):
    L = 16
    betas = rng.uniform(0.40, 0.47, 3000)
    spins, info = sample_betas(L, betas, seed=2, return_info=True)
    assert spins.shape == (3000, L, L)
    resid = energy(spins) - exact_energy(L, betas)
    mean, err = mean_error(resid, tau=0.5)
    assert abs(mean / err) <= 4
    # within a chain (betas sorted, dealt round-robin) residuals are uncorrelated
    order = np.argsort(betas, kind="stable")
    C = info["chains"]
    chains = resid[order[: 3000 - 3000 % C]].reshape(-1, C).T
    assert tau_int(chains) <= 1.0
    assert {p["algorithm"] for p in info["pilots"]} <= {"wolff", "metropolis"}


@pytest.mark.slow
def test_sample_betas_on_a_grid():
    betas = np.repeat([0.2, 0.44, 0.7], 1500)
    spins = sample_betas(8, betas, seed=1)
    for beta in (0.2, 0.44, 0.7):
        e = energy(spins[betas == beta])
        mean, err = mean_error(e, tau=0.5)
        assert abs(mean - exact_energy(8, beta)) <= 4 * err


def test_evolve_keeps_shape_and_is_seeded(rng):
    spins = rng.choice(np.array([-1, 1], np.int8), size=(3, 6, 6))
    a = evolve(spins, 0.4, 3, algorithm="wolff", seed=1)
    assert a.shape == spins.shape and a.dtype == np.int8
    np.testing.assert_array_equal(a, evolve(spins, 0.4, 3, algorithm="wolff", seed=1))


@pytest.mark.parametrize("kwargs, match", [
    (dict(L=7), "even"), (dict(L=2), ">= 4"), (dict(L=8.0), "integer"),
    (dict(beta=0.0), "beta"), (dict(beta=-1), "beta"), (dict(beta=np.nan), "beta"),
    (dict(beta=np.inf), "beta"), (dict(n=0), "n must"), (dict(n=2.5), "n must"),
    (dict(seed=-1), "seed"), (dict(seed=1.5), "seed"), (dict(seed=True), "seed"),
    (dict(algorithm="gibbs"), "algorithm"), (dict(chains=0), "chains"),
])
def test_bad_inputs(kwargs, match):
    args = dict(L=8, beta=0.4, n=4)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        sample(args.pop("L"), args.pop("beta"), args.pop("n"), **args)


@pytest.mark.parametrize("betas", [[], [0.3, -0.1], [[0.3]], [0.2, np.nan]])
def test_bad_betas(betas):
    with pytest.raises(ValueError, match="betas"):
        sample_betas(8, betas)
