"""The version of a run directory's ``results.json``, checked in one place.

Every ``results.json`` minirg writes carries ``"schema": SCHEMA``.  A reader
calls `read_results`, which refuses a file of another schema (or none) with
one line saying what to run; no other code looks at old layouts.  Raise
`SCHEMA` whenever a key of results.json changes meaning or moves.
"""

from pathlib import Path

from minirg._io import read_json

__all__ = ["SCHEMA", "SchemaError", "stamp", "check", "read_results"]

SCHEMA = 3


class SchemaError(ValueError):
    """A results.json of another schema: re-analyse the run with this minirg."""


def stamp(results):
    """``results`` with ``schema`` set to this minirg's `SCHEMA` (a new dict)."""
    return {"schema": SCHEMA, **{k: v for k, v in results.items() if k != "schema"}}


def check(results, path):
    """Raise `SchemaError` unless ``results`` (read from ``path``) has this `SCHEMA`."""
    found = results.get("schema") if isinstance(results, dict) else None
    if found != SCHEMA:
        run = Path(path).parent
        raise SchemaError(f"{str(path)!r} was made by another minirg (schema {found!r}, "
                          f"expected {SCHEMA}): run `minirg analyse --run {run}`")
    return results


def read_results(run_dir):
    """The checked ``results.json`` of ``run_dir`` (FileNotFoundError if absent)."""
    path = Path(run_dir) / "results.json"
    return check(read_json(path), path)
