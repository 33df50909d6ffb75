"""Service names of the intranet zone: which names exist, what each points at, which one people type.

A service gets a name when its hosts all do one job (a name stands for one kind of server): the
`replication` service, spread over databases, directories and filestores, gets none, nor does a
management service. Besides its own name, a service may declare the `names` people type
(`groupware` for `groupware-https`). The name people type for a function's hosts, which their
certificates carry, is the first declared name of that function's services, or else the own
name of its first service (in name order).
"""

from __future__ import annotations

from egovinfra.compile.names_model import Names, ServiceName
from egovinfra.compile.plan import Host, Plan, Service
from egovinfra.model.problems import ProblemList

# Functions that people (or their mail clients) reach by a name: their certificates carry it.
FRONTS = frozenset({"groupware_web", "mail"})


def compile_names(plan: Plan, problems: ProblemList) -> Names:
    """The zone's service names, each label once; a clash or a name that cannot exist is a problem."""
    named: list[tuple[Service, str, tuple[str, ...]]] = []
    for service in plan.services:
        declared = service.names
        function = _single_function([plan.host(h) for h in service.hosts])
        if service.management or function is None:
            why = "it is a management service" if service.management else "its hosts do different jobs"
            for index, label in enumerate(declared):
                problems.add(
                    ("services", service.name, "names", index),
                    f"{label!r} cannot name service {service.name!r}: {why}",
                    "declare the name on a service whose hosts all do one job",
                )
            continue
        named.append((service, function, declared))
    # Own names first (unique as the topology's keys), so a declared name that takes one is the error.
    owners = {service.name: service.name for service, _, _ in named}
    names = [_name(plan, service, service.name, function) for service, function, _ in named]
    fronts: dict[str, str] = {}
    for service, function, declared in named:
        for index, label in enumerate(declared):
            if label in owners:
                problems.add(
                    ("services", service.name, "names", index),
                    f"the name {label!r} already points at service {owners[label]!r}",
                    "each name points at one service",
                )
                continue
            owners[label] = service.name
            names.append(_name(plan, service, label, function))
        for role in function.split("+") if declared else ():
            fronts.setdefault(role, declared[0])
    for service, function, _ in named:
        for role in function.split("+"):
            fronts.setdefault(role, service.name)
    for role in sorted(FRONTS):
        if role not in fronts and any(role in h.roles for h in plan.hosts):
            problems.add(
                ("services",),
                f"no service is offered by the {role} hosts alone, so people have no name to type for them",
                f"add a service with `roles: [{role}]` (its name, or its `names`, go into the DNS and certificates)",
            )
    return Names(plan.domain, tuple(sorted(names, key=lambda n: n.label)), tuple(sorted(fronts.items())))


def _name(plan: Plan, service: Service, label: str, function: str) -> ServiceName:
    hosts = [plan.host(h) for h in service.hosts]
    addresses = tuple(
        (dc.name, tuple(sorted(h.address for h in hosts if h.kind == "datacenter" and h.scope == dc.name)))
        for dc in plan.datacenters
    )
    return ServiceName(label, service.name, function, addresses)


def _single_function(hosts: list[Host]) -> str | None:
    """The job every host does (its roles, joined by `+`) when they all do the same; "" for none."""
    jobs = {h.roles for h in hosts}
    if len(jobs) > 1:
        return None
    return "+".join(next(iter(jobs), ()))
