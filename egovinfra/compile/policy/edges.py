"""Vendor edges: the access list of a site whose edge is not a converged Linux gateway."""

from __future__ import annotations

from collections import defaultdict

from egovinfra.compile.plan import Plan
from egovinfra.compile.policy.access import Access, by_address
from egovinfra.compile.policy.model import EdgeAcl, EdgeTerm
from egovinfra.model.problems import ProblemList

# The longest term name every vendor dialect accepts: Aerleon's paloalto names a term's service
# `service-<term>-<protocol>` in at most 63 characters (juniper-srx takes 62-character terms).
# `egovinfra vendor --vendor` may write any dialect, so every vendor edge is held to the shortest.
TERM_NAME_MAX = 63 - len("service-") - len("-tcp")


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


def check_term_names(edges: tuple[EdgeAcl, ...], problems: ProblemList) -> None:
    """Report each flow whose vendor-edge term name (<flow>-<service>-<protocol>) no dialect can write."""
    reported: set[str] = set()
    for acl in edges:
        for term in acl.terms:
            if len(term.name) > TERM_NAME_MAX and term.name not in reported:
                reported.add(term.name)
                problems.add(
                    ("flows", term.flow),
                    f"the vendor edge of {acl.site} names this flow's term '{term.name}', "
                    f"{len(term.name)} characters; vendor firewalls accept {TERM_NAME_MAX}",
                    f"shorten the flow's name or the service '{term.service}' by {len(term.name) - TERM_NAME_MAX}",
                )
