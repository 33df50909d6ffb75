"""A render runs in the caller's process: library code never forks (a fork of a process whose
other threads hold locks leaves the child waiting on them for ever)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from egovinfra.compile import compile_plan
from egovinfra.model import load_topology
from egovinfra.render import Output, render_changes
from tests.support.synth import synthesise


def test_a_national_render_starts_no_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plan = compile_plan(load_topology(synthesise(tmp_path / "topology", 420)).topology)

    def no_fork() -> int:
        raise AssertionError("the render forked")

    # A single-threaded command on two cores, the case where a pool of workers would be forked.
    monkeypatch.setattr(os, "fork", no_fork)
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1})
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    with Output.open(tmp_path / "out") as output:
        changes = render_changes(plan, output)
        output.commit(changes)
    assert len(plan.hosts) > 400 and (tmp_path / "out" / "inventory" / "hosts.yml").is_file()
