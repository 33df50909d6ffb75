"""Find and stop the lab's nspawn processes by PID, read with psutil (never by a broad pkill)."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Sequence
from functools import partial
from pathlib import Path

import psutil

from egovinfra.poll import until

# Errors of a process that is gone, a zombie, or not ours to read: all mean "not this one".
_GONE = (psutil.NoSuchProcess, psutil.AccessDenied)


def starttime(pid: int) -> int | None:
    """Start time of ``pid`` in clock ticks since boot (stat field 22), None when gone.

    psutil's create_time() is that value plus the boot time in wall-clock seconds, which moves
    when the clock is stepped; the state file outlives such steps, so the guard against PID
    reuse keeps the boot-relative ticks (the unit state files have always stored).
    """
    try:
        created = psutil.Process(pid).create_time()
    except _GONE:
        return None
    return round((float(created) - float(psutil.boot_time())) * os.sysconf("SC_CLK_TCK"))


def alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except _GONE:
        return False


def machine_name_of(argv: Sequence[str]) -> str | None:
    """The ``-M``/``--machine`` value of a systemd-nspawn command line, None otherwise."""
    if not argv or Path(argv[0]).name != "systemd-nspawn":
        return None
    for i, arg in enumerate(argv):
        if arg in ("-M", "--machine") and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--machine="):
            return arg.split("=", 1)[1]
        if arg.startswith("-M") and len(arg) > 2:
            return arg[2:]
    return None


def find_machines(prefix: str) -> dict[int, str]:
    """nspawn processes whose machine name starts with ``prefix-``: PID -> machine name."""
    found: dict[int, str] = {}
    for proc in psutil.process_iter(["cmdline"]):
        argv = proc.info["cmdline"]  # None when unreadable, [] for a zombie
        name = machine_name_of([str(a) for a in argv]) if argv else None
        if name is not None and name.startswith(prefix + "-"):
            found[int(proc.pid)] = name
    return found


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` in the process tree."""
    try:
        return [int(child.pid) for child in psutil.Process(pid).children(recursive=True)]
    except _GONE:
        return []


def container_init(pid: int) -> int | None:
    """The container's init: the one child of the nspawn ``pid``; None when it has none (yet)."""
    try:
        children = psutil.Process(pid).children()
    except _GONE:
        return None
    return min((int(child.pid) for child in children), default=None)


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def _reap(pid: int) -> None:
    """Collect ``pid`` if it is our own child, so it does not linger as a zombie."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def _stopped(pid: int) -> bool:
    _reap(pid)
    return not alive(pid)


def stop_all(pids: Sequence[int], timeout: float = 10.0) -> list[int]:
    """SIGTERM every PID at once (nspawn halts its container), SIGKILL what is left after
    ``timeout`` together with its process tree; return the PIDs that had to be killed.

    Killing a container's init (a descendant of nspawn) takes its whole PID namespace with it.
    A zombie counts as stopped: its parent may never reap it (psutil.wait_procs would wait).
    """
    for pid in pids:
        _signal(pid, signal.SIGTERM)
    remaining: list[int] = list(pids)

    def stopped() -> bool:
        remaining[:] = [pid for pid in remaining if not _stopped(pid)]
        return not remaining

    until(stopped, timeout, step=0.05)
    killed = list(remaining)
    for pid in killed:
        for below in descendants(pid):
            _signal(below, signal.SIGKILL)
        _signal(pid, signal.SIGKILL)
    for pid in killed:
        until(partial(_stopped, pid), 5.0, step=0.05)
    return killed
