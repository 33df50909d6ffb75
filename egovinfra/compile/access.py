"""Who administers which host, and by which path: accounts, the bastion, root's login.

Administrators are the topology's named people. Each datacenter host carries the accounts of
the administrators of its datacenter and accepts them only from that datacenter's bastion
(ProxyJump); the bastion accepts them from the management network. Site gateways are reached
through the active datacenter's bastion and carry the administrators of every datacenter.
Root logs in over ssh only while no administrator is declared (a deployment's bootstrap).
"""

from __future__ import annotations

import ipaddress

from egovinfra.compile.access_model import Access, Administrator, HostAccess
from egovinfra.compile.plan import Host, Plan
from egovinfra.model.schema import Topology

BASTION_ROLE = "bastion"


def lab_controller(plan: Plan) -> str:
    """The lab's controller on the management network (its tools, fault injection, measurements):
    the first address of the management pool, which no host takes."""
    return str(next(ipaddress.ip_network(plan.pools.management).hosts()))


def bastion_of(plan: Plan, datacenter: str) -> Host | None:
    """The bastion of `datacenter`: its first host (by name) with the bastion role."""
    return next(
        (h for h in plan.hosts if h.kind == "datacenter" and h.scope == datacenter and BASTION_ROLE in h.roles), None
    )


def _host_access(plan: Plan, admins: tuple[Administrator, ...], host: Host) -> HostAccess:
    if not admins or not host.managed:  # a vendor edge is rendered, never logged into
        return HostAccess(host.name, (), None, ())
    if host.kind == "datacenter":
        logins = tuple(sorted(a.login for a in admins if host.scope in a.datacenters))
        bastion = bastion_of(plan, host.scope)
    else:
        logins = tuple(sorted(a.login for a in admins if a.sites))
        bastion = bastion_of(plan, plan.active.name)
    if bastion is None or bastion.name == host.name:
        return HostAccess(host.name, logins, None, (plan.pools.management,))
    return HostAccess(host.name, logins, bastion.name, (f"{bastion.mgmt_address}/32",))


def compile_access(topo: Topology, plan: Plan) -> Access:
    """The administrators and, for every host, its accounts and the path to it."""
    every = tuple(dc.name for dc in plan.datacenters)
    admins = tuple(
        Administrator(
            login=a.login,
            name=a.name,
            keys=a.keys,
            datacenters=tuple(a.datacenters) if a.datacenters is not None else every,
            sites=a.datacenters is None or set(every) <= set(a.datacenters),
        )
        for a in topo.administrators
    )
    hosts = tuple(_host_access(plan, admins, h) for h in plan.hosts)
    return Access(admins, hosts)
