"""The iterated map: beta_k of sign(AE-WR)^k against k (not in the paper).

Reads a finished run directory (results.json and analysis/arrays.npz) and
writes one PNG; no numerics here.

    python scripts/fig17_iterated.py --run minirg-run [--out PATH]
"""

import sys

from minirg.analysis.figures import run_figure_script


def main(argv=None):
    return run_figure_script("iterated", argv)


if __name__ == "__main__":
    sys.exit(main())
