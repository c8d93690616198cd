"""Figure 14 of the paper: input, AE-WR output and decimated lattices at three betas.

Reads a finished run directory (results.json and analysis/arrays.npz) and
writes one PNG; no numerics here.

    python scripts/fig14_lattice_panel.py --run minirg-run [--out PATH]
"""

import sys

from minirg.analysis.figures import run_figure_script


def main(argv=None):
    return run_figure_script("panel", argv)


if __name__ == "__main__":
    sys.exit(main())
