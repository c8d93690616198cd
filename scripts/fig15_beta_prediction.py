"""Figure 15 of the paper: the beta-net's predictions against the true beta.

Reads a finished run directory (results.json and analysis/arrays.npz) and
writes one PNG; no numerics here.

    python scripts/fig15_beta_prediction.py --run minirg-run [--out PATH]
"""

import sys

from minirg.analysis.figures import run_figure_script


def main(argv=None):
    return run_figure_script("beta_prediction", argv)


if __name__ == "__main__":
    sys.exit(main())
