"""EdgeAcl → vendor configuration through Aerleon (the maintained successor of Capirca).

Aerleon takes a policy (terms of source, destination, protocol, ports, action) and named
networks and services, and writes it in many dialects. The compiled `EdgeAcl` maps onto it
one to one: a permit term per flow, service and protocol, then a final deny. The zones
(`lan` → `intranet`) name the ministry LAN and the IPsec side of the edge.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from aerleon import api
from aerleon.lib import naming

from egovinfra.compile.plan import Plan
from egovinfra.compile.policy.model import EdgeAcl, EdgeTerm
from egovinfra.render.tree import RenderError, Tree

LAN_ZONE = "lan"
INTRANET_ZONE = "intranet"


@dataclass(frozen=True)
class Dialect:
    """How one vendor is asked of Aerleon: its target and the filter's header options."""

    target: str
    options: str  # {site} is replaced by the site name


DIALECTS: dict[str, Dialect] = {
    "juniper-srx": Dialect("srx", f"from-zone {LAN_ZONE} to-zone {INTRANET_ZONE}"),
    "cisco-asa": Dialect("ciscoasa", "{site}-to-intranet"),
    "paloalto": Dialect("paloalto", f"from-zone {LAN_ZONE} to-zone {INTRANET_ZONE}"),
    "fortinet": Dialect("fortigate", f"from-zone {LAN_ZONE} to-zone {INTRANET_ZONE}"),
}


def _symbol(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").upper()


def _ports(term: EdgeTerm) -> list[dict[str, Any]]:
    return [{"port": str(a) if a == b else f"{a}-{b}", "protocol": term.protocol} for a, b in term.ports]


def _definitions(acl: EdgeAcl) -> naming.Naming:
    networks: dict[str, Any] = {_symbol(f"{acl.site}-lan"): {"values": [{"address": acl.lan}]}}
    services: dict[str, Any] = {}
    for term in acl.terms:
        networks[_symbol(f"{term.name}-dst")] = {"values": [{"address": f"{a}/32"} for a in term.destinations]}
        if term.protocol != "icmp":
            services[_symbol(f"{term.name}-ports")] = _ports(term)
    defs = naming.Naming()
    defs.ParseDefinitionsObject({"networks": networks, "services": services}, "")
    return defs


def _term(acl: EdgeAcl, term: EdgeTerm) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": term.name,
        "comment": f"flow {term.flow}: {term.service}",
        "source-address": _symbol(f"{acl.site}-lan"),
        "destination-address": _symbol(f"{term.name}-dst"),
        "protocol": term.protocol,
        "action": "accept",
    }
    if term.protocol == "icmp":
        out["icmp-type"] = "echo-request"
    else:
        out["destination-port"] = _symbol(f"{term.name}-ports")
    return out


def render_edge(acl: EdgeAcl, vendor: str) -> dict[str, str]:
    """The configuration of one vendor edge in `vendor`'s dialect: file name → text."""
    dialect = DIALECTS.get(vendor)
    if dialect is None:
        raise RenderError(f"unknown vendor dialect '{vendor}' (known: {', '.join(sorted(DIALECTS))})")
    policy: Any = {
        "filename": f"{acl.site}-{vendor}",
        "filters": [
            {
                "header": {
                    "targets": {dialect.target: dialect.options.format(site=acl.site)},
                    "comment": f"{acl.site}: ministry LAN {acl.lan} to the intranet, compiled from the "
                    "topology's flows by egovinfra; do not edit, regenerate",
                },
                "terms": [*(_term(acl, t) for t in acl.terms), {"name": "default-deny", "action": "deny"}],
            }
        ],
    }
    logging.getLogger("absl").setLevel(logging.ERROR)  # Aerleon logs every file it writes
    try:
        generated = api.Generate([policy], _definitions(acl)) or {}
    except Exception as exc:  # Aerleon raises its own hierarchy of errors per generator
        raise RenderError(f"{acl.site}: Aerleon could not render {vendor}: {exc}") from None
    return {name: text if text.endswith("\n") else text + "\n" for name, text in sorted(generated.items())}


def render_vendor(plan: Plan, vendor: str | None = None, site: str | None = None) -> Tree:
    """vendor/<site>/<file> for every vendor-edge site (or `site`), in its own or `vendor`'s dialect."""
    edges = [e for e in plan.policy.edges if site is None or e.site == site]
    if not plan.policy.edges:
        raise RenderError("no site has a vendor edge (edge: juniper-srx, cisco-asa, ...)")
    if site is not None and not edges:
        linux = any(s.name == site for s in plan.sites)
        raise RenderError(
            f"site '{site}' " + ("has a Linux edge: its gateway gets nftables" if linux else "does not exist")
        )
    tree: Tree = {}
    for acl in edges:
        for name, text in render_edge(acl, vendor or acl.vendor).items():
            tree[f"vendor/{acl.site}/{name}"] = text.encode()
    return tree
