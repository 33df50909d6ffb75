"""What the intranet's DNS must answer, from the intent: every host by its name, and each
service by a name that points at the datacenter serving it (the primary until a failover).

A service gets a name when its hosts all do one job (a name stands for one kind of server);
the ``replication`` service, spread over databases, directories and filestores, gets none. The
names people type (``groupware``) answer like the service's own.
"""

from __future__ import annotations

from dataclasses import dataclass

from egovinfra.compile.plan import Plan


@dataclass(frozen=True, slots=True)
class NameExpectation:
    """``fqdn`` must resolve to exactly ``addresses`` (A records)."""

    fqdn: str
    addresses: tuple[str, ...]
    kind: str  # "host" or "service"


def service_fqdn(plan: Plan, service: str) -> str:
    """The intranet name of a service: ``<service>.<domain>``."""
    return f"{service}.{plan.domain}"


def service_names(plan: Plan, active: str | None = None) -> tuple[NameExpectation, ...]:
    """Service names → the addresses of their hosts in the ``active`` datacenter (default: primary)."""
    datacenter = active or plan.primary.name
    out: list[NameExpectation] = []
    for service in plan.services:
        if service.management or not service.hosts:
            continue
        hosts = [plan.host(h) for h in service.hosts]
        if len({h.roles for h in hosts}) > 1:
            continue
        addresses = tuple(sorted(h.address for h in hosts if h.kind == "datacenter" and h.scope == datacenter))
        for label in (service.name, *service.names):
            out.append(NameExpectation(service_fqdn(plan, label), addresses, "service"))
    return tuple(sorted(out, key=lambda n: n.fqdn))


def typed_name(plan: Plan, role: str) -> str:
    """The name people type for the hosts of `role` (the groupware's front ends, the mail hosts):
    the first name a service of theirs alone declares, else the first such service's own name."""
    own = [
        s for s in plan.services if not s.management and s.hosts and all(plan.host(h).roles == (role,) for h in s.hosts)
    ]
    if not own:
        raise KeyError(f"no service is offered by the {role} hosts alone")
    declared = [s.names[0] for s in own if s.names]
    return service_fqdn(plan, declared[0] if declared else own[0].name)


def host_names(plan: Plan) -> tuple[NameExpectation, ...]:
    """Every host's FQDN → its service address."""
    return tuple(NameExpectation(h.fqdn, (h.address,), "host") for h in sorted(plan.hosts, key=lambda h: h.fqdn))


def dns_servers(plan: Plan) -> tuple[str, ...]:
    """The hosts offering the ``dns`` service (both datacenters')."""
    return tuple(sorted(h for s in plan.services if s.name == "dns" for h in s.hosts))
