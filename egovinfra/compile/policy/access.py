"""Flows resolved to accesses: who (source prefixes) may reach which hosts on which ports.

An `Access` is one flow's permission for one service and one protocol. Every output of
the policy (nftables, security groups, vendor edges, lint) is built from these, so they
cannot disagree about what a flow means.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from egovinfra.compile.plan import FlowSource, Host, Plan, Port
from egovinfra.compile.policy.model import ICMP_ECHO_REQUEST, PortRange, Protocol


@dataclass(frozen=True, slots=True)
class Access:
    """`sources` may reach `hosts` (by name) on `protocol`/`ports`, by `flow` for `service`."""

    flow: str
    service: str
    sources: tuple[FlowSource, ...]
    hosts: tuple[str, ...]
    protocol: Protocol
    ports: tuple[PortRange, ...]  # icmp: ((8, 8),) = echo request


def port_ranges(ports: Iterable[Port]) -> dict[Protocol, tuple[PortRange, ...]]:
    """A service's ports grouped by protocol, in first-seen order; icmp means echo request."""
    out: dict[Protocol, list[PortRange]] = {}
    for port in ports:
        if port.protocol == "icmp":
            out.setdefault("icmp", []).append((ICMP_ECHO_REQUEST, ICMP_ECHO_REQUEST))
        else:
            out.setdefault(port.protocol, []).append((port.first, port.last))
    return {proto: tuple(dict.fromkeys(ranges)) for proto, ranges in out.items()}


def accesses(plan: Plan) -> tuple[Access, ...]:
    """Every access granted by the plan's flows, in flow, target and protocol order."""
    services = {s.name: s for s in plan.services}
    out: list[Access] = []
    for flow in plan.flows:
        for target in flow.targets:
            if not target.hosts or not flow.sources:
                continue  # nothing to open; the lint reports a flow to a service nobody offers
            for proto, ranges in port_ranges(services[target.service].ports).items():
                out.append(Access(flow.name, target.service, flow.sources, target.hosts, proto, ranges))
    return tuple(out)


@lru_cache(maxsize=4096)
def merged(cidrs: tuple[str, ...]) -> tuple[str, ...]:
    """The smallest sorted list of prefixes covering exactly `cidrs` (one sort and scan)."""
    return tuple(str(net) for net in ipaddress.collapse_addresses(ipaddress.IPv4Network(c) for c in cidrs))


def by_address(addresses: Iterable[str]) -> tuple[str, ...]:
    """IPv4 addresses in numeric order, once each."""
    return tuple(sorted(set(addresses), key=lambda a: tuple(int(x) for x in a.split("."))))


def source_datacenter(source: FlowSource) -> str | None:
    """The datacenter a source lies in (zones), or None (site LANs)."""
    return source.name.split("/", 1)[0] if source.kind == "zone" else None


def sources_reaching(plan: Plan, host: Host, port: Port) -> dict[str, tuple[str, ...]]:
    """The source prefixes the flows let reach `port` on `host` → those flows' names.

    The one answer to "who may reach this port" that every output uses: prefixes in address
    order, flow names sorted, so the result is deterministic.
    """
    found: dict[str, set[str]] = {}
    for access in accesses(plan):
        if access.protocol != port.protocol or host.name not in access.hosts:
            continue
        if any(first <= port.first and port.last <= last for first, last in access.ports):
            for source in access.sources:
                found.setdefault(source.cidr, set()).add(access.flow)
    return {cidr: tuple(sorted(found[cidr])) for cidr in sorted(found, key=_network)}


def flows_reaching(plan: Plan, host: Host, port: Port, address: str) -> tuple[str, ...]:
    """The flows that let `address` reach `port` on `host`, sorted."""
    ip = ipaddress.ip_address(address)
    reaching = sources_reaching(plan, host, port)
    return tuple(sorted({f for cidr, flows in reaching.items() if ip in _network(cidr) for f in flows}))


# The same site and zone prefixes are asked about for every host and port: parse each once.
@lru_cache(maxsize=1 << 16)
def _network(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(cidr)
