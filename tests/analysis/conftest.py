"""Fixtures for the analysis tests: exact L = 4 Ising enumeration and a fake run directory."""

import copy
import json

import numpy as np
import pytest

from minirg.analysis import flow

L_ENUM = 4


@pytest.fixture(scope="session")
def enum4():
    """All 2**16 configurations of the 4 x 4 torus and their energies per spin."""
    codes = np.arange(2 ** (L_ENUM * L_ENUM), dtype=np.uint32)
    bits = (codes[:, None] >> np.arange(L_ENUM * L_ENUM, dtype=np.uint32)) & 1
    spins = (2 * bits.astype(np.int8) - 1).reshape(-1, L_ENUM, L_ENUM)
    s = spins.astype(float)
    u = -np.mean(s * (np.roll(s, -1, 1) + np.roll(s, -1, 2)), axis=(1, 2))
    return spins, u


def enum_energy(u_all, beta):
    """<E>/N of the 4 x 4 torus at beta, by direct summation over configurations."""
    w = np.exp(-beta * L_ENUM ** 2 * (u_all - u_all.min()))     # shifted for overflow
    return float(np.sum(w * u_all) / np.sum(w))


def enum_sample(enum4, beta, n, seed):
    """n exact, independent Boltzmann samples of the 4 x 4 torus at beta."""
    spins, u = enum4
    w = np.exp(-beta * L_ENUM ** 2 * (u - u.min()))
    idx = np.random.default_rng(seed).choice(u.size, size=n, p=w / w.sum())
    return spins[idx]


@pytest.fixture(scope="session")
def enum(enum4):
    """Exact 4 x 4 helpers: ``enum.energy(beta)``, ``enum.sample(beta, n, seed)``."""
    class Enum:
        energy = staticmethod(lambda beta: enum_energy(enum4[1], beta))
        sample = staticmethod(lambda beta, n, seed: enum_sample(enum4, beta, n, seed))
    return Enum


@pytest.fixture
def fresh_energy_table():
    """Clear the cached exact-energy tables before and after (tests swap exact_energy)."""
    flow._energy_table.cache_clear()
    yield
    flow._energy_table.cache_clear()


@pytest.fixture
def enum_exact_energy(monkeypatch, enum4, fresh_energy_table):
    """minirg.ising.exact_energy replaced by enumeration (valid for L = 4 only)."""
    import minirg.ising

    def exact_energy(L, beta):
        assert L == L_ENUM
        return enum_energy(enum4[1], beta)

    monkeypatch.setattr(minirg.ising, "exact_energy", exact_energy, raising=False)
    return exact_energy


@pytest.fixture
def recursion(monkeypatch):
    """minirg.ising.beta_prime, or the recursion's formula where ising lacks it yet."""
    import minirg.ising
    if not hasattr(minirg.ising, "beta_prime"):
        monkeypatch.setattr(minirg.ising, "beta_prime",
                            lambda b: 0.375 * np.log(np.cosh(4 * b)), raising=False)
    return minirg.ising.beta_prime


def fake_flow(seed=0):
    """results["flow"] of a flow that holds against its control, on a 20-beta grid.

    The beta-net shrinks towards 0.35 (slope 0.8 on unchanged lattices); the
    AE-WR's true map is 0.6 beta + 0.176 (attractive, crossing 0.44), which
    the energy thermometer reads as it is; decimation repels at 0.48.
    """
    from minirg.analysis.flow_controls import FlowResult, attractors, line_fits
    from minirg.analysis.thermometry import Resampler, calibrate, read

    beta = np.repeat(np.linspace(0.025, 0.5, 20), 40)
    rng, res = np.random.default_rng(seed), Resampler(beta, 200, seed)

    def reading(true, noise):
        return read(res, true + rng.normal(0, noise, beta.size))

    def net(b):
        return 0.8 * b + 0.07

    ae = 0.6 * beta + 0.176
    readings = {"identity": {"beta_net": reading(net(beta), 0.05),
                             "beta_net_sym": reading(net(beta), 0.03),
                             "energy": reading(beta, 0.01)},
                "ae_sign": {"beta_net": reading(net(ae), 0.05),
                            "beta_net_sym": reading(net(ae), 0.03), "energy": reading(ae, 0.01)},
                "ae_stochastic": {"beta_net": reading(net(ae), 0.05),
                                  "beta_net_sym": reading(net(ae), 0.03),
                                  "energy": reading(ae, 0.01)},
                "decimation": {"energy": reading(1.45 * beta - 0.216, 0.01)}}
    calibrated = {m: {t: calibrate(res.keys, readings["identity"][t], r)
                      for t, r in readings[m].items()} for m in ("ae_sign", "ae_stochastic")}
    path = [res.keys]
    for _ in range(8):
        path.append(0.6 * path[-1] + 0.176)
    iterated = {t: np.array(path) for t in ("beta_net", "beta_net_sym", "energy")}
    return FlowResult(res.keys, readings, calibrated, iterated,
                      {t: attractors(res.keys, p) for t, p in iterated.items()},
                      {m: {t: line_fits(res.keys, r.mean) for t, r in by.items()}
                       for m, by in readings.items()}).to_json()


