"""Figure 11 of the paper: encoder kernels W1, W2, RG-trained against the autoencoder.

Reads a finished run directory (results.json and analysis/arrays.npz) and
writes one PNG; no numerics here.

    python scripts/fig11_weights.py --run minirg-run [--out PATH]
"""

import sys

from minirg.analysis.figures import run_figure_script


def main(argv=None):
    return run_figure_script("weights", argv)


if __name__ == "__main__":
    sys.exit(main())
