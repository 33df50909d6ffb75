"""Per-host rendering spread over the machine's cores.

Hosts render independently once the Plan is compiled, so large deployments fork one worker
per core; the workers inherit the Plan (nothing is pickled on the way in) and send back
what each chunk of hosts produced. Small deployments render in-process: forking would cost
more than it saves.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable
from typing import Any, TypeVar

# Below this many hosts per core, forking costs more than rendering.
MIN_HOSTS_PER_WORKER = 200
# Hosts per task: small enough to balance a hub's large files against many small gateways.
CHUNK = 64

T = TypeVar("T")
# The job of the pool being run; forked workers inherit it instead of unpickling it.
_CURRENT: dict[str, Callable[[range], Any]] = {}


def _run(chunk: range) -> Any:
    return _CURRENT["job"](chunk)


def worker_count(hosts: int) -> int:
    """How many processes render `hosts` hosts on this machine (1: in-process)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    cores = len(os.sched_getaffinity(0))
    return max(1, min(cores, hosts // MIN_HOSTS_PER_WORKER))


def map_chunks(job: Callable[[range], T], count: int) -> list[T]:
    """`job` applied to consecutive ranges covering the host indices below `count`, on every core.

    The results come in no particular order: callers merge parts with disjoint paths.
    """
    workers = worker_count(count)
    # The Plan outlives the render: move it out of the cyclic collector's sight, so
    # collections neither rescan it nor, in a forked worker, copy its pages by touching it.
    gc.freeze()
    _CURRENT["job"] = job
    try:
        if workers == 1:
            return [job(range(count))]
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            chunks = [range(start, min(start + CHUNK, count)) for start in range(0, count, CHUNK)]
            return list(pool.imap_unordered(_run, chunks))
    finally:
        _CURRENT.clear()
        gc.unfreeze()