def fake_results():
    """A complete results dict with plausible numbers (the pipeline's schema)."""
    hist = {"loss": [0.5, 0.35, 0.3], "val_loss": [0.52, 0.37, 0.31]}
    stats = {"sparsity": 0.9, "gini": 0.9,
             "near_diagonal": {"0": 0.9, "1": 0.04, "4": 0.02, "8": 0.03}}
    diffuse = {"sparsity": 0.2, "gini": 0.4,
               "near_diagonal": {"0": 0.1, "1": 0.01, "4": 0.01, "8": 0.01}}
    exact = {"sparsity": 0.98, "gini": 0.98,
             "near_diagonal": {"0": 1.0, "1": 0.0, "4": 0.0, "8": 0.0}}
    beta = np.linspace(0.025, 0.5, 20).tolist()
    return {
        "losses": {m: {"train": v, "val": v + 0.01, "train_data": v - 0.02,
                       "val_data": v - 0.01}
                   for m, v in [("model1", 0.27), ("model2", 0.28), ("model2_cg", 0.29),
                                ("model3", 0.46), ("ae_wr", 0.35)]},
        "histories": {m: hist for m in ("model1", "model2", "model2_cg", "ae_wr")},
        "beta_net": {"test_mse": 0.01, "train_mse": 0.008},
        "fixed_points": {"rg_recursion": 0.50698, "rg_recursion_slope": 1.449,
                         "ae_flow": 0.42, "ae_flow_ci": [0.40, 0.44], "ae_flow_slope": 0.6,
                         "ae_flow_raw": 0.41, "decimation_measured": 0.52,
                         "beta_c_exact": 0.44069, "beta_c_used": 0.4352},
        "entropy": {"beta": beta, "input": [0.9 - b for b in beta],
                    "ae": [0.7 - b for b in beta], "ae_quantized": [0.85 - b for b in beta],
                    "rg": [0.9 - b / 2 for b in beta]},
        "weights": {"cg_W1": stats, "ae_W1": diffuse, "cg_W2": stats, "ae_W2": diffuse,
                    "hcg_W1": exact, "hcg_W2": exact},
        "flow": copy.deepcopy(_FLOW),
        "config": {"preset": "smoke", "seed": 0, "device": "cpu", "L": 8,
                   "train": {"epochs": 2}, "data": {"beta_critical": 0.4352}},
        "timings": {"total_s": 12.5, "data": 3.0, "train": 9.5},
    }


def fake_arrays(L=8, k=3, n_per=5, seed=0):
    """Every key of the arrays.npz contract at lattice side L."""
    rng = np.random.default_rng(seed)

    def spins(*shape):
        return rng.choice(np.array([-1, 1], np.int8), size=shape)

    grid = np.repeat(np.linspace(0.025, 0.5, 20), n_per)
    return {
        "recon_input": spins(k, L, L),
        **{f"recon_{m}": rng.normal(size=(k, L * L)).astype(np.float32)
           for m in ("model1", "model2", "model2_cg", "model3")},
        "W1_cg": rng.normal(size=(L * L, L * L // 2)),
        "W1_ae": rng.normal(size=(L * L, L * L // 2)),
        "W2_cg": rng.normal(size=(L * L // 2, L * L // 4)),
        "W2_ae": rng.normal(size=(L * L // 2, L * L // 4)),
        "panel_beta": np.array([0.025, 0.25, 0.5]), "panel_input": spins(3, L, L),
        "panel_ae": rng.normal(size=(3, L, L)), "panel_dec": spins(3, L // 2, L // 2),
        "test_beta": rng.uniform(0.01, 0.6, 50), "test_pred": rng.uniform(0.01, 0.6, 50),
        "grid_beta": grid, "grid_pred_sign": 0.6 * grid + 0.17 + rng.normal(0, 0.02, grid.size),
        "grid_pred_raw": 0.5 * grid + 0.2, "dec_beta_est": 1.3 * grid - 0.1,
    }


_FLOW = fake_flow()                       # computed once: the results dicts share it (read-only)


@pytest.fixture
def run_dir(tmp_path, recursion):
    """A finished tiny run: results.json and analysis/arrays.npz."""
    (tmp_path / "analysis").mkdir()
    np.savez(tmp_path / "analysis" / "arrays.npz", **fake_arrays())
    (tmp_path / "results.json").write_text(json.dumps(fake_results()))
    return tmp_path


@pytest.fixture
def results():
    """A fresh complete results dict (tests may edit it)."""
    return fake_results()
