"""Appendix B.1/B.2 of the paper: the encoder kernels W1, W2 in full.

Reads a finished run directory (results.json and analysis/arrays.npz) and
writes one PNG; no numerics here.

    python scripts/fig11_weights_full.py --run minirg-run [--out PATH]
"""

import sys

from minirg.analysis.figures import run_figure_script


def main(argv=None):
    return run_figure_script("weights_full", argv)


if __name__ == "__main__":
    sys.exit(main())
