"""Plan → a graphviz drawing: datacenters with their zones and hosts, sites, and the tunnels."""

from __future__ import annotations

import graphviz

from egovinfra.compile.plan import Plan

_SITE_LIMIT = 60  # past this, sites are summarised: a drawing of 5,000 nodes helps nobody


def diagram(plan: Plan) -> graphviz.Graph:
    """The deployment as an undirected graph, clustered by datacenter and zone."""
    g = graphviz.Graph(
        plan.name,
        graph_attr={"rankdir": "LR", "fontname": "Helvetica", "label": plan.domain, "labelloc": "t"},
        node_attr={"fontname": "Helvetica", "fontsize": "10", "shape": "box"},
    )
    for dc in plan.datacenters:
        with g.subgraph(name=f"cluster_{dc.name}") as c:
            c.attr(label=f"{dc.title or dc.name} ({dc.role})\n{dc.supernet}", style="rounded")
            for zone in dc.zones:
                with c.subgraph(name=f"cluster_{dc.name}_{zone.name}") as z:
                    z.attr(label=f"{zone.name} {zone.cidr}", style="dashed")
                    for host in plan.hosts:
                        if host.scope == dc.name and host.zone == zone.name:
                            z.node(host.name, f"{host.short}\n{host.address}")
    hubs = [dc.hub for dc in plan.datacenters]
    for i, first in enumerate(hubs):
        for second in hubs[i + 1 :]:
            g.edge(first, second, label="replication", style="bold")
    for site in plan.sites[:_SITE_LIMIT]:
        g.node(site.gateway, f"{site.name}\n{site.lan}", shape="ellipse" if site.edge == "linux" else "octagon")
        for hub in hubs:
            g.edge(site.gateway, hub, color="gray40")
    hidden = len(plan.sites) - _SITE_LIMIT
    if hidden > 0:
        g.node("more-sites", f"... {hidden} more sites", shape="plaintext")
    return g
