"""The one timing loop the benchmarks share."""

import time

__all__ = ["timed", "best"]


def timed(func, repeat):
    """Wall seconds of each of ``repeat`` calls of func()."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return times


def best(func, repeat):
    """Smallest wall time of ``repeat`` calls of func()."""
    return min(timed(func, repeat))
