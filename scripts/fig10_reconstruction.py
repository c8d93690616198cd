"""Figure 10 of the paper: reconstructions of critical lattices by Models 1-3.

Reads a finished run directory (results.json and analysis/arrays.npz) and
writes one PNG; no numerics here.

    python scripts/fig10_reconstruction.py --run minirg-run [--out PATH]
"""

import sys

from minirg.analysis.figures import run_figure_script


def main(argv=None):
    return run_figure_script("reconstruction", argv)


if __name__ == "__main__":
    sys.exit(main())
