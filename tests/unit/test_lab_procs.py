"""Recognising the lab's nspawn processes and stopping them by PID, on a real process table."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from egovinfra import poll
from egovinfra.lab import procs
from egovinfra.lab.procs import machine_name_of


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["systemd-nspawn", "-q", "-D", "/x", "-M", "eg-1a2b-h-db", "-b"], "eg-1a2b-h-db"),
        (["/usr/bin/systemd-nspawn", "--machine=eg-1a2b-h-db"], "eg-1a2b-h-db"),
        (["systemd-nspawn", "--machine", "eg-1a2b-h-db"], "eg-1a2b-h-db"),
        (["systemd-nspawn", "-Meg-1a2b-h-db"], "eg-1a2b-h-db"),
        (["systemd-nspawn", "-D", "/x"], None),
        (["vim", "-M", "eg-1a2b-h-db"], None),
        (["sh", "-c", "exec systemd-nspawn -M eg-1a2b-h-db"], None),
        ([], None),
    ],
)
def test_machine_name_of(argv: list[str], expected: str | None) -> None:
    assert machine_name_of(argv) == expected


# A stand-in for systemd-nspawn: /bin/sh run under that argv[0], with a child (the container's
# "init"), so the real process table holds what `lab down` looks for.
NSPAWN_SCRIPT = "trap {trap} TERM; sleep 60 & wait"


def fake_nspawn(machine: str, *, ignore_term: bool = False) -> subprocess.Popen[bytes]:
    trap = "''" if ignore_term else "'kill $!; exit 0'"
    script = NSPAWN_SCRIPT.format(trap=trap)
    # sh -c SCRIPT NAME ARG: "-M" and the machine name land in $0 and $1, unused by the script
    child = subprocess.Popen(["systemd-nspawn", "-c", script, "-M", machine], executable="/bin/sh")
    assert poll.until(lambda: bool(procs.descendants(child.pid)), 5, step=0.02) is not None
    return child


@pytest.fixture
def prefix() -> str:
    return f"egt-{secrets.token_hex(4)}"


@pytest.fixture
def cleanup() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for child in started:
        for below in procs.descendants(child.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(below, signal.SIGKILL)
        child.kill()
        child.wait()


def test_finds_the_labs_machines_by_prefix_only(prefix: str, cleanup: list[subprocess.Popen[bytes]]) -> None:
    ours = fake_nspawn(f"{prefix}-h-db")
    other = fake_nspawn(f"{prefix}x-h-db")  # another lab whose prefix starts like ours
    cleanup += [ours, other]
    assert procs.find_machines(prefix) == {ours.pid: f"{prefix}-h-db"}


def test_starttime_is_the_stat_field_state_files_store(cleanup: list[subprocess.Popen[bytes]]) -> None:
    child = fake_nspawn("egt-stat-h-a")
    cleanup.append(child)
    for pid in (child.pid, os.getpid()):
        raw = Path(f"/proc/{pid}/stat").read_text()
        assert procs.starttime(pid) == int(raw[raw.rindex(")") + 2 :].split()[19])


def test_a_gone_or_zombie_process_is_not_alive() -> None:
    child = subprocess.Popen(["true"])
    assert poll.until(lambda: psutil.Process(child.pid).status() == psutil.STATUS_ZOMBIE, 5, step=0.02)
    assert not procs.alive(child.pid)  # exited, not yet reaped
    assert procs.starttime(child.pid) is not None  # still in the table: a zombie keeps its PID
    child.wait()
    assert not procs.alive(child.pid)
    assert procs.starttime(child.pid) is None
    assert procs.descendants(child.pid) == []
    assert procs.container_init(child.pid) is None


def test_container_init_is_the_one_child(cleanup: list[subprocess.Popen[bytes]]) -> None:
    child = fake_nspawn("egt-init-h-a")
    cleanup.append(child)
    init = procs.container_init(child.pid)
    assert init is not None
    assert procs.descendants(child.pid) == [init]
    assert psutil.Process(init).ppid() == child.pid


def test_stop_all_lets_a_process_that_obeys_sigterm_stop(cleanup: list[subprocess.Popen[bytes]]) -> None:
    child = fake_nspawn("egt-term-h-a")
    cleanup.append(child)
    init = procs.container_init(child.pid)
    assert procs.stop_all([child.pid], timeout=5.0) == []
    assert not procs.alive(child.pid)
    assert init is not None
    assert not procs.alive(init)


def test_stop_all_kills_what_ignores_sigterm_with_its_tree(cleanup: list[subprocess.Popen[bytes]]) -> None:
    child = fake_nspawn("egt-kill-h-a", ignore_term=True)
    cleanup.append(child)
    below = procs.descendants(child.pid)
    started = time.monotonic()
    assert procs.stop_all([child.pid], timeout=0.3) == [child.pid]
    assert time.monotonic() - started < 5.0
    assert not procs.alive(child.pid)
    assert below
    assert poll.until(lambda: not any(procs.alive(pid) for pid in below), 5, step=0.02) is not None


def test_stop_all_of_a_gone_pid_kills_nothing() -> None:
    child = subprocess.Popen(["true"])
    child.wait()
    assert procs.stop_all([child.pid], timeout=0.2) == []
