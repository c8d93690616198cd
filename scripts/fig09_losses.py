"""Figure 9 / A.1 / A.2 of the paper: loss curves of Models 1-3 and AE-WR.

Reads a finished run directory (results.json and analysis/arrays.npz) and
writes one PNG; no numerics here.

    python scripts/fig09_losses.py --run minirg-run [--out PATH]
"""

import sys

from minirg.analysis.figures import run_figure_script


def main(argv=None):
    return run_figure_script("losses", argv)


if __name__ == "__main__":
    sys.exit(main())
