"""The reachability matrix: who may reach what, derived from the intent alone.

Rows come from the Plan's flows and services (which sources may use which service on
which hosts), never from the compiled firewall rules, so a bug in the rule compiler
shows up as a disagreement in the lab instead of hiding itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from egovinfra.compile.plan import Host, Plan

EndpointKind = Literal["site", "zone", "management"]
Protocol = Literal["tcp", "udp", "icmp"]
# Probes from one place into a ministry LAN: ping, ssh and SMB (the usual lateral moves).
LATERAL_PORTS: tuple[tuple[Protocol, int | None], ...] = (("icmp", None), ("tcp", 22), ("tcp", 445))


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where traffic starts: a site LAN, a datacenter zone or the management network."""

    kind: EndpointKind
    name: str  # site name, datacenter/zone, or "management"
    cidr: str
    probe: str | None  # a host that can send from there (workstation, zone host), if any


@dataclass(frozen=True, slots=True)
class Expectation:
    """One row: may `source` reach `destination` on `protocol`/`port`?"""

    source: str
    source_kind: EndpointKind
    probe: str | None
    destination: str  # host name
    address: str  # the address to probe
    # service name(s) joined by +; "lan" for probes into another site, "management" for mgmt0 ssh
    service: str
    protocol: Protocol
    port: int | None  # None for icmp (echo request)
    allowed: bool
    flow: str | None  # the flow that allows it

    def key(self) -> tuple[str, str, str, str | None]:
        """(source, destination, protocol, port), the row's identity in hand-written tables."""
        return (self.source, self.destination, self.protocol, str(self.port) if self.port else None)


def endpoints(plan: Plan) -> tuple[Endpoint, ...]:
    """Every site LAN and zone, then the management network."""
    out: list[Endpoint] = []
    for site in plan.sites:
        probe = site.workstations[0] if site.workstations else None
        out.append(Endpoint("site", site.name, site.lan, probe))
    for dc in plan.datacenters:
        for zone in dc.zones:
            members = sorted(
                (h for h in plan.hosts if h.scope == dc.name and h.zone == zone.name),
                key=lambda h: ("vpn_hub" in h.roles, h.name),
            )
            out.append(Endpoint("zone", zone.key, zone.cidr, members[0].name if members else None))
    out.append(Endpoint("management", "management", plan.pools.management, None))
    return tuple(out)


def _allowed(plan: Plan) -> dict[tuple[str, str, str], str]:
    """(source name, host, service) → the first flow that allows it."""
    found: dict[tuple[str, str, str], str] = {}
    for flow in plan.flows:
        for source in flow.sources:
            for target in flow.targets:
                for host in target.hosts:
                    found.setdefault((source.name, host, target.service), flow.name)
    return found


def _services_rows(plan: Plan, ep: Endpoint, allowed: dict[tuple[str, str, str], str]) -> list[Expectation]:
    """One row per host and port offered there; a port that two services share (mail and
    mail-backend on tcp/25) is allowed when either service's flow allows the source."""
    by_packet: dict[tuple[str, Protocol, int | None], list[tuple[str, str | None]]] = {}
    for service in plan.services:
        for host_name in service.hosts:
            flow = allowed.get((ep.name, host_name, service.name))
            for port in service.ports:
                number = None if port.protocol == "icmp" else port.first
                by_packet.setdefault((host_name, port.protocol, number), []).append((service.name, flow))
    rows: list[Expectation] = []
    for (host_name, protocol, number), offers in by_packet.items():
        host = plan.host(host_name)
        flows = [flow for _, flow in offers if flow is not None]
        rows.append(
            Expectation(
                ep.name,
                ep.kind,
                ep.probe,
                host.name,
                host.address,
                "+".join(sorted({name for name, _ in offers})),
                protocol,
                number,
                bool(flows),
                flows[0] if flows else None,
            )
        )
    return rows


def _lateral_rows(plan: Plan, ep: Endpoint) -> list[Expectation]:
    """Probes from a site or zone into every other site's LAN: no flow ever allows them."""
    rows: list[Expectation] = []
    for site in plan.sites:
        if site.name == ep.name:
            continue
        target: Host = plan.host(site.workstations[0] if site.workstations else site.gateway)
        address = target.address
        for protocol, port in LATERAL_PORTS:
            rows.append(
                Expectation(
                    ep.name,
                    ep.kind,
                    ep.probe,
                    target.name,
                    address,
                    "lan",
                    protocol,
                    port,
                    False,
                    None,
                )
            )
    return rows


def _management_rows(plan: Plan, ep: Endpoint) -> list[Expectation]:
    return [
        Expectation(ep.name, ep.kind, None, h.name, h.mgmt_address, "management", "tcp", 22, True, None)
        for h in plan.hosts
        if h.managed
    ]


def expectation_matrix(plan: Plan) -> tuple[Expectation, ...]:
    """Every row of the reachability matrix of `plan`."""
    allowed = _allowed(plan)
    rows: list[Expectation] = []
    for ep in endpoints(plan):
        if ep.kind == "management":
            rows.extend(_management_rows(plan, ep))
            continue
        rows.extend(_services_rows(plan, ep, allowed))
        rows.extend(_lateral_rows(plan, ep))
    return tuple(rows)
