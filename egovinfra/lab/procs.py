"""Find and stop the lab's nspawn processes by PID, read from /proc (never by a broad pkill)."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Sequence
from pathlib import Path

PROC = Path("/proc")


def cmdline(pid: int) -> list[str] | None:
    """The argv of ``pid``, or None when the process is gone."""
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def _stat_fields(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (which may hold spaces)."""
    try:
        raw = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return raw[raw.rindex(")") + 2 :].split()


def starttime(pid: int) -> int | None:
    """Start time of ``pid`` in clock ticks since boot (stat field 22), None when gone."""
    fields = _stat_fields(pid)
    return None if fields is None else int(fields[19])


def alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    fields = _stat_fields(pid)
    return fields is not None and fields[0] != "Z"


def parent(pid: int) -> int | None:
    """The parent PID of ``pid``, None when gone."""
    fields = _stat_fields(pid)
    return None if fields is None else int(fields[1])


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


def all_pids() -> list[int]:
    """PIDs of every process on the machine."""
    return [int(p.name) for p in PROC.iterdir() if p.name.isdigit()]


def find_machines(prefix: str) -> dict[int, str]:
    """nspawn processes whose machine name starts with ``prefix-``: PID -> machine name."""
    found: dict[int, str] = {}
    for pid in all_pids():
        argv = cmdline(pid)
        name = machine_name_of(argv) if argv else None
        if name is not None and name.startswith(prefix + "-"):
            found[pid] = name
    return found


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` in the process tree."""
    children: dict[int, list[int]] = {}
    for other in all_pids():
        ppid = parent(other)
        if ppid is not None:
            children.setdefault(ppid, []).append(other)
    below: list[int] = []
    todo = list(children.get(pid, []))
    while todo:
        current = todo.pop()
        below.append(current)
        todo.extend(children.get(current, []))
    return below


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def _reap(pid: int) -> None:
    """Collect ``pid`` if it is our own child, so it does not linger as a zombie."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _reap(pid)
        if not alive(pid):
            return True
        time.sleep(0.05)
    return not alive(pid)


def stop_all(pids: Sequence[int], timeout: float = 10.0) -> list[int]:
    """SIGTERM every PID at once (nspawn halts its container), SIGKILL what is left after
    ``timeout`` together with its process tree; return the PIDs that had to be killed.

    Killing a container's init (a descendant of nspawn) takes its whole PID namespace with it.
    """
    for pid in pids:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    remaining = list(pids)
    while remaining and time.monotonic() < deadline:
        for pid in remaining:
            _reap(pid)
        remaining = [pid for pid in remaining if alive(pid)]
        if remaining:
            time.sleep(0.05)
    for pid in remaining:
        for below in descendants(pid):
            _signal(below, signal.SIGKILL)
        _signal(pid, signal.SIGKILL)
    for pid in remaining:
        _wait_gone(pid, 5.0)
    return remaining
