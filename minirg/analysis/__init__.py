"""Analyses of trained models: entropy, W W^T, weight statistics, the beta flow under
control (thermometers, calibration, the iterated map), plots, report."""

from minirg.analysis.correlation import (gini, near_diagonal_mass, sparsity, spin_correlation,
                                         weight_stats)
from minirg.analysis.entropy import entropy_by_beta, entropy_map, local_entropy, to_spins
from minirg.analysis.figures import (ARRAYS, FIGURES, MissingData, load_arrays, load_results,
                                     make_all_figures)
from minirg.analysis.flow import (beta_from_energy, energy_beta, fit_line,
                                  flow_fixed_point, identity_crossing, local_crossing,
                                  mean_by_beta)
from minirg.analysis.flow_controls import MAPS, THERMOMETERS, FlowResult, flow_analysis
from minirg.analysis.report import PAPER, render_report, write_report
from minirg.analysis.results import EntropyResult, WeightsResult
from minirg.analysis.thermometry import Crossing, Reading, Resampler, calibrate, crossings, read
from minirg.analysis.stage import run_analysis

__all__ = ["gini", "near_diagonal_mass", "sparsity", "spin_correlation", "weight_stats",
           "entropy_by_beta", "entropy_map", "local_entropy", "to_spins",
           "ARRAYS", "FIGURES", "MissingData", "load_arrays", "load_results", "make_all_figures",
           "beta_from_energy", "energy_beta", "fit_line", "flow_fixed_point",
           "identity_crossing", "local_crossing", "mean_by_beta",
           "MAPS", "THERMOMETERS", "FlowResult", "flow_analysis",
           "EntropyResult", "WeightsResult",
           "Crossing", "Reading", "Resampler", "calibrate", "crossings", "read",
           "PAPER", "render_report", "write_report", "run_analysis"]
