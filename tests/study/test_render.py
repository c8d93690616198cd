"""STUDY.md's helpers and tables: the exact specific-heat peak, crossings by kind, the flows."""

import numpy as np
import pytest

from minirg._io import write_json
from minirg.analysis.flow_controls import crossings_by_kind
from minirg.analysis.thermometry import Crossing
from minirg.ising import BETA_C, exact_specific_heat
from minirg.study.aggregate import aggregate
from minirg.study.crossings import crossing_keys, specific_heat_peak
from minirg.study.render import render_study


def test_specific_heat_peak_is_a_maximum_approaching_beta_c_from_below():
    peaks = [specific_heat_peak(L) for L in (8, 16, 32)]
    for L, b in zip((8, 16, 32), peaks):
        c = exact_specific_heat(L, np.array([b - 1e-3, b, b + 1e-3]))
        assert c[1] > c[0] and c[1] > c[2]
    assert peaks[0] < peaks[1] < peaks[2] < BETA_C


def test_crossings_by_kind_first_then_the_old_keys_then_the_fitted_line():
    new = {"flow.ae_sign.energy.n_attractive": {}, "flow.ae_sign.energy.crossings.0": {},
           "flow.calibrated.ae_sign.beta_net.n_attractive": {}, "fixed_points.ae_flow": {}}
    assert [k for _, k in crossing_keys(new)] == [
        {"attractive": "flow.ae_sign.energy.attractive",
         "repulsive": "flow.ae_sign.energy.repulsive"},
        {"attractive": "flow.calibrated.ae_sign.beta_net.attractive",
         "repulsive": "flow.calibrated.ae_sign.beta_net.repulsive"}]
    # Run directories made before crossings had kinds: each reading's first crossing.
    old = {"flow.ae_sign.energy.crossings.0": {}, "flow.identity.energy.crossings.0": {},
           "fixed_points.ae_flow": {}}
    assert [list(k.values()) for _, k in crossing_keys(old)] == [
        ["flow.ae_sign.energy.crossings.0"], ["flow.identity.energy.crossings.0"]]
    assert [list(k.values()) for _, k in crossing_keys({"fixed_points.ae_flow": {}})] == [
        ["fixed_points.ae_flow"]]


BETA = [0.1, 0.3, 0.5]


def _reading(*crossings):
    """A results.json reading with confident crossings (beta, slope): what the stage writes."""
    cs = [Crossing(b, s, (b - 0.01, b + 0.01), (s - 0.1, s + 0.1), 1.0) for b, s in crossings]
    return {"mean": BETA, "crossings": [c.beta for c in cs],
            "crossing_details": [c.to_json() for c in cs], **crossings_by_kind(cs)}


def _flow(*ae_crossings):
    return {"beta": BETA, "ae_sign": {"energy": _reading(*ae_crossings)},
            "identity": {"energy": _reading()},
            "decimation": {"energy": {"mean": [0.01, 0.1, 0.3]}},
            "majority": {"energy": {"mean": [0.05, 0.25, 0.6]}}}


def _study(tmp_path, flows):
    """A sweep directory over L = 8 whose seed s's results.json has flow flows[s]."""
    runs = []
    for seed, flow in enumerate(flows):
        d = f"runs/L=8/seed={seed}"
        write_json(tmp_path / d / "config.json", {"L": 8, "seed": seed})
        write_json(tmp_path / d / "results.json", {"worker": "local", "flow": flow})
        runs.append({"params": {"L": 8}, "seed": seed, "dir": d})
    write_json(tmp_path / "sweep.json", {"preset": "smoke", "overrides": [],
                                         "grid": {"L": [8]}, "seeds": list(range(len(flows)))})
    return render_study(tmp_path, aggregate(tmp_path, runs))


def test_a_seed_s_attractive_crossing_is_never_averaged_with_another_s_repulsive(tmp_path):
    # Seed 0's crossing 0 is attractive (0.30), seed 1's is repulsive (0.38): the first
    # crossing's mean, 0.34 +- 0.04, mixes the two.  Seed 1's two attractive crossings
    # are ambiguous, so it has no attractive entry.
    text = _study(tmp_path, [_flow((0.30, 0.5), (0.45, 1.8)),
                             _flow((0.38, 1.6), (0.44, 0.4), (0.48, 0.6))])
    row = next(line for line in text.splitlines() if line.startswith("| 8 | ae_sign / energy"))
    attractive, repulsive = [c.strip() for c in row.split("|")[3:5]]
    assert attractive == "0.3 (n=1 of 2)"
    mean, sem = np.mean([0.45, 0.38]), np.std([0.45, 0.38], ddof=1) / np.sqrt(2)
    assert repulsive == f"{mean:.4g} +- {sem:.4g} (n=2 of 2)"
    assert "0.34 +- 0.04" not in text                     # the mixed mean
    assert "No confident crossing of either kind in any run: identity / energy." in text
    assert (tmp_path / "figures" / "crossings_vs_L.png").stat().st_size > 0


def test_the_flow_table_reads_the_stored_coarse_grainer_flows(tmp_path):
    # No grid.npz exists: recomputing the flows would fail.  Majority's curve crosses
    # beta' = beta upwards between 0.3 and 0.5; decimation's never does.
    text = _study(tmp_path, [_flow(), _flow()])
    up = 0.3 + 0.05 * 0.2 / 0.15
    assert f"| 8 | majority | {up:.4g} +- 0 (n=2) |" in text
    assert "| 8 | decimation | n/a |" in text


@pytest.mark.parametrize("kind, slopes", [("attractive", (0.5, 0.7)), ("repulsive", (1.5, -2))])
def test_by_kind_cells_count_only_runs_with_exactly_one(tmp_path, kind, slopes):
    one, two = _flow((0.3, slopes[0])), _flow((0.2, slopes[0]), (0.4, slopes[1]))
    text = _study(tmp_path, [one, two, _flow()])
    row = next(line for line in text.splitlines() if line.startswith("| 8 | ae_sign / energy"))
    cells = dict(zip(("attractive", "repulsive"), (c.strip() for c in row.split("|")[3:5])))
    assert cells[kind] == "0.3 (n=1 of 3)"
    other = "repulsive" if kind == "attractive" else "attractive"
    assert cells[other] == "none (n=0 of 3)"


def test_runs_analysed_before_crossings_had_kinds_still_render(tmp_path):
    """An older results.json without the by-kind numbers: each run's first crossing,
    said to be of any kind (the mixed mean the by-kind table avoids)."""
    flows = [_flow((0.30, 0.5)), _flow((0.38, 1.6))]
    for flow in flows:
        for by in (flow["ae_sign"], flow["identity"]):
            for kind in ("attractive", "repulsive"):
                del by["energy"][kind], by["energy"][f"n_{kind}"]
    text = _study(tmp_path, flows)
    assert "| L | series | first crossing, any kind (+-1 sem over n seeds) |" in text
    assert "| 8 | ae_sign / energy | 0.34 +- 0.04 (n=2 of 2) |" in text
    assert "may mix attractive and repulsive" in text
