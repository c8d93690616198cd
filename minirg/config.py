"""Run configuration: defaults, the three presets, TOML files and `--set` overrides.

A configuration is a nested dict of plain values (numbers, strings, lists) so
that it can be written to ``results.json`` as it is.  Every key a user may
set exists in ``DEFAULTS``; anything else is an error naming the key.
"""

import copy
import tomllib
import zlib

import numpy as np

from minirg._checks import check_beta, check_count, check_memory, check_seed

ALGORITHMS = ("auto", "wolff", "heatbath", "metropolis")    # those of minirg.ising.sample

__all__ = ["DEFAULTS", "PRESETS", "resolve", "load_toml", "parse_assignment", "stage_seed",
           "lockstep_on"]

# Choices the paper leaves open are marked "(ours)"; the README explains them.
DEFAULTS = {
    "preset": "quick",
    "seed": 0,
    "device": "cpu",
    "L": 32,
    "coarse_grainer": "decimation",   # CG/UP targets and HCG: "decimation" or "majority"
    "data": {
        "n_critical": 5000,
        "n_wide": 10000,
        "n_wide_test": 2000,
        "n_grid": 200,              # lattices per grid beta (paper: 1000)
        "beta_critical": 0.4352,    # the paper's stand-in for beta_c
        "wide_range": [0.01, 0.6],  # the paper also says [0.1, 0.6)
        "grid_betas": [0.025, 0.5, 20],  # linspace(start, stop, num)
        "algorithm": "auto",        # sampler: auto, wolff, heatbath or metropolis
    },
    "train": {
        "epochs": 100,              # shallow nets and Model-1/2 (paper: 4000)
        "ae_wr_epochs": 60,
        "beta_net_epochs": 60,
        "batch_size": 10,
        "validation_split": 0.2,
        "l1": 1e-5,                 # (ours) L1 coefficient on every kernel
        "lr": 1e-3,                 # Adam, Keras defaults otherwise
        "workers": 2,               # independent trainings run side by side
        "lockstep": "auto",         # same-shaped nets as one stack: true, false, or
                                    # "auto" (on for device gpu; on the CPU fit is faster)
        "beta_net_early_stopping": False,   # stop on validation MSE, restore the best weights
        "beta_net_patience": 100,   # (ours) epochs without improvement before stopping
    },
    "analysis": {
        "beta_net_input": "sign",   # AE-WR output fed to the beta-net: "sign" or "raw"
        "n_boot": 1000,
        "n_recon": 4,
        "iterations": 8,            # K: times sign(AE-WR) is applied in the iterated map
    },
}

PRESETS = {
    "smoke": {
        "data": {"n_critical": 200, "n_wide": 200, "n_wide_test": 100, "n_grid": 10},
        "train": {"epochs": 2, "ae_wr_epochs": 2, "beta_net_epochs": 2, "workers": 1},
        "analysis": {"n_boot": 50},
    },
    "quick": {},
    # `minirg sweep --preset study-quick`: 3 seeds x L = 8, 16, 32 x both coarse-grainers
    # on 2 cores in <= 30 min (minirg.study.STUDY_DEFAULTS holds its seeds and grid).
    "study-quick": {
        "data": {"n_critical": 2000, "n_wide": 4000, "n_wide_test": 1000, "n_grid": 100},
        "train": {"epochs": 20, "ae_wr_epochs": 20, "beta_net_epochs": 20, "workers": 1},
        "analysis": {"n_boot": 200},
    },
    "paper": {
        "data": {"n_critical": 30000, "n_wide": 50000, "n_wide_test": 10000, "n_grid": 1000},
        "train": {"epochs": 4000, "ae_wr_epochs": 4000, "beta_net_epochs": 4000,
                  "beta_net_early_stopping": True},
    },
}


