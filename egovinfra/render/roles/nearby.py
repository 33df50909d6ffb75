"""Plan queries shared by the groupware roles: which server of a function a host talks to."""

from __future__ import annotations

import ipaddress
from typing import Any

from egovinfra.compile.plan import Host, Plan
from egovinfra.render.tree import RenderError


def nearest(plan: Plan, host: Host, function: str) -> Host:
    """The managed host doing `function` in `host`'s datacenter, else the primary datacenter's.

    A datacenter's back ends use their own directory, mail and database servers, so the
    secondary keeps working alone once the primary is lost.
    """
    members = [h for h in plan.hosts if function in h.roles and h.kind == "datacenter" and h.managed]
    for scope in (host.scope, plan.active.name):
        found = sorted((h for h in members if h.scope == scope), key=lambda h: h.name)
        if found:
            return found[0]
    raise RenderError(f"{host.name}: no managed host does {function}, which it needs")


def host_entries(*hosts: Host) -> list[dict[str, str]]:
    """/etc/hosts lines (fqdn, address) for servers reached by name, where TLS checks the name."""
    unique = {h.fqdn: h.address for h in hosts}
    return [{"fqdn": fqdn, "address": unique[fqdn]} for fqdn in sorted(unique)]


def acl_networks(cidrs: list[str]) -> list[str]:
    """Prefixes in slapd's `peername.ip=<address>%<netmask>` form."""
    out = []
    for cidr in cidrs:
        net = ipaddress.ip_network(cidr)
        out.append(f"{net.network_address}%{net.netmask}")
    return out


def people(plan: Plan) -> list[dict[str, Any]]:
    """Every person of the directory with its DN, as the roles' tasks and templates read them."""
    directory = plan.directory
    return [
        {
            "uid": p.uid,
            "dn": directory.dn(p),
            "cn": p.name,
            "sn": p.surname,
            "given_name": p.given_name,
            "mail": p.mail,
            "site": p.site,
            "organization": p.organization,
        }
        for p in directory.people
    ]
