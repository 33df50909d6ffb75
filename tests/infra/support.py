"""Helpers shared by the infra suites: the lab's context and Plan, read once per run."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from egovinfra.compile import Plan, compile_loaded
from egovinfra.model import load_topology
from egovinfra.verify.context import LabContext, read_context


@cache
def _read(path: str) -> LabContext:
    return read_context(Path(path))


def context_of(config: pytest.Config) -> LabContext:
    """The lab named by ``--lab-context``; a usage error without it."""
    path = config.getoption("--lab-context")
    if not path:
        raise pytest.UsageError("tests/infra run against a lab: use `egovinfra lab verify`")
    return _read(str(path))


@cache
def lab_plan(topology: str | None) -> Plan:
    """The Plan of the lab's topology (the embedded default when None)."""
    return compile_loaded(load_topology(Path(topology) if topology else None))