def _merge(base, override, where=""):
    """Recursively copy ``override`` onto ``base``; unknown keys raise ValueError."""
    for key, value in override.items():
        path = f"{where}{key}"
        if key not in base:
            raise ValueError(f"unknown configuration key {path!r}; "
                             f"expected one of {sorted(base)}")
        if isinstance(base[key], dict):
            if not isinstance(value, dict):
                raise ValueError(f"configuration key {path!r} is a section; got {value!r}")
            _merge(base[key], value, path + ".")
        else:
            base[key] = _coerce(path, base[key], value)
    return base


# Keys taking a word or a bool ("auto", true, false); validate() checks the word.
_WORD_OR_BOOL = ("train.lockstep",)


def _coerce(path, default, value):
    """Check ``value`` has the type of ``default`` (ints may stand for floats)."""
    if path in _WORD_OR_BOOL:
        ok = isinstance(value, (str, bool))
    elif isinstance(default, bool) or isinstance(value, bool):
        ok = isinstance(value, bool) == isinstance(default, bool)
    elif isinstance(default, float):
        ok = isinstance(value, (int, float))
        value = float(value) if ok else value
    else:
        ok = isinstance(value, type(default))
    if not ok:
        kind = "a word or a bool" if path in _WORD_OR_BOOL else type(default).__name__
        raise ValueError(f"configuration key {path!r} expects {kind}, got {value!r}")
    return value


