"""Services and flows resolved to hosts and prefixes."""

from __future__ import annotations

from egovinfra.compile.ipam import AddressPlan
from egovinfra.compile.plan import Endpoint, Flow, FlowSource, FlowTarget, Host, Port, Service
from egovinfra.model.schema import Topology


def parse_port(spec: str) -> Port:
    """`tcp/443`, `udp/53`, `tcp/8000-8010` or `icmp` (already validated by the schema)."""
    if spec == "icmp":
        return Port("icmp")
    proto, _, span = spec.partition("/")
    first, _, last = span.partition("-")
    return Port("tcp" if proto == "tcp" else "udp", int(first), int(last or first))


def compile_services(topo: Topology, addresses: AddressPlan) -> tuple[Service, ...]:
    """Every service with the hosts that offer it (by role, or named datacenter/host)."""
    out: list[Service] = []
    for name, svc in sorted(topo.services.items()):
        named = {ref.replace("/", "-", 1) for ref in svc.hosts}
        hosts = tuple(h.name for h in addresses.hosts if _offers(h, named, svc.roles))
        ports = tuple(dict.fromkeys(parse_port(p) for p in svc.port_specs()))
        endpoints = tuple(Endpoint(key, parse_port(spec), name) for key, spec in sorted(svc.named_ports().items()))
        out.append(Service(name, ports, hosts, svc.management, svc.description, endpoints, svc.names))
    return tuple(out)


def _offers(host: Host, named: set[str], roles: tuple[str, ...]) -> bool:
    """Whether `host` offers a service: a datacenter host named or by function, or a converged
    site gateway when the service lists `site_gateway` (a vendor edge runs none of our daemons)."""
    if host.kind == "datacenter":
        return host.name in named or bool(set(host.roles) & set(roles))
    return host.managed and "site_gateway" in host.roles and "site_gateway" in roles


def compile_flows(topo: Topology, addresses: AddressPlan, services: tuple[Service, ...]) -> tuple[Flow, ...]:
    """Every flow with its source prefixes and the hosts it may reach."""
    by_name = {s.name: s for s in services}
    roles_of_dc = {dc.name: dc.role for dc in addresses.datacenters}
    scope_of = {h.name: h.scope for h in addresses.hosts}
    out: list[Flow] = []
    for name, flow in sorted(topo.flows.items()):
        sources: list[FlowSource] = []
        if flow.source.sites == "all":
            sources.extend(FlowSource("site", s.name, s.lan) for s in addresses.sites)
        elif flow.source.sites:
            wanted = set(flow.source.sites)
            sources.extend(FlowSource("site", s.name, s.lan) for s in addresses.sites if s.name in wanted)
        for ref in flow.source.zones or ():
            for dc in addresses.datacenters:
                for zone in dc.zones:
                    if ref in (zone.name, zone.key):
                        sources.append(FlowSource("zone", zone.key, zone.cidr))
        targets: list[FlowTarget] = []
        for service_name in flow.to:
            service = by_name[service_name]
            hosts = tuple(h for h in service.hosts if flow.at == "all" or roles_of_dc.get(scope_of[h]) == flow.at)
            targets.append(FlowTarget(service_name, hosts))
        out.append(Flow(name, tuple(dict.fromkeys(sources)), tuple(targets), flow.description, flow.accept_lint))
    return tuple(out)
