"""Figure 12 of the paper: spin-correlation matrices W W^T.

Reads a finished run directory (results.json and analysis/arrays.npz) and
writes one PNG; no numerics here.

    python scripts/fig12_correlation.py --run minirg-run [--out PATH]
"""

import sys

from minirg.analysis.figures import run_figure_script


def main(argv=None):
    return run_figure_script("correlation", argv)


if __name__ == "__main__":
    sys.exit(main())
