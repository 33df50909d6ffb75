"""Vendor edges: the access list of a site whose edge is not a converged Linux gateway."""

from __future__ import annotations

from collections import defaultdict

from egovinfra.compile.plan import Plan
from egovinfra.compile.policy.access import Access, by_address
from egovinfra.compile.policy.model import EdgeAcl, EdgeTerm


def compile_edges(plan: Plan, accesses: tuple[Access, ...]) -> tuple[EdgeAcl, ...]:
    """One ACL per vendor-edge site: a permit per flow, service and protocol, then deny."""
    address = {h.name: h.address for h in plan.hosts}
    hubs = by_address(dc.wan.endpoint_address for dc in plan.datacenters)
    from_site: dict[str, list[Access]] = defaultdict(list)
    for access in accesses:
        for source in access.sources:
            if source.kind == "site":
                from_site[source.name].append(access)
    out: list[EdgeAcl] = []
    for site in plan.sites:
        if site.edge == "linux":
            continue
        terms = tuple(
            EdgeTerm(
                f"{a.flow}-{a.service}-{a.protocol}",
                a.flow,
                a.service,
                site.lan,
                by_address({address[h] for h in a.hosts}),
                a.protocol,
                a.ports,
            )
            for a in from_site[site.name]
        )
        out.append(EdgeAcl(site.name, site.edge, site.lan, hubs, terms))
    return tuple(out)
