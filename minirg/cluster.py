"""Dask distributed: the one way minirg runs things in parallel.

`client` gives a Dask client, either on an existing cluster (an address, or
``DASK_SCHEDULER_ADDRESS``) or on an embedded LocalCluster of one-thread
worker processes.  Training at batch 10 is latency-bound: one BLAS thread per
task and one task per core beats one task on two threads.

Workers of an embedded cluster die with this process, whatever kills it:

- SIGKILL (the out-of-memory killer) or a crash: each worker process holds the
  read end of a pipe whose write end only its parent holds (Dask's
  ``parent_alive_pipe``); when the parent dies, the kernel closes it and the
  worker exits at once.  This needs no signal handler and no timeout.
- SIGTERM (plain ``kill``) and SIGINT: turned into KeyboardInterrupt while a
  cluster is open, so that the ``with`` block closes the cluster (its nannies
  stop their workers) before the process exits.

Workers of an external cluster belong to it and are never stopped here.
"""

import contextlib
import os
import signal
import sys
import threading

__all__ = ["client", "default_workers", "in_worker", "worker_slot", "worker_address"]

_ONE_THREAD = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
               "NUMBA_NUM_THREADS")
ADDRESS_VAR = "DASK_SCHEDULER_ADDRESS"


def default_workers():
    """One worker per core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:             # not on Linux
        return os.cpu_count() or 1


def _worker():
    """The Dask worker running this code, or None (also when Dask is not loaded)."""
    if "distributed" not in sys.modules:   # importing Dask costs a second: don't
        return None
    from distributed import get_worker
    try:
        return get_worker()
    except ValueError:
        return None


def in_worker():
    """True inside a Dask worker (where no cluster can be nested)."""
    return _worker() is not None


def worker_slot():
    """A terminal line for this process's progress bar: 0 in the main process, 1.. in workers."""
    w = _worker()
    return int(w.name) + 1 if w is not None and isinstance(w.name, int) else 0


def worker_address():
    """The address of the Dask worker running this code, or None outside one."""
    w = _worker()
    return None if w is None else w.address


def _one_thread_env():
    """Dask config that makes every worker process (and its restarts) start with one
    BLAS/numba thread: nannies set these variables just before spawning."""
    import dask
    env = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}))
    env.update({k: 1 for k in _ONE_THREAD})
    return dask.config.set({"distributed.nanny.pre-spawn-environ": env})


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


@contextlib.contextmanager
def _terminate_closes():
    """While open, SIGTERM raises KeyboardInterrupt (main thread only) so clean-up runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


@contextlib.contextmanager
def client(address=None, workers=None):
    """A ``distributed.Client``: on ``address`` if given (or $DASK_SCHEDULER_ADDRESS),
    else on an embedded LocalCluster of ``workers`` one-thread processes
    (default: one per core).  Closing it stops an embedded cluster's workers.
    """
    import logging

    from distributed import Client, LocalCluster
    address = address or os.environ.get(ADDRESS_VAR)
    if address:
        with Client(address, timeout="10s") as c:
            yield c
        return
    n = default_workers() if workers is None else int(workers)
    if n < 1:
        raise ValueError(f"workers = {workers!r}: expected at least 1")
    with _terminate_closes():
        with _one_thread_env():     # dashboard on a free port: 8787 may be taken
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                   dashboard_address=":0", silence_logs=logging.ERROR)
        try:
            with Client(cluster) as c:
                yield c
        finally:
            cluster.close()
