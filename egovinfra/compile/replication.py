"""Replication per function: the writer, its replicas, the port they connect to, and the flows that allow it.

The database, the directory and the file store have one writer, in the active datacenter (the
primary unless `egovinfra dr` moved the service: the Plan's operational state); every other
host of the function follows it. Mail hosts are all active and each keeps its
mailboxes in sync with one peer. A link that no flow allows could never work: it is a
located problem, reported by validate.
"""

from __future__ import annotations

from egovinfra.compile.plan import Endpoint, Host, Plan, Replication, ReplicationLink
from egovinfra.compile.policy.access import flows_reaching
from egovinfra.model.problems import ProblemList

# Function → the named port its replication connects to, and who connects to whom:
# "to-primary" (replicas to the writer), "mesh" (every member to every other), "pairs" (mail).
REPLICATED: dict[str, tuple[str, str]] = {
    "database": ("postgresql", "mesh"),  # a promoted standby must accept the old primary back
    "directory": ("ldaps", "to-primary"),
    "filestore": ("rsync", "mesh"),
    "mail": ("doveadm", "pairs"),
}


def compile_replications(plan: Plan, problems: ProblemList) -> tuple[Replication, ...]:
    """Every replicated function present in the plan, its links checked against the flows."""
    out: list[Replication] = []
    endpoints = {e.name: e for e in plan.endpoints}
    for function, (port_name, shape) in sorted(REPLICATED.items()):
        members = [h for h in plan.hosts if function in h.roles and h.kind == "datacenter" and h.managed]
        endpoint = endpoints.get(port_name)
        if not members or endpoint is None:
            continue  # no such function, or its missing port is already reported
        active = plan.active.name
        in_active = [h for h in members if h.scope == active]
        if shape != "pairs" and len(in_active) != 1:
            found = ", ".join(h.name for h in in_active) or "none"
            role = "primary" if active == plan.primary.name else "active"
            problems.add(
                ("datacenters", active, "hosts"),
                f"{function}: the {role} datacenter needs exactly one host doing it, found {found}",
                "replication needs one writer",
            )
            continue
        ordered = sorted(members, key=lambda h: (h.scope != active, h.name))
        primary, replicas = ordered[0], ordered[1:]
        links = [_link(plan, client, server, endpoint, function, problems) for client, server in _pairs(shape, ordered)]
        out.append(Replication(function, primary.name, tuple(h.name for h in replicas), endpoint, tuple(links)))
    return tuple(out)


def _pairs(shape: str, ordered: list[Host]) -> list[tuple[Host, Host]]:
    primary, replicas = ordered[0], ordered[1:]
    if shape == "to-primary":
        return [(r, primary) for r in replicas]
    if shape == "mesh":
        return [(a, b) for a in ordered for b in ordered if a is not b]
    # pairs: each replica with the primary, the primary with the first replica.
    return [(r, primary) for r in replicas] + ([(primary, replicas[0])] if replicas else [])


def _link(
    plan: Plan, client: Host, server: Host, endpoint: Endpoint, function: str, problems: ProblemList
) -> ReplicationLink:
    flows = flows_reaching(plan, server, endpoint.port, client.address)
    if not flows:
        problems.add(
            ("flows",),
            f"{function} replication: no flow lets {client.name} ({client.address}) reach {endpoint.port} "
            f"('{endpoint.name}') on {server.name}",
            f"add a flow from {client.name}'s zone to a service of {server.name} with port {endpoint.port}",
        )
    return ReplicationLink(client.name, server.name, flows)
