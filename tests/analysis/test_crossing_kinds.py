"""crossings_by_kind: the one confident crossing of each kind, as plain numbers."""

import pytest

from minirg.analysis.flow_controls import crossings_by_kind
from minirg.analysis.thermometry import Crossing


def _c(beta, slope, found=1.0, spread=0.1):
    return Crossing(beta, slope, (beta - 0.01, beta + 0.01), (slope - spread, slope + spread),
                    found)


def test_one_confident_crossing_of_each_kind_is_reported_by_its_beta():
    got = crossings_by_kind([_c(0.2, 0.5), _c(0.44, 1.7)])
    assert got == {"attractive": 0.2, "n_attractive": 1, "repulsive": 0.44, "n_repulsive": 1}


@pytest.mark.parametrize("crossings, n", [
    ([], 0),
    ([_c(0.2, 0.5, found=0.9)], 0),              # not found in >= 97.5% of replicates
    ([_c(0.2, 0.95)], 0),                        # slope interval straddles 1
    ([_c(0.2, 0.5), _c(0.3, -0.5)], 2),          # two attractive ones: ambiguous
])
def test_no_or_several_confident_crossings_leave_the_kind_empty(crossings, n):
    got = crossings_by_kind(crossings + [_c(0.45, 2.0)])
    assert got["attractive"] is None and got["n_attractive"] == n
    assert got["repulsive"] == 0.45 and got["n_repulsive"] == 1
