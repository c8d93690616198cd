"""Figure 16 of the paper: the beta flow of AE-WR outputs and of decimation.

Reads a finished run directory (results.json and analysis/arrays.npz) and
writes one PNG; no numerics here.

    python scripts/fig16_flow.py --run minirg-run [--out PATH]
"""

import sys

from minirg.analysis.figures import run_figure_script


def main(argv=None):
    return run_figure_script("flow", argv)


if __name__ == "__main__":
    sys.exit(main())
