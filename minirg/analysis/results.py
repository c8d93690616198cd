"""Typed results of the analysis stage, computed once and rendered by figures and the report.

The flow's result is :class:`minirg.analysis.flow_controls.FlowResult`; the
others are here.  Each ``to_json`` gives its results.json object.
"""

from dataclasses import dataclass

import numpy as np

__all__ = ["EntropyResult", "WeightsResult"]


@dataclass(frozen=True)
class EntropyResult:
    """Mean local entropy (bits, 3x3 periodic window) per grid beta.

    beta : (g,) ascending; curves : name -> (g,), name in ``input``, ``ae``
    (sign of the AE-WR output), ``ae_quantized`` (stochastic spins) and ``rg``
    (decimated twice).
    """

    beta: np.ndarray
    curves: dict

    def to_json(self):
        return {"beta": [float(b) for b in self.beta],
                **{k: [float(x) for x in v] for k, v in self.curves.items()}}


@dataclass(frozen=True)
class WeightsResult:
    """``correlation.weight_stats`` of each kernel: cg_W1, ae_W1, cg_W2, ae_W2 (trained) and
    hcg_W1, hcg_W2 (the exact decimation matrices, the baseline); offsets : the W W^T
    diagonals measured (1 and L are lattice neighbours)."""

    stats: dict
    offsets: tuple

    def to_json(self):
        return dict(self.stats)
