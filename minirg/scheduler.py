"""Run independent training jobs side by side, respecting their dependencies.

Training at batch 10 is latency-bound: one BLAS thread per job and one job per
core beats one job on two threads.  Each worker process keeps a fixed "slot"
so that its progress bar has its own terminal line.
"""

import concurrent.futures as cf
import multiprocessing as mp
import os

__all__ = ["run_jobs", "worker_slot"]

_SLOT = 0
_ONE_THREAD = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
               "NUMBA_NUM_THREADS")


def worker_slot():
    """This process's worker slot: 0 in the main process, 1.. in workers."""
    return _SLOT


def _init_worker(slots):
    global _SLOT
    _SLOT = slots.get()


def _ready(pending, done, deps):
    return [n for n in pending if all(d in done for d in deps.get(n, ()))]


def run_jobs(names, deps, fn, args=(), workers=1):
    """Call ``fn(*args, name)`` for every name once its ``deps`` have finished.

    names : job names in the order to start them; deps : name -> names it needs.
    Returns {name: result}.  With ``workers`` > 1 jobs run in that many spawned
    processes, each limited to one BLAS/numba thread; the first error stops the
    run (jobs already running finish, others are not started).
    """
    if workers <= 1:
        return {name: fn(*args, name) for name in _ordered(names, deps)}
    saved = {k: os.environ.get(k) for k in _ONE_THREAD}
    os.environ.update({k: "1" for k in _ONE_THREAD})   # inherited by spawned workers
    ctx = mp.get_context("spawn")
    slots = ctx.Queue()
    for i in range(workers):
        slots.put(i + 1)
    try:
        with cf.ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker,
                                    initargs=(slots,)) as pool:
            return _drive(pool, list(names), deps, fn, args, workers)
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)


def _ordered(names, deps):
    """names with every job after its dependencies (stable otherwise)."""
    done, order, pending = set(), [], list(names)
    while pending:
        ready = _ready(pending, done, deps)
        if not ready:
            raise ValueError(f"jobs {pending} depend on jobs that are not scheduled")
        order.append(ready[0])
        done.add(ready[0])
        pending.remove(ready[0])
    return order


def _drive(pool, pending, deps, fn, args, workers):
    results, running = {}, {}
    while pending or running:
        for name in _ready(pending, results, deps)[:workers - len(running)]:
            running[pool.submit(fn, *args, name)] = name
            pending.remove(name)
        if not running:
            raise ValueError(f"jobs {pending} depend on jobs that are not scheduled")
        finished, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
        for future in finished:
            results[running.pop(future)] = future.result()   # re-raises a job's error
    return results
