"""What a lab is made of, as plain data: namespaces, bridges, veth links, routes and hosts.

`topology.py` derives a LabSpec from the Plan; tests build small ones by hand. `network.py` and
`lifecycle.py` apply it. Every name is checked against the lab's prefix and the kernel's limits
before anything is created.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from egovinfra.lab.errors import LabError
from egovinfra.lab.names import IFNAMSIZ, owned

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Namespace:
    """A network namespace; routers forward, hosts and bridges-only namespaces do not."""

    name: str
    forwarding: bool = False


@dataclass(frozen=True)
class Bridge:
    """A bridge inside a namespace, optionally with addresses (a zone gateway's .1)."""

    ns: str
    name: str
    addresses: tuple[str, ...] = ()


@dataclass(frozen=True)
class Port:
    """One end of a veth pair: its namespace, name, addresses and the bridge it joins."""

    ns: str
    dev: str
    addresses: tuple[str, ...] = ()
    bridge: str | None = None


@dataclass(frozen=True)
class Link:
    """A veth pair."""

    a: Port
    b: Port


@dataclass(frozen=True)
class Route:
    """A static route in a namespace: to ``destination`` via ``via`` (and/or out of ``dev``)."""

    ns: str
    destination: str
    via: str | None = None
    dev: str | None = None


@dataclass(frozen=True)
class Host:
    """A booted host: hostname, machine (= its namespace) and management address."""

    name: str
    machine: str
    mgmt_address: str


@dataclass(frozen=True)
class LabSpec:
    """A whole lab. ``ranges`` are the address pools checked against the machine's own."""

    name: str
    prefix: str
    mgmt_ns: str
    namespaces: tuple[Namespace, ...]
    bridges: tuple[Bridge, ...]
    links: tuple[Link, ...]
    routes: tuple[Route, ...]
    hosts: tuple[Host, ...]
    ranges: tuple[IPNetwork, ...]
    skipped: tuple[str, ...] = ()  # hosts of the Plan that the lab cannot run (vendor edges)

    def devices(self) -> frozenset[str]:
        """Every interface name the lab creates (bridges and veth ends)."""
        names = {b.name for b in self.bridges}
        for link in self.links:
            names.update((link.a.dev, link.b.dev))
        return frozenset(names)


def check_spec(spec: LabSpec) -> None:
    """Raise LabError listing every inconsistency: foreign names, unknown namespaces,
    interface names too long or used twice in one namespace, hosts without a namespace."""
    problems: list[str] = []
    declared = {ns.name for ns in spec.namespaces}
    problems += [f"namespace {n!r} is not under {spec.prefix}-" for n in declared if not owned(spec.prefix, n)]
    if spec.mgmt_ns not in declared:
        problems.append(f"management namespace {spec.mgmt_ns!r} is not declared")
    seen: set[tuple[str, str]] = set()
    ends = [(b.ns, b.name) for b in spec.bridges]
    ends += [(p.ns, p.dev) for link in spec.links for p in (link.a, link.b)]
    for ns, dev in ends:
        if ns not in declared:
            problems.append(f"{dev}: namespace {ns!r} is not declared")
        if len(dev) > IFNAMSIZ:
            problems.append(f"{ns}/{dev}: interface names have at most {IFNAMSIZ} characters")
        if (ns, dev) in seen:
            problems.append(f"{ns}/{dev}: interface defined twice")
        seen.add((ns, dev))
    bridges = {(b.ns, b.name) for b in spec.bridges}
    for link in spec.links:
        for port in (link.a, link.b):
            if port.bridge is not None and (port.ns, port.bridge) not in bridges:
                problems.append(f"{port.ns}/{port.dev}: bridge {port.bridge!r} is not declared")
    for route in spec.routes:
        if route.ns not in declared:
            problems.append(f"route to {route.destination}: namespace {route.ns!r} is not declared")
    for host in spec.hosts:
        if host.machine not in declared:
            problems.append(f"host {host.name}: namespace {host.machine!r} is not declared")
    if problems:
        raise LabError("invalid lab description:\n  " + "\n  ".join(problems))
