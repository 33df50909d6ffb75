"""The lab's wiring of a Plan: which namespaces, bridges and veths model its networks.

- a management namespace with one bridge reaching every host's ``mgmt0`` (Ansible runs there);
- a WAN router namespace holding the transport side of every WAN link: it routes only WAN
  transport addresses, so cleartext between LANs has no path;
- per datacenter a router namespace (the Neutron router): a bridge per zone carrying the zone
  gateway (.1), forwarding, with the Plan's routes to the intranet via the hub's inside leg;
- per site a LAN namespace with one bridge joining the gateway and the workstations.

Hosts the lab cannot run (vendor edges, ``managed=False``) are left out and listed.
"""

from __future__ import annotations

import ipaddress

from egovinfra.compile.access import lab_controller
from egovinfra.compile.plan import Host as PlanHost
from egovinfra.compile.plan import Plan
from egovinfra.lab import names
from egovinfra.lab.errors import LabError
from egovinfra.lab.spec import Bridge, Host, LabSpec, Link, Namespace, Port, Route

MGMT_BRIDGE = "br-mgmt"
LAN_BRIDGE = "br-lan"


def controller_address(plan: Plan) -> str:
    """The management namespace's own address: the first address of the management pool."""
    pool = ipaddress.ip_network(plan.pools.management)
    first = lab_controller(plan)
    if any(h.mgmt_address == first for h in plan.hosts):
        raise LabError(f"management address {first} is taken by a host; the lab controller needs it")
    return f"{first}/{pool.prefixlen}"


def _segments(plan: Plan, prefix: str) -> dict[str, tuple[str, str]]:
    """Layer-2 segment name → (namespace, bridge) for every zone and site LAN."""
    found: dict[str, tuple[str, str]] = {}
    for dc in plan.datacenters:
        for zone in dc.zones:
            found[f"{dc.name}-{zone.name}"] = (
                names.router_ns(prefix, dc.name),
                names.ifname("br", zone.name),
            )
    for site in plan.sites:
        found[f"{site.name}-lan"] = (names.site_ns(prefix, site.name), LAN_BRIDGE)
    return found


def _host_routes(host: PlanHost, machine: str) -> list[Route]:
    gateways = [i for i in host.interfaces if i.gateway is not None]
    if len(gateways) > 1:
        raise LabError(f"host {host.name}: more than one interface has a default gateway")
    routes = [Route(machine, "default", via=i.gateway, dev=i.name) for i in gateways]
    routes += [Route(machine, r.destination, via=r.via) for r in host.routes]
    return routes


def lab_spec(plan: Plan, prefix: str) -> LabSpec:
    """Derive the lab of ``plan``; every name starts with ``prefix``."""
    mgmt = names.mgmt_ns(prefix)
    wan = names.wan_ns(prefix)
    segments = _segments(plan, prefix)
    wan_links = {link.host: link for link in [dc.wan for dc in plan.datacenters] + [s.wan for s in plan.sites]}

    namespaces = [Namespace(mgmt), Namespace(wan, forwarding=True)]
    namespaces += [Namespace(names.router_ns(prefix, dc.name), forwarding=True) for dc in plan.datacenters]
    namespaces += [Namespace(names.site_ns(prefix, s.name)) for s in plan.sites]
    bridges = [Bridge(mgmt, MGMT_BRIDGE, (controller_address(plan),))]
    for dc in plan.datacenters:
        for zone in dc.zones:
            ns, br = segments[f"{dc.name}-{zone.name}"]
            length = ipaddress.ip_network(zone.cidr).prefixlen
            bridges.append(Bridge(ns, br, (f"{zone.gateway}/{length}",)))
    bridges += [Bridge(names.site_ns(prefix, s.name), LAN_BRIDGE) for s in plan.sites]

    routes = [
        Route(names.router_ns(prefix, dc.name), r.destination, via=r.via)
        for dc in plan.datacenters
        for r in dc.router_routes
    ]
    links: list[Link] = []
    hosts: list[Host] = []
    skipped: list[str] = []
    for host in plan.hosts:
        if not host.managed:
            skipped.append(host.name)
            continue
        machine = names.host_machine(prefix, host.name)
        namespaces.append(Namespace(machine))
        for iface in host.interfaces:
            inside = Port(machine, iface.name, (iface.address,))
            if iface.kind == "mgmt":
                outside = Port(mgmt, names.ifname("m", host.name), bridge=MGMT_BRIDGE)
            elif iface.kind == "wan":
                link = wan_links[host.name]
                length = ipaddress.ip_network(link.cidr).prefixlen
                outside = Port(wan, names.ifname(link.name), (f"{link.provider_address}/{length}",))
            elif iface.segment in segments:
                ns, br = segments[iface.segment]
                outside = Port(ns, names.ifname(host.short, iface.name), bridge=br)
            else:
                raise LabError(f"host {host.name}/{iface.name}: unknown segment {iface.segment!r}")
            links.append(Link(inside, outside))
        routes += _host_routes(host, machine)
        hosts.append(Host(host.name, machine, host.mgmt_address))

    pools = plan.pools
    ranges = tuple(ipaddress.ip_network(p) for p in (pools.datacenters, pools.sites, pools.wan, pools.management))
    return LabSpec(
        name=plan.name,
        prefix=prefix,
        mgmt_ns=mgmt,
        namespaces=tuple(namespaces),
        bridges=tuple(bridges),
        links=tuple(links),
        routes=tuple(routes),
        hosts=tuple(hosts),
        ranges=ranges,
        skipped=tuple(skipped),
    )
