"""Ising sampler benchmarks: numba kernels against a vectorised NumPy baseline.

python scripts/bench_ising.py [--paper-datasets] [--crossover] [--gpu] [--repeats 3]

Rows: Metropolis spin-flip attempts per ns (a batch of lattices, all
threads), independent near-critical samples per second (L = 32,
beta = 0.4352), both beside the NumPy checkerboard Metropolis of
minirg.ising.checkerboard run on NumPy; optionally the wall time of the paper's
dataset sizes and the cost per independent sample of every algorithm over
beta (the measurement behind the "auto" choice).
"""

import argparse
import tempfile
import time

import numba
import numpy as np

from minirg.bench._timing import best
from minirg.ising.checkerboard import checkerboard_sweeps, sample_checkerboard, uniform_source
from minirg.ising.datasets import PAPER_SIZES, make_datasets
from minirg.ising.mc import evolve, sample
from minirg.ising.tuning import ALGORITHMS, _pilot, measure_tau


def metropolis_rates(L=32, beta=0.4352, batch=256, sweeps=200, repeats=3):
    """(numba, numpy) Metropolis attempts per ns on a batch of lattices."""
    spins = np.ones((batch, L, L), np.int8)
    evolve(spins[:64], beta, 1)                                  # load the SIMD kernel
    t_numba = best(lambda: evolve(spins, beta, sweeps), repeats)
    uniform = uniform_source(np, 0)
    np_sweeps = max(1, sweeps // 20)
    t_numpy = best(lambda: checkerboard_sweeps(spins, beta, np_sweeps, uniform), repeats)
    attempts = batch * L * L
    return attempts * sweeps / t_numba / 1e9, attempts * np_sweeps / t_numpy / 1e9


def sample_rates(L=32, beta=0.4352, n=30_000, repeats=3):
    """Independent samples/s: sample() cold (with pilot), warm, and the NumPy baseline.

    The baseline runs `batch` Metropolis chains and needs the measured
    Metropolis spacing (4 tau_int sweeps) per sample and chain; its
    thermalisation is not charged.
    """
    sample(8, 0.4, 4)                                            # compile
    _pilot.cache_clear()                                         # charge the pilot
    t0 = time.perf_counter()
    sample(L, beta, n, seed=1)
    cold = n / (time.perf_counter() - t0)
    warm = warm_sample_rate(L, beta, n, repeats)
    spacing = measure_tau(L, beta, "metropolis")["spacing"]
    batch = 1024
    spins = np.ones((batch, L, L), np.int8)
    uniform = uniform_source(np, 0)
    t_sweep = best(lambda: checkerboard_sweeps(spins, beta, 5, uniform), repeats) / 5
    return cold, warm, batch / (t_sweep * spacing), spacing


def warm_sample_rate(L=32, beta=0.4352, n=30_000, repeats=3):
    """Independent samples/s of sample() with its pilot already cached."""
    return n / best(lambda: sample(L, beta, n, seed=2), repeats)


def dataset_times(L=32, seed=0):
    """Wall seconds per paper-sized set (pilots included), generated one after another."""
    times = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("critical", "wide", "wide_test", "grid"):
            sizes = {k: (v if k == f"n_{name}" else 0) for k, v in PAPER_SIZES.items()}
            t0 = time.perf_counter()
            make_datasets(tmp, L=L, seed=seed, progress=False, **sizes)
            times[name] = time.perf_counter() - t0
    return times


def crossover(L=32, betas=(0.01, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.4352,
                           0.45, 0.5, 0.55, 0.6, 0.7)):
    """Independent samples per second for each algorithm over beta (pilots excluded)."""
    rows = []
    for beta in betas:
        rates = []
        for alg in ALGORITHMS:
            info = measure_tau(L, beta, alg)
            cost = info["spacing"] * info["sweeps_per_step"]   # sweeps per sample
            n = int(np.clip(3e7 / (L * L * cost), 200, 40_000))
            rates.append(n / best(lambda: sample(L, beta, n, algorithm=alg), 1))
        rows.append((beta, rates))
    return rows


def gpu_rates(L=32, beta=0.4352, batch=16_384, sweeps=20, n=65_536):
    """(Metropolis attempts/ns, independent samples/s) of the array code on CuPy."""
    from minirg._backend import namespace_for, to_numpy
    xp = namespace_for("gpu")                       # ValueError without CuPy or GPU
    uniform = uniform_source(xp, 0)
    spins = xp.ones((batch, L, L), dtype=xp.int8)

    def run():
        to_numpy(checkerboard_sweeps(spins, beta, sweeps, uniform)[0, 0, 0])  # sync
    run()
    attempts = batch * L * L * sweeps / best(run, 3) / 1e9
    sample_checkerboard(L, beta, 64, device="gpu")   # pilot (CPU), warm-up
    t0 = time.perf_counter()
    sample_checkerboard(L, beta, n, device="gpu", batch=n // 4)
    return attempts, n / (time.perf_counter() - t0)


def _one_thread(func):
    """func() run with a single numba thread."""
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        return func()
    finally:
        numba.set_num_threads(threads)


def _table(rows):
    """Print rows of (label, numba, baseline, ratio, target) as a table."""
    print(f"{'measure':<44}{'minirg':>12}{'NumPy':>12}{'ratio':>8}  target")
    for label, ours, base, target in rows:
        ratio = f"{ours / base:7.1f}x" if base else ""
        base_s = f"{base:12.4g}" if base else f"{'':>12}"
        print(f"{label:<44}{ours:12.4g}{base_s}{ratio:>8}  {target}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--paper-datasets", action="store_true",
                   help="also time generating the paper's dataset sizes")
    p.add_argument("--crossover", action="store_true",
                   help="also print samples/s per algorithm over beta (L=32)")
    p.add_argument("--gpu", action="store_true",
                   help="also time the array-API Metropolis on CuPy (needs a GPU)")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    threads = numba.get_num_threads()
    metro, metro_np = metropolis_rates(repeats=args.repeats)
    metro1, _ = _one_thread(lambda: metropolis_rates(repeats=args.repeats))
    cold, warm, base, spacing = sample_rates(repeats=args.repeats)
    warm1 = _one_thread(lambda: warm_sample_rate(repeats=args.repeats))
    rows = [(f"Metropolis attempts/ns, {threads} threads", metro, metro_np, ">= 0.25, 6x"),
            ("Metropolis attempts/ns, 1 thread", metro1, metro_np, ""),
            (f"indep. samples/s, {threads} threads", warm, base, ">= 8000"),
            ("indep. samples/s, 1 thread", warm1, base, ""),
            (f"indep. samples/s, {threads} thr. incl. pilot", cold, base, "")]
    if args.paper_datasets:
        times = dataset_times()
        rows += [(f"paper set {k} [s]", v, 0, "") for k, v in times.items()]
        rows.append(("paper sets total [s]", sum(times.values()), 0, "< 120"))
    if args.gpu:
        g_attempts, g_samples = gpu_rates()
        rows += [("GPU (CuPy) Metropolis attempts/ns", g_attempts, metro_np, ""),
                 ("GPU (CuPy) indep. samples/s incl. therm.", g_samples, base, "")]
    _table(rows)
    print(f"Metropolis: 256 lattices 32x32, beta 0.4352. Samples: L=32, beta 0.4352, "
          f"n=30000, best of {args.repeats}.\nNumPy baseline (1 thread, NumPy has no "
          f"threads): checkerboard Metropolis on 1024 chains, {spacing} sweeps = "
          f"4 tau_int per sample, thermalisation not charged.")
    if args.crossover:
        print(f"\nindependent samples/s at L=32: beta, {', '.join(ALGORITHMS)}")
        for beta, rates in crossover():
            print(f"{beta:7.4f} " + " ".join(f"{r:11.0f}" for r in rates))
    return 0
