"""2D Ising Monte Carlo, exact results, decimation and the RG recursion.

Read `rules` first (the update rules, one plain loop each), then `chain` (the
driver that makes them a sampler); `mc` is the public fast sampler built from
exactly those, `checkerboard` the array-API (CuPy/NumPy) one.
"""

from .checkerboard import sample_checkerboard
from .dataset_file import check_dataset, load_dataset, save_dataset
from .datasets import make_datasets, PAPER_SIZES
from .decimation import decimate, decimation_matrix, majority
from .exact import exact_energy, exact_log_partition, exact_specific_heat, onsager_energy
from .mc import evolve, sample, sample_betas
from .observables import (autocorrelation, energy, energy_per_spin, jackknife,
                          lattice_energy, magnetization, mean_error, specific_heat, tau_int)
from .rg import BETA_C, beta_prime, fixed_point, implied_nu, recursion_slope
from .rules import (bond_probability, flip_probabilities, heatbath_sweep, metropolis_sweep,
                    wolff_flip)
from .tuning import ALGORITHMS, measure_tau

__all__ = [
    "sample", "sample_betas", "evolve", "measure_tau", "ALGORITHMS", "sample_checkerboard",
    "metropolis_sweep", "heatbath_sweep", "wolff_flip", "flip_probabilities",
    "bond_probability",
    "lattice_energy", "energy_per_spin", "energy", "magnetization", "specific_heat",
    "autocorrelation", "tau_int", "mean_error", "jackknife",
    "exact_energy", "exact_specific_heat", "exact_log_partition", "onsager_energy",
    "decimate", "decimation_matrix", "majority",
    "BETA_C", "beta_prime", "fixed_point", "recursion_slope", "implied_nu",
    "save_dataset", "load_dataset", "check_dataset", "make_datasets", "PAPER_SIZES",
]
