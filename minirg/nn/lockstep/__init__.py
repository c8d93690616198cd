"""Lockstep training: K same-shaped models trained at once, one batched matmul per layer.

``fit_lockstep`` is ``fit`` for K members (each keeps its data, shuffle,
frozen layers, L1 and Adam state); ``same_shape_groups`` sorts a zoo into
groups that can share a stack.
"""

from minirg.nn.lockstep.fit import fit_lockstep
from minirg.nn.lockstep.stack import Stack, same_shape_groups, signature

__all__ = ["fit_lockstep", "same_shape_groups", "signature", "Stack"]
