"""The render's worker pool forks only where that is safe, and its workers never outlive the render."""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import signal
import threading

import pytest

from egovinfra.render import parallel


def test_a_threaded_caller_renders_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fork while another thread holds a lock leaves the child waiting on it for ever."""
    monkeypatch.setattr(parallel, "MIN_HOSTS_PER_WORKER", 1)
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda _pid: {0, 1})
    assert parallel.worker_count(100) == 2
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert parallel.worker_count(100) == 1
    finally:
        stop.set()
        other.join()


def _death_signal() -> tuple[int, object]:
    value = ctypes.c_int()
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.prctl(2, ctypes.byref(value), 0, 0, 0)  # PR_GET_PDEATHSIG
    return value.value, signal.getsignal(signal.SIGTERM)


def test_workers_die_with_their_parent_and_on_sigterm() -> None:
    with multiprocessing.get_context("fork").Pool(1, initializer=parallel._worker_start) as pool:
        death, handler = pool.apply(_death_signal)
    assert death == signal.SIGTERM
    assert handler == signal.SIG_DFL
