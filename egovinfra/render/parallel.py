"""Per-host rendering spread over the machine's cores.

Hosts render independently once the Plan is compiled, so large deployments fork one worker
per core; the workers inherit the Plan (nothing is pickled on the way in) and send back
finished files. Small deployments render in-process: forking would cost more than it saves.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable

from egovinfra.render.tree import Tree

# Below this many hosts per core, forking costs more than rendering.
MIN_HOSTS_PER_WORKER = 200
# Hosts per task: small enough to balance a hub's large files against many small gateways.
CHUNK = 64

HostJob = Callable[[int], Tree]
# The job of the pool being run; forked workers inherit it instead of unpickling it.
_CURRENT: dict[str, HostJob] = {}


def _render_chunk(chunk: range) -> Tree:
    job = _CURRENT["job"]
    out: Tree = {}
    for index in chunk:
        out.update(job(index))
    return out


def worker_count(hosts: int) -> int:
    """How many processes render `hosts` hosts on this machine (1: in-process)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    cores = len(os.sched_getaffinity(0))
    return max(1, min(cores, hosts // MIN_HOSTS_PER_WORKER))


def map_hosts(job: HostJob, count: int) -> Tree:
    """The union of `job(i)` for every host index i < count, rendered on every core."""
    workers = worker_count(count)
    # The Plan outlives the render: move it out of the cyclic collector's sight, so
    # collections neither rescan it nor, in a forked worker, copy its pages by touching it.
    gc.freeze()
    _CURRENT["job"] = job
    try:
        if workers == 1:
            return _render_chunk(range(count))
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            chunks = [range(start, min(start + CHUNK, count)) for start in range(0, count, CHUNK)]
            out: Tree = {}
            for part in pool.imap_unordered(_render_chunk, chunks):
                out.update(part)
            return out
    finally:
        _CURRENT.clear()
        gc.unfreeze()
