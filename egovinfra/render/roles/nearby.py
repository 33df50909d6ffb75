"""Translations shared by the groupware roles: /etc/hosts entries, slapd ACL networks, people."""

from __future__ import annotations

import ipaddress
from typing import Any

from egovinfra.compile.plan import Host, Plan


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
