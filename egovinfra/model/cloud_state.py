"""Cloud state: the address each hub is reached at, as the cloud reports it.

Like the operational state, this is not intent. A hub's public address is whatever OpenStack
assigned (its floating IP, or the VPNaaS router's gateway address); `egovinfra stack-outputs`
records it from each datacenter stack's outputs in ``state/<environment>-cloud.yaml`` beside
the topology, the file is committed, and the compiler reads it so that every peer of the hub
(the other hub and every site gateway) dials that address. No file means nothing observed:
peers dial the topology's `public_address`, else the hub's WAN address (the lab).

A topology `public_address` that disagrees with the observed one is an error, not a choice:
one of the two is stale (the stack was not brought up since the topology changed, or the
file was not recorded since), and guessing which would send every peer to a wrong address.
"""

from __future__ import annotations

from ipaddress import ip_address
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from egovinfra.model.errors import problems_from_validation
from egovinfra.model.limits import DEFAULT_FILE_LIMITS
from egovinfra.model.operations import STATE_DIR
from egovinfra.model.problems import Problem, TopologyError
from egovinfra.model.schema import Topology
from egovinfra.model.source import SourceMap, read_yaml
from egovinfra.model.types import Address, DnsLabel

CLOUD_SUFFIX = "-cloud"


class ObservedHub(BaseModel):
    """What the cloud reported about one datacenter's hub."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    public_address: Address


class CloudState(BaseModel):
    """The observed hubs of one environment, by datacenter name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1]
    datacenters: dict[DnsLabel, ObservedHub] = {}

    def public_address(self, datacenter: str) -> str | None:
        """The address the cloud gave `datacenter`'s hub, None when none was recorded."""
        hub = self.datacenters.get(datacenter)
        return hub.public_address if hub is not None else None


def cloud_state_path(topology: Path, environment: str) -> Path | None:
    """Where the cloud state of `environment` lives: ``<topology folder>/state/<environment>-cloud.yaml``.

    A single-file topology has no folder to keep state in: None.
    """
    return topology / STATE_DIR / f"{environment}{CLOUD_SUFFIX}.yaml" if topology.is_dir() else None


def is_cloud_state(path: Path) -> bool:
    """Whether a file of the state folder is a cloud state file (else an operational one)."""
    return path.stem.endswith(CLOUD_SUFFIX)


def check_cloud_state(topo: Topology, state: CloudState) -> list[Problem]:
    """What in `state` the topology contradicts: unknown datacenters, another `public_address`."""
    problems: list[Problem] = []
    names = sorted(topo.datacenters)
    for name, hub in sorted(state.datacenters.items()):
        dc = topo.datacenters.get(name)
        if dc is None:
            problems.append(
                Problem(("datacenters", name), f"no datacenter named '{name}'", f"one of {', '.join(names)}")
            )
        elif dc.public_address is not None and ip_address(dc.public_address) != ip_address(hub.public_address):
            problems.append(
                Problem(
                    ("datacenters", name, "public_address"),
                    f"the cloud gave the hub {hub.public_address}, the topology says {dc.public_address}",
                    f"remove or correct datacenters.{name}.public_address in the topology, or `pulumi up` "
                    "and run `egovinfra stack-outputs` again",
                )
            )
    return problems


def _read(path: Path | None, display: str) -> tuple[CloudState, SourceMap]:
    """The file's state (its own shape checked, problems located) and where each key was written."""
    smap = SourceMap()
    if path is None or not path.exists():
        return CloudState(version=1), smap
    data = read_yaml(path, display or str(path), (), smap, DEFAULT_FILE_LIMITS)
    try:
        return CloudState.model_validate(data if data is not None else {}), smap
    except ValidationError as exc:
        found, omitted = problems_from_validation(exc, CloudState, data)
        raise smap.resolve_all(TopologyError(found, omitted)) from None


def read_cloud_state(path: Path | None, display: str = "") -> CloudState:
    """Read the cloud state file as it is, unchecked against a topology; empty when there is none.

    Raises TopologyError with every problem located in the file.
    """
    return _read(path, display)[0]


def load_cloud_state(topo: Topology, path: Path | None, display: str = "") -> CloudState:
    """Read the cloud state file and check it against `topo`; empty when there is none.

    Raises TopologyError with every problem located in the file.
    """
    state, smap = _read(path, display)
    problems = check_cloud_state(topo, state)
    if problems:
        raise smap.resolve_all(TopologyError(problems))
    return state
