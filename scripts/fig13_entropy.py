"""Figure 13 of the paper: local entropy of input, AE-WR output and decimated lattices.

Reads a finished run directory (results.json and analysis/arrays.npz) and
writes one PNG; no numerics here.

    python scripts/fig13_entropy.py --run minirg-run [--out PATH]
"""

import sys

from minirg.analysis.figures import run_figure_script


def main(argv=None):
    return run_figure_script("entropy", argv)


if __name__ == "__main__":
    sys.exit(main())
