"""Apply the network part of a LabSpec: namespaces, bridges, veth links, addresses, routes."""

from __future__ import annotations

from collections.abc import Callable

from egovinfra.lab import netns
from egovinfra.lab.spec import LabSpec, Port


def _configure_port(port: Port) -> None:
    if port.bridge is not None:
        netns.set_master(port.ns, port.dev, port.bridge)
    for cidr in port.addresses:
        netns.add_address(port.ns, port.dev, cidr)
    netns.link_up(port.ns, port.dev)


def build_network(spec: LabSpec, record_netns: Callable[[str], None]) -> None:
    """Create everything in ``spec`` except the hosts; safe to re-run on a half-built lab.

    ``record_netns`` is called before each namespace is created, so the state file knows it
    even if creation is interrupted.
    """
    for ns in spec.namespaces:
        record_netns(ns.name)
        netns.add_netns(ns.name)
        if ns.forwarding:
            netns.enable_forwarding(ns.name)
    for bridge in spec.bridges:
        netns.add_bridge(bridge.ns, bridge.name)
        for cidr in bridge.addresses:
            netns.add_address(bridge.ns, bridge.name, cidr)
    for link in spec.links:
        netns.add_veth(link.a.ns, link.a.dev, link.b.ns, link.b.dev)
        _configure_port(link.a)
        _configure_port(link.b)
    for route in spec.routes:
        netns.replace_route(route.ns, route.destination, via=route.via, dev=route.dev)
