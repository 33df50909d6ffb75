"""Cross-reference checks: the things a schema alone cannot see."""

from __future__ import annotations

from collections import defaultdict

from egovinfra.model.problems import ProblemList
from egovinfra.model.schema import Topology


def check_references(topo: Topology, problems: ProblemList) -> None:
    """Record every dangling reference, duplicate and role error of a schema-valid topology."""
    _datacenter_roles(topo, problems)
    _unique_ids(topo, problems)
    _zones_and_hosts(topo, problems)
    _services(topo, problems)
    _flows(topo, problems)
    _administrators(topo, problems)


def _datacenter_roles(topo: Topology, problems: ProblemList) -> None:
    primaries = [n for n, dc in topo.datacenters.items() if dc.role == "primary"]
    secondaries = [n for n, dc in topo.datacenters.items() if dc.role == "secondary"]
    if len(primaries) != 1:
        where = ("datacenters", primaries[1], "role") if len(primaries) > 1 else ("datacenters",)
        problems.add(
            where,
            f"exactly one primary datacenter is required, found {len(primaries)}",
            "set role: primary on one datacenter and role: secondary on the others",
        )
    if not secondaries:
        problems.add(
            ("datacenters",), "no secondary datacenter", "disaster recovery needs a datacenter with role: secondary"
        )


def _unique_ids(topo: Topology, problems: ProblemList) -> None:
    for kind, items in (("datacenters", topo.datacenters), ("sites", topo.sites)):
        seen: dict[int, str] = {}
        for name, item in items.items():
            if item.id in seen:
                problems.add(
                    (kind, name, "id"),
                    f"id {item.id} is already used by '{seen[item.id]}'",
                    "ids are stable and unique: pick an unused one, never renumber",
                )
            else:
                seen[item.id] = name
    for name in topo.sites:
        if name in topo.datacenters:
            problems.add(
                ("sites", name),
                f"'{name}' is also a datacenter name",
                "site and datacenter names share the DNS namespace",
            )


def _zones_and_hosts(topo: Topology, problems: ProblemList) -> None:
    for dc_name, dc in topo.datacenters.items():
        by_index: dict[int, str] = {}
        for zone_name, zone in dc.zones.items():
            if zone.index in by_index:
                problems.add(
                    ("datacenters", dc_name, "zones", zone_name, "index"),
                    f"zone index {zone.index} is already used by '{by_index[zone.index]}'",
                )
            else:
                by_index[zone.index] = zone_name
        taken: dict[tuple[str, int], str] = {}
        for host_name, host in dc.hosts.items():
            path = ("datacenters", dc_name, "hosts", host_name)
            if host.zone not in dc.zones:
                problems.add(
                    (*path, "zone"),
                    f"unknown zone '{host.zone}'",
                    "zones of this datacenter: " + ", ".join(sorted(dc.zones)),
                )
            key = (host.zone, host.id)
            if key in taken:
                problems.add(
                    (*path, "id"), f"host id {host.id} in zone '{host.zone}' is already used by '{taken[key]}'"
                )
            else:
                taken[key] = host_name
        hubs = [h for h, host in dc.hosts.items() if "vpn_hub" in host.roles]
        if len(hubs) != 1:
            problems.add(
                ("datacenters", dc_name, "hosts"),
                f"a datacenter needs exactly one host with role vpn_hub, found {len(hubs)}",
            )


def _services(topo: Topology, problems: ProblemList) -> None:
    roles: set[str] = {role for dc in topo.datacenters.values() for h in dc.hosts.values() for role in h.roles}
    if any(site.edge == "linux" for site in topo.sites.values()):
        roles.add("site_gateway")  # every converged site has a gateway
    for name, service in topo.services.items():
        for i, role in enumerate(service.roles):
            if role not in roles:
                problems.add(
                    ("services", name, "roles", i),
                    f"no host has role '{role}'",
                    "a service must be offered by at least one host",
                )
        for i, ref in enumerate(service.hosts):
            dc_name, _, host_name = ref.partition("/")
            dc = topo.datacenters.get(dc_name)
            if dc is None or host_name not in dc.hosts:
                problems.add(
                    ("services", name, "hosts", i),
                    f"unknown host '{ref}'",
                    "write datacenter/host, e.g. " + _example_host(topo),
                )


def _example_host(topo: Topology) -> str:
    dc_name, dc = next(iter(topo.datacenters.items()))
    return f"{dc_name}/{next(iter(dc.hosts))}"


def _flows(topo: Topology, problems: ProblemList) -> None:
    zone_names: dict[str, set[str]] = defaultdict(set)
    for dc_name, dc in topo.datacenters.items():
        for zone in dc.zones:
            zone_names[zone].add(dc_name)
    for name, flow in topo.flows.items():
        path = ("flows", name)
        for i, service in enumerate(flow.to):
            if service not in topo.services:
                problems.add((*path, "to", i), f"unknown service '{service}'", _known("services", topo.services))
        if isinstance(flow.source.sites, tuple):
            for i, site in enumerate(flow.source.sites):
                if site not in topo.sites:
                    problems.add((*path, "from", "sites", i), f"unknown site '{site}'", _known("sites", topo.sites))
        for i, ref in enumerate(flow.source.zones or ()):
            dc_name, slash, zone = ref.rpartition("/")
            if slash and (dc_name not in topo.datacenters or zone not in topo.datacenters[dc_name].zones):
                problems.add(
                    (*path, "from", "zones", i),
                    f"unknown zone '{ref}'",
                    "write zone (every datacenter) or datacenter/zone",
                )
            elif not slash and zone not in zone_names:
                problems.add((*path, "from", "zones", i), f"unknown zone '{ref}'", _known("zones", zone_names))


def _known(kind: str, names: object) -> str:
    listed = sorted(names) if isinstance(names, dict) else []
    if not listed:
        return f"no {kind} are defined"
    shown = ", ".join(listed[:8]) + (", ..." if len(listed) > 8 else "")
    return f"known {kind}: {shown}"


def _administrators(topo: Topology, problems: ProblemList) -> None:
    if not topo.administrators:
        return
    logins: dict[str, int] = {}
    keys: dict[str, str] = {}
    for i, admin in enumerate(topo.administrators):
        path = ("administrators", i)
        if admin.login in logins:
            problems.add(
                (*path, "login"),
                f"login '{admin.login}' is already administrators[{logins[admin.login]}]",
                "one entry per person; list every key of a person under their `keys`",
            )
        logins.setdefault(admin.login, i)
        for k, key in enumerate(admin.keys):
            blob = key.split()[1]
            if blob in keys and keys[blob] != admin.login:
                problems.add(
                    (*path, "keys", k),
                    f"this key is also {keys[blob]}'s",
                    "each person logs in with their own key: a shared key hides who acted",
                )
            keys.setdefault(blob, admin.login)
        for d, named in enumerate(admin.datacenters or ()):
            if named not in topo.datacenters:
                problems.add(
                    (*path, "datacenters", d), f"unknown datacenter '{named}'", _known("datacenters", topo.datacenters)
                )
    for name, datacenter in topo.datacenters.items():
        if not any("bastion" in host.roles for host in datacenter.hosts.values()):
            problems.add(
                ("datacenters", name, "hosts"),
                "administrators are declared but this datacenter has no bastion",
                "add a host with roles: [bastion] in the management zone: administrators reach hosts through it",
            )
