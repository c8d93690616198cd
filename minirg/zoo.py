"""The paper's model zoo, built from `minirg.nn` with explicit weight copies.

Names used throughout (CLI, results.json, file names):

========== ====================================== ===========================
name       architecture                           trained on
========== ====================================== ===========================
cg1        CG-1024-512, one linear Dense           lattice -> 1st decimation
cg2        CG-512-256                              1st -> 2nd decimation
up1        UP-256-512                              2nd -> 1st decimation
up2        UP-512-1024                             1st decimation -> lattice
hcg1, hcg2 HCG-1024-512, HCG-512-256 (fixed W)     nothing: W is the selection matrix
model1     1024-512-256-512-1024, all trained      lattice -> lattice
model2     encoder = HCG (frozen), decoder trained lattice -> lattice
model2_cg  encoder = trained CG (frozen)           lattice -> lattice
model3     CG1, CG2, UP1, UP2 copied, all frozen   evaluated only
ae_wr      Model-1 architecture                    wide-range lattices
beta_net   1024 -> 512 tanh -> 1 relu, biases      wide-range lattices -> beta
========== ====================================== ===========================

(Sizes are for L = 32; every width scales with L**2.)
"""

import numpy as np

from minirg.ising import decimation_matrix
from minirg.nn import Dense, Sequential, transfer

__all__ = ["SHALLOW", "DEPENDS", "linear", "hard_coded", "autoencoder", "shallow",
           "model2", "model3", "beta_net", "widths"]

# Shallow nets: (input, target) as keys of the critical dataset.
SHALLOW = {"cg1": ("spins", "dec1"), "cg2": ("dec1", "dec2"),
           "up1": ("dec2", "dec1"), "up2": ("dec1", "spins")}

# What each model needs trained before it can be built.
DEPENDS = {"model2_cg": ("cg1", "cg2"), "model3": ("cg1", "cg2", "up1", "up2")}


def widths(L):
    """Layer widths of the common architecture: (L^2, L^2/2, L^2/4)."""
    N = L * L
    return N, N // 2, N // 4


def linear(d_in, d_out, l1, seed, trainable=True):
    """A linear Dense layer without bias: the paper's building block (eq. 6)."""
    return Dense(d_in, d_out, activation="linear", bias=False, l1=l1,
                 trainable=trainable, seed=seed)


def hard_coded(L, step, l1):
    """HCG layer: a frozen linear layer whose W is the decimation selection matrix."""
    W = decimation_matrix(L, step).astype(np.float32)
    layer = linear(*W.shape, l1=l1, seed=0, trainable=False)
    layer.W = W
    return layer


def shallow(name, L, l1, seed):
    """One of the four shallow nets cg1, cg2, up1, up2, untrained."""
    N, H1, H2 = widths(L)
    d_in, d_out = {"cg1": (N, H1), "cg2": (H1, H2), "up1": (H2, H1), "up2": (H1, N)}[name]
    return Sequential([linear(d_in, d_out, l1, seed)])


def autoencoder(L, l1, seed):
    """The common deep architecture N -> N/2 -> N/4 -> N/2 -> N, linear, no bias."""
    N, H1, H2 = widths(L)
    sizes = [N, H1, H2, H1, N]
    seeds = np.random.SeedSequence(seed).generate_state(4)
    return Sequential([linear(sizes[i], sizes[i + 1], l1, int(seeds[i])) for i in range(4)])


def model2(L, l1, seed, encoder):
    """Autoencoder whose two encoder layers are copies of ``encoder`` and frozen."""
    model = autoencoder(L, l1, seed)
    for src, dst in zip(encoder, model.layers[:2]):
        transfer(src, dst, freeze=True)
    return model


def model3(L, l1, shallow_layers):
    """Autoencoder assembled from the trained cg1, cg2, up1, up2 layers; nothing trains."""
    model = autoencoder(L, l1, seed=0)
    for src, dst in zip(shallow_layers, model.layers):
        transfer(src, dst, freeze=True)
    return model


def beta_net(L, seed, beta_mean=0.3):
    """N -> 512 tanh (bias) -> 1 relu (bias), eq. 9-11.

    The output bias starts at ``beta_mean`` (ours, not the paper's) so that the
    ReLU begins in its active region; started at 0, it is dead for most inputs
    and small training sets never leave that state.
    """
    N = L * L
    s1, s2 = np.random.SeedSequence(seed).generate_state(2)
    hidden = Dense(N, 512, activation="tanh", bias=True, seed=int(s1))
    out = Dense(512, 1, activation="relu", bias=True, seed=int(s2))
    out.b = np.full(1, beta_mean, dtype=np.float32)
    return Sequential([hidden, out])
