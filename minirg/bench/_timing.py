"""The one timing loop the benchmarks share."""

import time

__all__ = ["timed", "best", "spin"]


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


def spin(seconds):
    """Wait ``seconds`` while keeping this core busy (a pause that does not idle the CPU).

    A sleeping pause lets the host idle the machine's cores, and the steps
    after it run slower than steps in a training loop, which never idles
    (see ``minirg.bench.nn.interleaved_ms`` for the measurement).
    """
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass
