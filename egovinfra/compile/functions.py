"""What each host function needs from the topology: its named ports and the servers it uses.

Defaults as data: the ports a function's daemons listen on are named in the topology's
services (`ports: {postgresql: tcp/5432}`); this table says which names each function's
configuration reads, and which other functions it talks to. Whatever is missing is a
located problem, so a topology that validates always renders.
"""

from __future__ import annotations

from egovinfra.compile.plan import Endpoint, Host, Service
from egovinfra.model.problems import ProblemList, YamlPath

# Function → the named ports its configuration reads.
NEEDS_PORTS: dict[str, tuple[str, ...]] = {
    "database": ("postgresql",),
    "directory": ("ldap", "ldaps"),
    "mail": ("smtp", "submission", "imap", "imaps", "doveadm"),
    "groupware_app": ("groupware",),
    "groupware_web": ("https",),
    "filestore": ("rsync",),
    "dns": ("dns",),
}
# Function → the functions its hosts are clients of (their own datacenter's, else the primary's).
USES: dict[str, tuple[str, ...]] = {
    "groupware_web": ("groupware_app",),
    "groupware_app": ("database", "directory", "mail"),
    "mail": ("directory",),
}


def compile_endpoints(
    services: tuple[Service, ...], hosts: tuple[Host, ...], problems: ProblemList
) -> tuple[Endpoint, ...]:
    """Every named port once; a name given two ports, or needed and never named, is a problem."""
    found: dict[str, Endpoint] = {}
    for service in services:
        for endpoint in service.endpoints:
            first = found.setdefault(endpoint.name, endpoint)
            if first.port != endpoint.port:
                problems.add(
                    ("services", service.name, "ports", endpoint.name),
                    f"port '{endpoint.name}' is {endpoint.port} here but {first.port} in service '{first.service}'",
                    "a named port is one port: change it in every service that names it",
                )
    offered = {(f, e.name) for s in services for e in s.endpoints for h in _offering(s, hosts) for f in h.roles}
    functions = {f for h in hosts if h.kind == "datacenter" for f in h.roles}
    for function in sorted(functions & NEEDS_PORTS.keys()):
        for name in NEEDS_PORTS[function]:
            if (function, name) not in offered:
                problems.add(
                    ("services",),
                    f"the {function} hosts need a port named '{name}', which no service they offer names",
                    f"name it in a service of role {function}, e.g. ports: {{{name}: tcp/...}}",
                )
    return tuple(found[name] for name in sorted(found))


def _offering(service: Service, hosts: tuple[Host, ...]) -> list[Host]:
    return [h for h in hosts if h.name in service.hosts]


def compile_servers(hosts: tuple[Host, ...], primary: str, problems: ProblemList) -> tuple[tuple[str, str, str], ...]:
    """(host, function, server): each client's server of each function it uses, nearest first."""
    members: dict[str, list[Host]] = {}
    for host in hosts:
        if host.kind == "datacenter" and host.managed:
            for function in host.roles:
                members.setdefault(function, []).append(host)
    out: list[tuple[str, str, str]] = []
    for host in hosts:
        if host.kind != "datacenter":
            continue
        for function in sorted({u for f in host.roles for u in USES.get(f, ())}):
            candidates = members.get(function, [])
            for scope in (host.scope, primary):
                nearest = sorted(h.name for h in candidates if h.scope == scope)
                if nearest:
                    out.append((host.name, function, nearest[0]))
                    break
            else:
                path: YamlPath = ("datacenters", host.scope, "hosts", host.short, "roles")
                problems.add(
                    path,
                    f"{host.name} needs a host doing {function}, in its datacenter or the primary, and none does",
                    f"add a host with role {function}",
                )
    return tuple(out)
