"""The paper's model zoo, built from `minirg.nn` with explicit weight copies.

`MODELS` is the one list of model names: the CLI's ``minirg train MODEL``
choices, the pipeline's stages, the keys of results.json and the file names
under ``DIR/models`` all come from it.  Each entry says what the model is, the
dataset and arrays it learns from, its loss, which configuration key sets its
epochs and which models must be trained first.  Widths are for L = 32; every
width scales with L**2.  HCG-1024-512 and HCG-512-256 (`hard_coded`) are fixed
selection matrices, not models of their own.
"""

from typing import NamedTuple

import numpy as np

from minirg.nn import Dense, Sequential, transfer

__all__ = ["MODELS", "ModelSpec", "SHALLOW", "DEPENDS", "build", "linear", "hard_coded",
           "autoencoder", "shallow", "model2", "model3", "beta_net", "widths"]


class ModelSpec(NamedTuple):
    """One model of the zoo: what it is and what it is trained on."""
    about: str
    dataset: str                 # the dataset file it reads (DIR/data/<dataset>.npz)
    inputs: str                  # array of that file fed in
    targets: str                 # array it learns to output
    loss: str                    # "hinge" or "mse"
    epochs: str | None           # the train.* key setting its epochs; None: not trained
    depends: tuple = ()          # models whose trained first layer it is built from


_AE = "1024-512-256-512-1024, linear, no bias"
MODELS = {
    "cg1": ModelSpec("CG-1024-512, one linear Dense", "critical", "spins", "dec1",
                     "hinge", "epochs"),
    "cg2": ModelSpec("CG-512-256", "critical", "dec1", "dec2", "hinge", "epochs"),
    "up1": ModelSpec("UP-256-512", "critical", "dec2", "dec1", "hinge", "epochs"),
    "up2": ModelSpec("UP-512-1024", "critical", "dec1", "spins", "hinge", "epochs"),
    "model1": ModelSpec(f"{_AE}, all trained", "critical", "spins", "spins", "hinge",
                        "epochs"),
    "model2": ModelSpec("encoder = HCG-1024-512, HCG-512-256 (frozen), decoder trained",
                        "critical", "spins", "spins", "hinge", "epochs"),
    "model2_cg": ModelSpec("encoder = trained cg1, cg2 (frozen), decoder trained",
                           "critical", "spins", "spins", "hinge", "epochs", ("cg1", "cg2")),
    "model3": ModelSpec("cg1, cg2, up1, up2 copied, all frozen: evaluated only", "critical",
                        "spins", "spins", "hinge", None, ("cg1", "cg2", "up1", "up2")),
    "ae_wr": ModelSpec(f"{_AE} (Model-1) on wide-range lattices", "wide", "spins", "spins",
                       "hinge", "ae_wr_epochs"),
    "beta_net": ModelSpec("1024 -> 512 tanh -> 1 relu, biases: lattice -> beta", "wide",
                          "spins", "beta", "mse", "beta_net_epochs"),
}

# Shallow nets: (input, target) as keys of the critical dataset.
SHALLOW = {n: (MODELS[n].inputs, MODELS[n].targets) for n in ("cg1", "cg2", "up1", "up2")}

# What each model needs trained before it can be built.
DEPENDS = {n: m.depends for n, m in MODELS.items() if m.depends}


def build(name, L, l1, seed, parents=(), beta_mean=0.3):
    """Model ``name`` of `MODELS`, untrained.

    parents : the first layers of the trained ``MODELS[name].depends``, in order.
    beta_mean : the beta-net's initial output (see `beta_net`).
    """
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; expected one of {', '.join(MODELS)}")
    if name in SHALLOW:
        return shallow(name, L, l1, seed)
    if name in ("model1", "ae_wr"):
        return autoencoder(L, l1, seed)
    if name == "model2":
        return model2(L, l1, seed, [hard_coded(L, 1, l1), hard_coded(L, 2, l1)])
    if name == "model2_cg":
        return model2(L, l1, seed, parents)
    if name == "model3":
        return model3(L, l1, parents)
    return beta_net(L, seed, beta_mean=beta_mean)


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
    from minirg.ising import decimation_matrix      # lazy: the CLI imports this module
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
