"""Readings, crossings, calibration and the iterated map on flows with known answers."""

import numpy as np
import pytest

from minirg.analysis.flow_controls import MAPS, THERMOMETERS, attractors, flow_analysis, line_fits
from minirg.analysis.thermometry import Resampler, calibrate, crossings, read

GRID = np.linspace(0.025, 0.5, 20)


def _reading(true, noise=0.01, n_per=40, seed=0, n_boot=300):
    beta = np.repeat(GRID, n_per)
    res = Resampler(beta, n_boot, seed)
    values = true(beta) + np.random.default_rng(seed + 1).normal(0, noise, beta.size)
    return res, read(res, values)


def test_an_attractive_line_crosses_once_with_an_interval_that_covers_it():
    res, r = _reading(lambda b: 0.6 * b + 0.176)            # crossing 0.44, slope 0.6
    (c,) = r.crossings
    assert c.beta == pytest.approx(0.44, abs=0.015) and c.slope == pytest.approx(0.6, abs=0.1)
    assert c.ci[0] < c.beta < c.ci[1] and c.slope_ci[1] < 1
    assert c.kind == "attractive" and c.confident and c.found == 1.0
    np.testing.assert_allclose(r.sem, 0.01 / np.sqrt(40), rtol=0.3)   # bootstrap SE of a mean


def test_crossing_intervals_cover_the_truth_about_95_percent_of_the_time():
    covered = [c.ci[0] < 0.44 < c.ci[1]
               for seed in range(40)
               for c in _reading(lambda b: 0.6 * b + 0.176, seed=seed, n_boot=200)[1].crossings]
    assert len(covered) == 40 and 0.8 <= np.mean(covered) <= 1.0


def test_a_repulsive_line_and_no_crossing():
    _, r = _reading(lambda b: 1.45 * b - 0.2)               # crossing 0.444, slope 1.45
    (c,) = r.crossings
    assert c.kind == "repulsive" and c.confident and c.beta == pytest.approx(0.4444, abs=0.015)
    _, above = _reading(lambda b: b + 0.1)
    assert above.crossings == ()


def test_a_steep_falling_crossing_is_not_attractive():
    """|slope| > 1: iterating overshoots further each time, even though slope < 1."""
    _, r = _reading(lambda b: -1.5 * b + 0.75)              # crossing 0.3, slope -1.5
    (c,) = r.crossings
    assert c.kind == "repulsive"


def test_noise_alone_gives_no_confident_attractive_crossing():
    """The identity read by an unbiased thermometer: crossings are noise, not fixed points."""
    _, r = _reading(lambda b: b, noise=0.05, n_per=20)
    assert not any(c.confident and c.kind == "attractive" for c in r.crossings)


def test_calibration_removes_a_shrinking_instrument():
    """An instrument f(b) = 0.8 b + 0.07 reads a map g; calibration recovers g itself."""
    def f(b):
        return 0.8 * b + 0.07

    beta = np.repeat(GRID, 40)
    res, rng = Resampler(beta, 300, 0), np.random.default_rng(1)
    control = read(res, f(beta) + rng.normal(0, 0.01, beta.size))
    # The identity map read through f: its raw reading "crosses" at 0.35 although
    # nothing flows; calibrated, it is the identity.
    same = read(res, f(beta) + rng.normal(0, 0.01, beta.size))
    assert same.crossings[0].beta == pytest.approx(0.35, abs=0.01)
    cal = calibrate(res.keys, control, same)
    inside = np.isfinite(cal.mean)
    np.testing.assert_allclose(cal.mean[inside], res.keys[inside], atol=0.02)
    assert not any(c.confident and c.kind == "attractive" for c in cal.crossings)
    # A true flow g(b) = 0.5 b + 0.2 (fixed point 0.4): calibration finds 0.4 again.
    g = 0.5 * beta + 0.2
    cal_g = calibrate(res.keys, control, read(res, f(g) + rng.normal(0, 0.01, beta.size)))
    (c,) = cal_g.crossings
    assert c.beta == pytest.approx(0.4, abs=0.01) and c.ci[0] < 0.4 < c.ci[1]
    assert c.confident and c.kind == "attractive"


def test_calibration_outside_the_control_range_is_nan():
    res, control = _reading(lambda b: 0.8 * b + 0.07)
    _, high = _reading(lambda b: b + 0.3)
    cal = calibrate(res.keys, control, high)
    assert np.isnan(cal.mean[-1]) and np.isfinite(cal.mean[0])
    assert cal.to_json()["mean"][-1] is None                    # JSON: null, not NaN


