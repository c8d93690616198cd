"""Build the teaching notebooks from their jupytext sources, and optionally run them.

The sources ``docs/NN_*.py`` (jupytext percent format) are the truth; the
``.ipynb`` files are generated into ``docs/_build/`` and not committed (an
executed notebook carries images and timings, so every rerun would rewrite
hundreds of kilobytes of diff).

    python docs/build.py                      # write docs/_build/*.ipynb, unexecuted
    python docs/build.py --execute            # also run each top to bottom (CI does this)
    python docs/build.py --execute 02         # only the notebooks whose name contains "02"

With ``--execute`` each notebook runs in a fresh kernel of this very Python
(so the minirg it sees is the one this interpreter imports), in a scratch
directory; the executed notebook is written with its outputs; the run time of
each is printed; and the exit status is 1 if any cell raised.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

DOCS = Path(__file__).resolve().parent
KERNEL = "minirg-docs"


def sources(patterns=()):
    """The notebook sources NN_*.py in order, filtered by substrings of their names."""
    found = sorted(DOCS.glob("[0-9][0-9]_*.py"))
    return [p for p in found if not patterns or any(s in p.stem for s in patterns)]


def to_notebook(path):
    """The jupytext percent source at ``path`` as an nbformat notebook."""
    import jupytext
    nb = jupytext.read(path)
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python (minirg docs)",
                                 "language": "python"}
    return nb


def _kernelspec_dir(root):
    """A kernelspec running ``sys.executable``: the notebooks see this interpreter's minirg."""
    spec = Path(root) / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps(
        {"argv": argv, "display_name": "Python (minirg docs)", "language": "python"}))
    return root


def execute(nb, workdir, timeout):
    """Run every cell of ``nb`` in place; raises nbclient's CellExecutionError on an error."""
    from nbclient import NotebookClient
    client = NotebookClient(nb, timeout=timeout, kernel_name=KERNEL,
                            resources={"metadata": {"path": str(workdir)}})
    client.execute()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="substrings selecting notebooks (default: all)")
    parser.add_argument("--execute", action="store_true", help="run each notebook top to bottom")
    parser.add_argument("--out", type=Path, default=DOCS / "_build",
                        help="where the .ipynb files go (default: docs/_build)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell")
    args = parser.parse_args(argv)
    import nbformat

    paths = sources(args.names)
    if not paths:
        parser.error(f"no notebook source matches {args.names}")
    args.out.mkdir(parents=True, exist_ok=True)
    failed = []
    with tempfile.TemporaryDirectory(prefix="minirg-docs-") as tmp:
        os.environ["JUPYTER_PATH"] = os.pathsep.join(
            filter(None, [_kernelspec_dir(tmp), os.environ.get("JUPYTER_PATH")]))
        for path in paths:
            nb = to_notebook(path)
            target = args.out / (path.stem + ".ipynb")
            if args.execute:
                workdir = Path(tmp) / path.stem
                workdir.mkdir()
                start = time.perf_counter()
                try:
                    execute(nb, workdir, args.timeout)
                    status = "ok"
                except Exception as err:  # CellExecutionError, DeadKernelError, timeouts
                    status = "FAILED"
                    failed.append(path.name)
                    print(f"{path.name}: {type(err).__name__}: {err}", file=sys.stderr)
                print(f"{path.name}: {status} in {time.perf_counter() - start:.1f} s",
                      flush=True)
            nbformat.write(nb, target)
    if failed:
        print(f"notebooks that failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
