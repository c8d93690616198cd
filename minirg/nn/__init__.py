"""The neural-net engine: dense layers, losses, L1, Adam, Sequential.

One source runs on NumPy, CuPy and array-api-strict: layers start as NumPy
arrays (Glorot-uniform from a seeded NumPy Generator) and move with
``model.to(xp)`` / ``model.to("gpu")`` or ``Sequential(layers, xp=...)``.

Read in this order: activations, layers, losses, optim, model, train
(the reference); checkpoint (saving and loading); accel (the one seam to
the numba and CUDA kernels of the optimizer step); lockstep (many small
models trained as one batched stack).
"""

from minirg.nn.activations import ReLU, Tanh, Linear
from minirg.nn.early_stopping import EarlyStopping
from minirg.nn.layers import Dense, transfer
from minirg.nn.losses import hinge, l1_penalty, mse
from minirg.nn.model import Sequential
from minirg.nn.optim import Adam
from minirg.nn.train import History, fit, train_step

__all__ = ["Dense", "Linear", "Tanh", "ReLU", "transfer", "hinge", "mse", "l1_penalty",
           "Adam", "Sequential", "History", "fit", "train_step", "EarlyStopping"]
from minirg.nn.lockstep import fit_lockstep  # noqa: E402  (one-line export, issue 11)
__all__ += ["fit_lockstep"]
