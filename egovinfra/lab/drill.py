"""Who takes part in a failover drill, from the Plan: the datacenters, the database pair, the DNS
servers and the client that writes through the service name.

The client is a host whose flows let it use the ``postgresql`` service in every datacenter and
that survives the primary's loss: a ministry workstation when the intent lets ministries reach
the database, otherwise the application tier of a secondary datacenter (the database's own
clients in the reference topology, where ministries reach only the groupware front end).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from egovinfra.compile.plan import Host, Plan
from egovinfra.lab.errors import LabError

DATABASE_SERVICE = "postgresql"


@dataclass(frozen=True, slots=True)
class DrillPlan:
    """The parts of the Plan a drill touches."""

    primary_dc: str
    secondary_dc: str
    primary_db: Host
    standby_db: Host
    dns_servers: tuple[Host, ...]  # primary datacenter's first, as clients list them
    service_name: str  # postgresql.<domain>
    client: Host
    lost_hosts: tuple[str, ...]  # every host of the primary datacenter
    lost_wan_link: str  # the primary datacenter's link to the WAN


def _in(cidr: str, address: str) -> bool:
    return ipaddress.ip_address(address) in ipaddress.ip_network(cidr)


def clients(plan: Plan, lost: str | None = None) -> list[Host]:
    """Hosts allowed by a flow to reach the database service on every database host, that do
    not live in the datacenter the drill loses (default: the active one); ministry workstations first."""
    databases = set(plan.service(DATABASE_SERVICE).hosts)
    found: list[Host] = []
    for host in plan.hosts:
        if host.kind == "datacenter" and host.scope == (lost or plan.active.name):
            continue
        if "database" in host.roles or not host.managed:
            continue
        reachable: set[str] = set()
        for flow in plan.flows:
            if any(_in(s.cidr, host.address) for s in flow.sources):
                reachable |= {h for t in flow.targets if t.service == DATABASE_SERVICE for h in t.hosts}
        if databases <= reachable:
            found.append(host)
    return sorted(found, key=lambda h: ("workstation" not in h.roles, h.name))


def drill_plan(plan: Plan, client: str | None = None, lost: str | None = None) -> DrillPlan:
    """The drill of ``plan``: lose datacenter `lost` (default: the active one), fail over to another."""
    primary = plan.datacenter(lost) if lost else plan.active
    secondaries = [dc for dc in plan.datacenters if dc.name != primary.name]
    if not secondaries:
        raise LabError("the topology has one datacenter: nothing to fail over to")
    secondary = secondaries[0]

    def database(dc: str) -> Host:
        found = [h for h in plan.hosts if "database" in h.roles and h.scope == dc]
        if len(found) != 1:
            raise LabError(f"datacenter {dc} has {len(found)} database hosts; the drill needs one")
        return found[0]

    candidates = clients(plan, primary.name)
    if client is not None:
        chosen = plan.host(client)
        if chosen not in candidates:
            raise LabError(f"{client}: no flow lets it reach {DATABASE_SERVICE} in every datacenter")
    elif candidates:
        chosen = candidates[0]
    else:
        raise LabError(f"no host outside {primary.name} may reach {DATABASE_SERVICE} in every datacenter")
    dns = sorted(
        (plan.host(h) for h in plan.service("dns").hosts),
        key=lambda h: (h.scope != primary.name, h.name),
    )
    return DrillPlan(
        primary_dc=primary.name,
        secondary_dc=secondary.name,
        primary_db=database(primary.name),
        standby_db=database(secondary.name),
        dns_servers=tuple(dns),
        service_name=f"{DATABASE_SERVICE}.{plan.domain}",
        client=chosen,
        lost_hosts=tuple(sorted(h.name for h in plan.hosts if h.kind == "datacenter" and h.scope == primary.name)),
        lost_wan_link=primary.wan.name,
    )
