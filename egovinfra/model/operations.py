"""Operational state: which datacenter serves, and which is fenced, in one environment.

This is not intent. The topology says which datacenter is the primary by design; the state
says which one serves now. It is written only by `egovinfra dr` (failover, failback,
switchover), kept beside the topology as ``state/<environment>.yaml`` so that every change is
committed and reviewed like code, and read by the compiler: a converge renders the roles from
it and therefore never moves the service by itself. No file means the designed state: the
primary datacenter serves, nothing is fenced, generation 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from egovinfra.model.errors import problems_from_validation
from egovinfra.model.limits import DEFAULT_FILE_LIMITS
from egovinfra.model.problems import Problem, TopologyError
from egovinfra.model.schema import Topology
from egovinfra.model.source import SourceMap, read_yaml
from egovinfra.model.types import DnsLabel

STATE_DIR = "state"
Action = Literal["failover", "failback", "switchover", "rejoin"]


class Change(BaseModel):
    """One recorded change of the state: what an operator did, when, and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    generation: int = Field(ge=2, description="the generation this change produced")
    action: Action
    active: DnsLabel
    fenced: tuple[DnsLabel, ...] = ()
    at: str = Field(description="UTC time, ISO 8601")
    by: str = Field(min_length=1, description="who ran the command (login name)")
    reason: str = ""


class Operations(BaseModel):
    """The state of one environment: the serving datacenter, the fenced ones, the generation.

    The generation grows by one with every change; a returning datacenter compares its own with
    the survivors' to learn that a failover happened while it was away.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    active: DnsLabel
    generation: int = Field(1, ge=1)
    fenced: tuple[DnsLabel, ...] = ()
    history: tuple[Change, ...] = ()


def state_path(topology: Path, environment: str) -> Path | None:
    """Where the state of `environment` lives: ``<topology folder>/state/<environment>.yaml``.

    A single-file topology has no folder to keep state in: None.
    """
    return topology / STATE_DIR / f"{environment}.yaml" if topology.is_dir() else None


def designed(topo: Topology) -> Operations:
    """The state as designed: the primary datacenter serves."""
    primary = next(name for name, dc in topo.datacenters.items() if dc.role == "primary")
    return Operations(active=primary)


def load_operations(topo: Topology, path: Path | None, display: str = "") -> Operations:
    """Read and check the state file; the designed state when there is none.

    Raises TopologyError with every problem located in the state file.
    """
    if path is None or not path.exists():
        return designed(topo)
    shown = display or str(path)
    smap = SourceMap()
    data = read_yaml(path, shown, (), smap, DEFAULT_FILE_LIMITS)
    try:
        ops = Operations.model_validate(data if data is not None else {})
    except ValidationError as exc:
        found, omitted = problems_from_validation(exc, Operations, data)
        raise smap.resolve_all(TopologyError(found, omitted)) from None
    problems: list[Problem] = []
    names = sorted(topo.datacenters)
    if ops.active not in topo.datacenters:
        problems.append(Problem(("active",), f"no datacenter named '{ops.active}'", f"one of {', '.join(names)}"))
    for index, name in enumerate(ops.fenced):
        if name not in topo.datacenters:
            problems.append(Problem(("fenced", index), f"no datacenter named '{name}'", f"one of {', '.join(names)}"))
        elif name == ops.active:
            problems.append(Problem(("fenced", index), f"'{name}' is the active datacenter and cannot be fenced", ""))
    if len(set(ops.fenced)) != len(ops.fenced):
        problems.append(Problem(("fenced",), "a datacenter is listed twice", "list each once"))
    if problems:
        raise smap.resolve_all(TopologyError(problems))
    return ops
