"""Plan queries shared by the data roles: replication peers and who may reach a port."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from egovinfra.compile.addresses import Prefix
from egovinfra.compile.plan import Host, Plan
from egovinfra.render.tree import RenderError


@dataclass(frozen=True)
class Peers:
    """The hosts of one function: the source of truth in the active datacenter and its replicas."""

    primary: Host
    replicas: tuple[Host, ...]

    def of(self, host: Host) -> tuple[Host, ...]:
        """The other members of the group, as seen from `host`."""
        return tuple(h for h in (self.primary, *self.replicas) if h.name != host.name)


def function_peers(plan: Plan, function: str) -> Peers:
    """The managed hosts doing `function`: one in the active datacenter (the primary unless a
    failover moved the service), the rest replicas.

    Raises RenderError when the active datacenter has none or more than one: replication
    needs exactly one writer.
    """
    active = plan.active.name
    members = [h for h in plan.hosts if function in h.roles and h.kind == "datacenter" and h.managed]
    primaries = [h for h in members if h.scope == active]
    if len(primaries) != 1:
        found = ", ".join(h.name for h in primaries) or "none"
        raise RenderError(f"{function}: the active datacenter {active} needs exactly one host doing it (found {found})")
    replicas = tuple(h for h in members if h.scope != active)
    return Peers(primaries[0], replicas)


def sources_reaching(plan: Plan, host: Host, protocol: str, port: int) -> dict[str, list[str]]:
    """The flow source prefixes allowed to reach `protocol`/`port` on `host` → the flows' names.

    Prefixes in address order, names sorted: the result is deterministic.
    """
    found: dict[str, set[str]] = {}
    for flow in plan.flows:
        for target in flow.targets:
            if host.name not in target.hosts:
                continue
            ports = plan.service(target.service).ports
            if any(p.protocol == protocol and p.first <= port <= p.last for p in ports):
                for source in flow.sources:
                    found.setdefault(source.cidr, set()).add(flow.name)
    return {cidr: sorted(found[cidr]) for cidr in sorted(found, key=Prefix.parse)}


def allowed(sources: list[str], address: str) -> bool:
    """True when `address` lies inside one of the `sources` prefixes."""
    ip = ipaddress.ip_address(address)
    return any(ip in ipaddress.ip_network(cidr) for cidr in sources)
