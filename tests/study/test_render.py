"""STUDY.md's helpers: the exact specific-heat peak and the choice of crossings."""

import numpy as np

from minirg.ising import exact_specific_heat
from minirg.study.render import BETA_C, crossing_keys, specific_heat_peak


def test_specific_heat_peak_is_a_maximum_approaching_beta_c_from_below():
    peaks = [specific_heat_peak(L) for L in (8, 16, 32)]
    for L, b in zip((8, 16, 32), peaks):
        c = exact_specific_heat(L, np.array([b - 1e-3, b, b + 1e-3]))
        assert c[1] > c[0] and c[1] > c[2]
    assert peaks[0] < peaks[1] < peaks[2] < BETA_C


def test_crossings_prefer_the_flow_keys_and_fall_back_to_the_fitted_line():
    flow = {"flow.ae_sign.energy.crossings.0": {}, "flow.identity.energy.crossings.0": {},
            "fixed_points.ae_flow": {}}
    assert [k for _, k in crossing_keys(flow)] == ["flow.ae_sign.energy.crossings.0",
                                                   "flow.identity.energy.crossings.0"]
    assert [k for _, k in crossing_keys({"fixed_points.ae_flow": {}})] == ["fixed_points.ae_flow"]
