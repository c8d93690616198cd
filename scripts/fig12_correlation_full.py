"""Appendix B.3/B.4 of the paper: the W W^T matrices in full.

Reads a finished run directory (results.json and analysis/arrays.npz) and
writes one PNG; no numerics here.

    python scripts/fig12_correlation_full.py --run minirg-run [--out PATH]
"""

import sys

from minirg.analysis.figures import run_figure_script


def main(argv=None):
    return run_figure_script("correlation_full", argv)


if __name__ == "__main__":
    sys.exit(main())
