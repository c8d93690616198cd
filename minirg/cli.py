"""The `minirg` command line: data, train, analyse, reproduce, sweep, bench.

The CLI holds no numerics: it parses arguments, resolves the configuration and
calls the pipeline.  Bad input ends with one line on stderr and exit status 2.
"""

import argparse
import os
import sys

from minirg import __version__
from minirg.zoo import MODELS

__all__ = ["main", "build_parser"]


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (not usage + message) and exit 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def _add_config_args(p, out_default="minirg-run"):
    p.add_argument("--preset", default="quick", help="smoke, quick (default) or paper")
    p.add_argument("--out", default=out_default, help="run directory (default: %(default)s)")
    p.add_argument("--seed", type=int, default=None, help="master seed (default 0)")
    p.add_argument("--device", choices=("cpu", "gpu"), default=None,
                   help="where the engine runs (default cpu)")
    p.add_argument("--L", type=int, default=None, help="lattice side (default 32)")
    p.add_argument("--config", metavar="TOML", help="a TOML file of overrides")
    p.add_argument("--set", metavar="KEY=VALUE", action="append", default=[],
                   help="override one value, e.g. --set train.epochs=10 (repeatable)")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")


def build_parser():
    parser = _Parser(prog="minirg", description="Renormalization group vs autoencoders "
                     "on the 2D Ising model (Shukla & Thakur, arXiv:2108.06157).")
    parser.add_argument("--version", action="version", version=f"minirg {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser("data", help="generate (or --check) the Ising datasets")
    _add_config_args(p, out_default="minirg-data")
    p.add_argument("--check", metavar="FILE", help="validate a dataset file and summarise it")

    p = sub.add_parser("train", help="train (or evaluate) one model of the zoo")
    p.add_argument("model", choices=tuple(MODELS), metavar="MODEL",
                   help="one of: " + ", ".join(MODELS))
    _add_config_args(p)

    p = sub.add_parser("analyse", help="figures, results.json and REPORT.md of a run")
    p.add_argument("--run", default="minirg-run", help="run directory (default: %(default)s)")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")

    p = sub.add_parser("reproduce", help="every stage: data, training, analysis, report")
    _add_config_args(p)

    from minirg.study.cli import add_parser as add_sweep
    add_sweep(sub)

    p = sub.add_parser("bench", help="speed benchmarks (tables, against a baseline)")
    p.add_argument("which", choices=("nn", "ising"), help="nn: the engine; ising: the sampler")
    p.add_argument("args", nargs=argparse.REMAINDER, help="passed on to the benchmark")
    return parser


def _config(args):
    from minirg import config
    overrides = []
    if args.config:
        overrides.append(config.load_toml(args.config))
    for text in args.set:
        overrides.append(config.parse_assignment(text))
    flags = {"seed": args.seed, "device": args.device, "L": args.L}
    overrides.append({k: v for k, v in flags.items() if v is not None})
    return config.resolve(args.preset, overrides)


def _run(args):
    if args.command == "bench":
        if args.which == "nn":
            from minirg.bench.nn import main as bench
        else:
            from minirg.bench.ising import main as bench
        return bench(args.args) or 0
    if args.command == "sweep":
        from minirg.study.cli import run as sweep
        return sweep(args)
    from minirg import pipeline
    progress = not args.no_progress
    if args.command == "analyse":
        pipeline.analyse(args.run, progress=progress)
        return 0
    if args.command == "data" and args.check:
        from minirg.ising.dataset_file import check_dataset
        print(check_dataset(args.check))
        return 0
    cfg = _config(args)
    if args.command == "data":
        for path in pipeline.write_datasets(cfg, args.out, progress=progress).values():
            print(path)
    elif args.command == "train":
        pipeline.train(cfg, args.out, args.model, progress=progress)
    else:
        pipeline.reproduce(cfg, args.out, progress=progress)
    return 0


def _message(err):
    """One line for an error; an OSError names its file as a plain string, not PosixPath(...)."""
    if isinstance(err, OSError) and err.filename is not None:
        text = f"{err.strerror or err}: {os.fspath(err.filename)!r}"
        if err.filename2 is not None:
            text += f" -> {os.fspath(err.filename2)!r}"
        return text
    return " ".join(str(err).split())            # a multi-line message stays one line


def main(argv=None):
    """Entry point of the console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except (ValueError, OSError, FloatingPointError) as err:
        print(f"minirg: error: {_message(err)}", file=sys.stderr)
        return 2
    except MemoryError:
        print("minirg: error: out of memory; use a smaller L or smaller sets", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("minirg: interrupted (finished stages and checkpoints are kept)", file=sys.stderr)
        return 130