@pytest.mark.parametrize("n_boot", [0, -3])
def test_resampler_needs_a_replicate(n_boot):
    with pytest.raises(ValueError, match=f"n_boot = {n_boot}"):
        Resampler(GRID, n_boot, 0)


def test_crossings_of_exact_means_have_point_intervals():
    keys = GRID
    means = 0.5 * keys + 0.2
    (c,) = crossings(keys, means, np.tile(means, (5, 1)))
    assert c.ci == pytest.approx((0.4, 0.4)) and c.slope_ci == pytest.approx((0.5, 0.5))


def test_attractors_and_settling():
    keys = np.array([0.1, 0.2, 0.4, 0.5])
    path = [keys]
    for _ in range(6):                          # low starts to 0, high starts to 1
        path.append(np.where(keys < 0.3, path[-1] / 2, (path[-1] + 1) / 2))
    out = attractors(keys, np.array(path))
    assert [g["n"] for g in out["groups"]] == [2, 2]
    assert out["groups"][0]["starts"] == [0.1, 0.2] and out["groups"][1]["starts"] == [0.4, 0.5]
    assert out["groups"][1]["beta"] == pytest.approx(0.99, abs=0.01)
    assert out["groups"][0]["range"][0] <= out["groups"][0]["beta"] <= out["groups"][0]["range"][1]
    spread = attractors(keys, np.tile(keys / 10, (3, 1)))           # each start stays put
    assert spread["groups"][0]["range"] == pytest.approx([0.01, 0.05])
    assert 0 < max(out["settle_k"]) <= 6 and out["last_step"] < 0.02
    assert attractors(keys, np.tile(keys, (3, 1)))["settle_k"] == [0, 0, 0, 0]


def test_line_fits_depend_on_the_range_for_a_curved_flow():
    curved = 0.375 * np.log(np.cosh(4 * GRID))
    fits = line_fits(GRID, curved)
    assert fits["lower_half"] != pytest.approx(fits["upper_half"], abs=0.01)
    straight = line_fits(GRID, 0.5 * GRID + 0.2)
    assert straight["whole"] == pytest.approx(0.4) and straight["slope"] == pytest.approx(0.5)
    assert straight["lower_half"] == pytest.approx(0.4) == straight["upper_half"]


def test_flow_analysis_of_an_identity_autoencoder(enum, fresh_energy_table):
    """AE-WR = identity: every AE reading equals the control, calibrated = beta, and the
    iterated map stands still."""
    from minirg.ising import decimate, energy_per_spin
    betas = [0.1, 0.3, 0.5]
    spins = np.concatenate([enum.sample(b, 60, seed=i) for i, b in enumerate(betas)])
    beta = np.repeat(betas, 60)
    maps = {"identity": spins, "ae_sign": spins, "ae_stochastic": spins.copy(),
            "decimation": decimate(spins, 2)}
    calls = []

    def predict(x):
        calls.append(len(x))
        return -energy_per_spin(x) / 4 + 0.05                     # flip-symmetric: sym == plain

    out = flow_analysis(beta, maps, predict, lambda x: x, n_boot=50, seed=0, iterations=3)
    js = out.to_json()
    assert js["beta"] == betas and set(js) >= set(MAPS) | {"calibrated", "iterated"}
    assert set(js["decimation"]) == {"energy"} and set(js["identity"]) == set(THERMOMETERS)
    for t in THERMOMETERS:
        np.testing.assert_allclose(js["ae_sign"][t]["mean"], js["identity"][t]["mean"])
        np.testing.assert_allclose(js["ae_sign"][t]["sem"], js["identity"][t]["sem"])
        cal = js["calibrated"]["ae_sign"][t]["mean"]
        np.testing.assert_allclose(cal, betas, atol=1e-12)
        assert len(js["iterated"][t]) == 4
        np.testing.assert_allclose(js["iterated"][t], [js["identity"][t]["mean"]] * 4)
    np.testing.assert_allclose(js["identity"]["beta_net"]["mean"],
                               js["identity"]["beta_net_sym"]["mean"])
    assert js["attractors"]["energy"]["last_step"] == 0.0
    # The energy MLE of exact samples recovers beta (60 lattices of 4 x 4 per beta).
    np.testing.assert_allclose(js["identity"]["energy"]["mean"], betas, atol=0.06)


def test_a_crossing_no_replicate_finds_is_strict_json():
    import json
    keys = GRID
    means = 0.5 * keys + 0.2
    (c,) = crossings(keys, means, np.tile(keys + 0.1, (5, 1)))      # replicates never cross
    assert c.found == 0 and not c.confident
    text = json.dumps(c.to_json(), allow_nan=False)
    assert json.loads(text)["ci"] == [None, None]
