import numpy as np
import pytest

from minirg.analysis.notes import half_crossings, run_notes


def test_half_crossings_depend_on_the_fit_range():
    beta = np.repeat([0.1, 0.2, 0.3, 0.4], 3)
    lo, hi = half_crossings(beta, 0.375 * np.log(np.cosh(4 * beta)))   # curved: not a line
    assert lo != pytest.approx(hi, abs=0.01)
    assert half_crossings(beta, 0.5 * beta + 0.2) == pytest.approx([0.4, 0.4])
    assert np.isnan(half_crossings(np.repeat([0.1, 0.2], 2), np.ones(4))[0])   # one beta


def _fixed_points(**kw):
    fp = {"ae_flow": 0.45, "ae_flow_input": "sign", "ae_flow_sign": 0.45, "ae_flow_raw": 0.4,
          "decimation_measured": None, "decimation_local": 0.47, "rg_recursion": 0.50698,
          "estimator_check_mae": 0.01, "estimator_check_bias": 0.005, "estimator_check_z": 1.0}
    return {**fp, **kw}


def _arrays(pred_noise):
    rng = np.random.default_rng(0)
    beta = np.repeat(np.linspace(0.1, 0.5, 5), 4)
    test_beta = rng.uniform(0.01, 0.6, 200)
    return {"grid_beta": beta, "grid_pred_sign": 0.5 * beta + 0.2,
            "test_beta": test_beta, "test_pred": test_beta + rng.normal(0, pred_noise, 200)}


def test_notes_state_what_the_numbers_say():
    good = run_notes(_arrays(0.01), _fixed_points())
    assert "better than it" in good[0] and "no better" not in good[0]
    assert "it recovers beta" in good[1]
    assert not any("outside the grid" in line for line in good)
    assert "nowhere within the grid" in good[-1] and "0.4700" in good[-1]
    bad = run_notes(_arrays(1.0), _fixed_points(ae_flow=0.9, estimator_check_bias=0.3,
                                                 estimator_check_z=30.0))
    assert "no better than it" in bad[0]
    assert "the estimator or the data is off" in bad[1]
    assert any("outside the grid" in line for line in bad)
