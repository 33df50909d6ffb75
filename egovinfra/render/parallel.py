"""Per-host rendering spread over the machine's cores, only where forking is safe.

Hosts render independently once the Plan is compiled, so large deployments fork one worker
per core; the workers inherit the Plan (nothing is pickled on the way in) and send back
what each chunk of hosts produced. Forking is safe only from a process with one thread: a
lock another thread held at the fork (a logger's, an allocator's) stays locked for ever in
the child, which then hangs in a futex wait. So a multi-threaded caller renders in-process;
workers restore the default SIGTERM, die with their parent (PR_SET_PDEATHSIG) and a chunk
that takes longer than TIMEOUT_S fails the render instead of hanging it. Small deployments
render in-process: forking would cost more than it saves.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, TypeVar

# Below this many hosts per core, forking costs more than rendering.
MIN_HOSTS_PER_WORKER = 200
# Hosts per task: small enough to balance a hub's large files against many small gateways.
CHUNK = 64
# A chunk renders in well under a second; this bounds a stuck worker, not a slow one.
TIMEOUT_S = 300.0
_PR_SET_PDEATHSIG = 1

T = TypeVar("T")
# The job of the pool being run; forked workers inherit it instead of unpickling it.
_CURRENT: dict[str, Callable[[range], Any]] = {}


def _run(chunk: range) -> Any:
    return _CURRENT["job"](chunk)


def _worker_start() -> None:
    """In each worker: the default SIGTERM, and SIGTERM when the parent dies."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    libc_name = ctypes.util.find_library("c")
    if libc_name:
        ctypes.CDLL(libc_name, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def worker_count(hosts: int) -> int:
    """How many processes render `hosts` hosts here (1: in-process, always from a threaded caller)."""
    if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return 1
    cores = len(os.sched_getaffinity(0))
    return max(1, min(cores, hosts // MIN_HOSTS_PER_WORKER))


def map_chunks(job: Callable[[range], T], count: int) -> list[T]:
    """`job` applied to consecutive ranges covering the host indices below `count`, on every core.

    The results come in no particular order: callers merge parts with disjoint paths.
    """
    workers = worker_count(count)
    if workers == 1:
        return [job(range(count))]
    # The Plan outlives the render: move it out of the cyclic collector's sight, so
    # collections neither rescan it nor, in a forked worker, copy its pages by touching it.
    gc.freeze()
    _CURRENT["job"] = job
    # Not multiprocessing.Pool: when a chunk failed, its terminate() could wait for ever on a
    # task queue that no worker drained any more (seen in the test of a failing render). The
    # executor's workers outlive a failing task, and cancelling what has not started is enough.
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=_worker_start)
    try:
        chunks = [range(start, min(start + CHUNK, count)) for start in range(0, count, CHUNK)]
        futures = [pool.submit(_run, chunk) for chunk in chunks]
        results = [done.result() for done in as_completed(futures, timeout=TIMEOUT_S)]
    except TimeoutError:
        # A stuck chunk: nothing waits for it (the worker dies with this process).
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    except BaseException:
        # A failed chunk: the rest is cancelled, the running chunks end in a moment.
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    else:
        pool.shutdown(wait=True)  # no thread of the executor outlives the render
        return results
    finally:
        _CURRENT.clear()
        gc.unfreeze()