def resolve(preset="quick", overrides=()):
    """The full configuration for ``preset`` with each dict in ``overrides`` applied in turn.

    The preset is chosen here only: an override setting another ``preset``
    is refused (it would label one preset's run with another's name).
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; expected one of {sorted(PRESETS)}")
    cfg = _merge(copy.deepcopy(DEFAULTS), PRESETS[preset])
    cfg["preset"] = preset
    for override in overrides:
        if "preset" in override and override["preset"] != preset:
            raise ValueError(f"preset = {override['preset']!r} cannot be set as a key; "
                             f"use --preset {override['preset']} (this run's is {preset!r})")
        _merge(cfg, override)
    validate(cfg)
    return cfg


def _grid(cfg):
    """data.grid_betas [start, stop, num] checked: two betas and a count >= 1."""
    grid = cfg["data"]["grid_betas"]
    if len(grid) != 3 or isinstance(grid[2], bool) or not isinstance(grid[2], int):
        raise ValueError(f"data.grid_betas = {grid!r}: expected [start, stop, num] "
                         "(betas of numpy.linspace and an integer count)")
    check_beta(grid[0], "data.grid_betas start")
    check_beta(grid[1], "data.grid_betas stop")
    check_count(grid[2], "data.grid_betas num")
    return grid[2]


def _memory(cfg):
    """Bytes a run holds at its peak, roughly: the largest of data and training.

    Data: every lattice set as int8 (critical with its two decimations) and
    the largest training set as float32. Training: the autoencoder's weights
    with their gradients and Adam's two moments, float32.
    """
    d, N = cfg["data"], cfg["L"] ** 2
    lattices = N * (1.75 * d["n_critical"] + d["n_wide"] + d["n_wide_test"]
                    + d["n_grid"] * _grid(cfg))
    batch = 4 * N * max(d["n_critical"], d["n_wide"])
    weights = 4 * 4 * (2 * N * N // 2 + 2 * (N // 2) * (N // 4))
    return int(lattices + batch + weights)


def validate(cfg):
    """Range checks that types alone cannot catch; raises ValueError naming the key.

    Everything a run needs is checked here, before a run directory is made:
    numbers, choices, and the memory the run would need (so that a huge L
    or set size is refused now instead of failing later with a MemoryError).
    """
    L = cfg["L"]
    if L < 4 or L % 4:
        raise ValueError(f"L = {L}: expected a multiple of 4, at least 4 (two decimations)")
    _choice("coarse_grainer", cfg["coarse_grainer"], ("decimation", "majority"))
    _choice("device", cfg["device"], ("cpu", "gpu"))
    _choice("data.algorithm", cfg["data"]["algorithm"], ALGORITHMS)
    _choice("analysis.beta_net_input", cfg["analysis"]["beta_net_input"], ("sign", "raw"))
    positive = [("data", k) for k in ("n_critical", "n_wide", "n_wide_test", "n_grid")]
    positive += [("train", "batch_size"), ("train", "workers"), ("analysis", "n_recon"),
                 ("analysis", "n_boot"), ("analysis", "iterations"),
                 ("train", "beta_net_patience")]
    for section, key in positive:
        if cfg[section][key] < 1:
            raise ValueError(f"{section}.{key} = {cfg[section][key]}: expected >= 1")
    for key in ("epochs", "ae_wr_epochs", "beta_net_epochs"):
        if cfg["train"][key] < 0:
            raise ValueError(f"train.{key} = {cfg['train'][key]}: expected >= 0")
    lockstep = cfg["train"]["lockstep"]
    if not (isinstance(lockstep, bool) or lockstep == "auto"):
        raise ValueError(f"train.lockstep = {lockstep!r}: expected \"auto\", true or false")
    split = cfg["train"]["validation_split"]
    if not 0 < split < 1:
        raise ValueError(f"train.validation_split = {split}: expected in (0, 1)")
    l1, lr = cfg["train"]["l1"], cfg["train"]["lr"]
    if not (np.isfinite(l1) and l1 >= 0):
        raise ValueError(f"train.l1 = {l1}: expected finite, >= 0")
    if not (np.isfinite(lr) and lr > 0):
        raise ValueError(f"train.lr = {lr}: expected finite, > 0")
    check_beta(cfg["data"]["beta_critical"], "data.beta_critical")
    wide = cfg["data"]["wide_range"]
    if len(wide) != 2 or not all(isinstance(b, (int, float)) and not isinstance(b, bool)
                                 for b in wide):
        raise ValueError(f"data.wide_range = {wide!r}: expected [low, high], two numbers")
    lo, hi = (check_beta(b, "data.wide_range") for b in wide)
    if not lo < hi:
        raise ValueError(f"data.wide_range = {wide!r}: expected 0 < low < high")
    check_seed(cfg["seed"], "seed")
    check_memory(_memory(cfg), f"a run at L = {L} with these set sizes")


def _choice(key, value, allowed):
    if value not in allowed:
        raise ValueError(f"{key} = {value!r}: expected one of {', '.join(map(repr, allowed))}")


def load_toml(path):
    """The override dict in a TOML file (FileNotFoundError / ValueError name the file)."""
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise FileNotFoundError(f"configuration file {str(path)!r} does not exist") from None
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"configuration file {str(path)!r} is not valid TOML: {err}") from None
    except UnicodeDecodeError as err:
        raise ValueError(f"configuration file {str(path)!r} is not UTF-8 text: {err}") from None
    except IsADirectoryError:
        raise ValueError(f"configuration file {str(path)!r} is a directory") from None


def parse_assignment(text):
    """'train.epochs=10' -> {'train': {'epochs': 10}}; the value is read as TOML."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ValueError(f"--set {text!r}: expected KEY=VALUE, e.g. train.epochs=10")
    try:
        parsed = tomllib.loads(f"v = {value.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value.strip()               # a bare word is a string
    override = parsed
    for part in reversed(key.strip().split(".")):
        override = {part: override}
    return override


def stage_seed(seed, name):
    """A seed for stage ``name`` that depends only on the run's seed and the name."""
    return int(np.random.SeedSequence([seed, zlib.crc32(name.encode())]).generate_state(1)[0])


def lockstep_on(cfg):
    """Whether same-shaped nets train as one lockstep stack: train.lockstep, where
    "auto" means on for device "gpu" (the CPU's fused per-model fit is faster)."""
    lockstep = cfg["train"]["lockstep"]
    return cfg["device"] == "gpu" if lockstep == "auto" else lockstep
