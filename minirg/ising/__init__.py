"""2D Ising Monte Carlo, exact results, decimation and the RG recursion."""

from .datasets import check_dataset, load_dataset, make_datasets, save_dataset, PAPER_SIZES
from .decimation import decimate, decimation_matrix, majority
from .exact import exact_energy, exact_log_partition, exact_specific_heat, onsager_energy
from .mc import evolve, sample, sample_betas
from .observables import (autocorrelation, energy, jackknife, magnetization,
                          mean_error, specific_heat, tau_int)
from .rg import BETA_C, beta_prime, fixed_point, implied_nu, recursion_slope
from .tuning import ALGORITHMS, measure_tau

__all__ = [
    "sample", "sample_betas", "evolve", "measure_tau", "ALGORITHMS",
    "energy", "magnetization", "specific_heat", "autocorrelation", "tau_int",
    "mean_error", "jackknife",
    "exact_energy", "exact_specific_heat", "exact_log_partition", "onsager_energy",
    "decimate", "decimation_matrix", "majority",
    "BETA_C", "beta_prime", "fixed_point", "recursion_slope", "implied_nu",
    "save_dataset", "load_dataset", "check_dataset", "make_datasets", "PAPER_SIZES",
]
