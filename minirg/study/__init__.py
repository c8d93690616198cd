"""Studies at scale: sweeps over seeds and configuration values on Dask, their
aggregation over seeds (summary.json, summary.csv) and STUDY.md."""

from .aggregate import aggregate, flatten, stats, write_summary
from .sweep import STUDY_DEFAULTS, parse_grid, plan, run_one, sweep

__all__ = ["sweep", "parse_grid", "plan", "run_one", "aggregate", "flatten", "stats",
           "write_summary", "STUDY_DEFAULTS"]
