"""`minirg sweep`: its arguments and its handler (the CLI only hooks them in)."""

import sys

__all__ = ["add_parser", "run"]


def add_parser(sub):
    """Add the ``sweep`` subcommand to argparse subparsers ``sub``."""
    p = sub.add_parser("sweep", help="runs over seeds and a grid of values, on Dask; "
                       "summary.json and STUDY.md")
    p.add_argument("--preset", default="quick", help="smoke, quick (default), paper, study-quick")
    p.add_argument("--config", metavar="TOML", help="a TOML file of overrides")
    p.add_argument("--set", metavar="KEY=VALUE", action="append", default=[],
                   help="override one value for every run (repeatable)")
    p.add_argument("--seeds", default=None,
                   help="comma-separated seeds, e.g. 0,1,2 (study presets have defaults)")
    p.add_argument("--grid", metavar="KEY=V1,V2", action="append", default=[],
                   help="sweep a key over values, e.g. L=8,16 (repeatable: all combinations)")
    p.add_argument("--out", required=True, help="sweep directory")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="Dask scheduler, e.g. tcp://host:8786 (default: $DASK_SCHEDULER_ADDRESS, "
                        "else an embedded LocalCluster, one worker per core)")
    p.add_argument("--workers", type=int, default=None,
                   help="processes of the embedded cluster (default: one per core)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return p


def _seeds(text):
    try:
        seeds = [int(s) for s in text.split(",")]
    except ValueError:
        raise ValueError(f"--seeds {text!r}: expected comma-separated integers, e.g. 0,1,2") from None
    if len(set(seeds)) != len(seeds) or min(seeds) < 0:
        raise ValueError(f"--seeds {text!r}: expected distinct non-negative integers")
    return seeds


def run(args):
    """Handle ``minirg sweep``; returns the exit status (1 if any run failed)."""
    from minirg import config
    from minirg.study.sweep import STUDY_DEFAULTS, parse_grid, sweep
    defaults = STUDY_DEFAULTS.get(args.preset, {})
    if args.seeds is None and "seeds" not in defaults:
        raise ValueError("--seeds is required for this preset, e.g. --seeds 0,1,2")
    seeds = _seeds(args.seeds) if args.seeds is not None else defaults["seeds"]
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers {args.workers}: expected at least 1")
    grid = parse_grid(args.grid) if args.grid else defaults.get("grid", {})
    overrides = [config.load_toml(args.config)] if args.config else []
    overrides += [config.parse_assignment(text) for text in args.set]
    summary = sweep(args.out, seeds, grid, preset=args.preset, overrides=overrides,
                    scheduler=args.scheduler, workers=args.workers,
                    progress=not args.no_progress)
    for f in summary["failed"]:
        print(f"minirg: run {f['dir']} failed: {f['error']}", file=sys.stderr)
    print(f"{args.out}/STUDY.md: {len(summary['runs'])} finished runs, "
          f"{len(summary['points'])} grid points")
    return 1 if summary["failed"] else 0
