"""The address plan: every subnet and address derived from stable ids and checked overrides.

Rules (docs/addressing.md): a datacenter's supernet is the id-th /datacenter_prefix of the
datacenter pool, a zone the index-th /zone_prefix of its datacenter, a host the id-th
address of its zone; a site LAN is the id-th /site_prefix of the site pool; WAN links are
/wan_prefix links, datacenters first (by id) then sites (wan_reserved + id); management
addresses mirror the datacenter pool in the first half of the management pool, and give
each site a block of MGMT_PER_SITE addresses in the second half, large enough for its
gateway and the most workstations the schema allows. Nothing depends on the order or the number
of other objects, so adding or removing a site renumbers nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from ipaddress import IPv4Address, IPv4Network

from egovinfra.compile.addresses import (
    containing,
    find_overlaps,
    halves,
    nth_address,
    nth_subnet,
    parse_ip,
    parse_net,
    subnet_count,
    usable,
)
from egovinfra.compile.plan import Datacenter, Host, Interface, Route, Site, WanLink, Zone
from egovinfra.model.problems import ProblemList, YamlPath
from egovinfra.model.schema import MAX_WORKSTATIONS, Topology

WORKSTATION_BASE = 10  # workstation k sits at the LAN's (10 + k)-th address
# A site's management block: the gateway at offset 1, workstation k at 1 + k.
MGMT_SITE_PREFIX = 32 - (1 + MAX_WORKSTATIONS).bit_length()
MGMT_PER_SITE = 1 << (32 - MGMT_SITE_PREFIX)


@dataclass(frozen=True)
class AddressPlan:
    """The output of address planning, before intent (flows) is compiled."""

    datacenters: tuple[Datacenter, ...]
    sites: tuple[Site, ...]
    hosts: tuple[Host, ...]


class _Pools:
    def __init__(self, topo: Topology, problems: ProblemList) -> None:
        a = topo.addressing
        self.dc = parse_net(a.datacenters)
        self.site = parse_net(a.sites)
        self.wan = parse_net(a.wan)
        self.mgmt = parse_net(a.management)
        named = [(self.dc, "datacenters"), (self.site, "sites"), (self.wan, "wan"), (self.mgmt, "management")]
        for first, second in find_overlaps([(n, k) for n, k in named]):
            problems.add(
                ("addressing", str(second)), f"pool overlaps the '{first}' pool", "the four pools must be disjoint"
            )
        if self.mgmt.prefixlen + 1 > self.dc.prefixlen:
            problems.add(
                ("addressing", "management"),
                f"management pool {self.mgmt} is too small to mirror the datacenter pool {self.dc}",
                f"use a management pool of /{self.dc.prefixlen - 1} or larger",
            )
        self.mgmt_dc, self.mgmt_sites = halves(self.mgmt)


def plan_addresses(topo: Topology, problems: ProblemList, observed: Mapping[str, str] | None = None) -> AddressPlan:
    """Derive every address of `topo`, recording exhaustion, overrides out of pool and overlaps.

    `observed` maps a datacenter to the public address the cloud gave its hub (the cloud state):
    the hub's public address where the topology gives none.
    """
    pools = _Pools(topo, problems)
    a = topo.addressing
    owned: list[tuple[IPv4Network, object]] = []
    datacenters: list[Datacenter] = []
    hosts: list[Host] = []
    for name, _ in sorted(topo.datacenters.items(), key=lambda kv: kv[1].id):
        built = _datacenter(topo, name, pools, problems, owned)
        if built is not None:
            datacenters.append(built[0])
            hosts.extend(built[1])
    datacenters = [_with_router_routes(dc, datacenters, pools) for dc in datacenters]
    for dc in list(datacenters):
        public = _public_address(topo.datacenters[dc.name].public_address, pools, ("datacenters", dc.name), problems)
        public = public or (observed or {}).get(dc.name)
        datacenters[datacenters.index(dc)] = replace(dc, public_address=public)
    sites: list[Site] = []
    for name, site in sorted(topo.sites.items(), key=lambda kv: kv[1].id):
        path: YamlPath = ("sites", name)
        lan = _derive(site.lan, pools.site, a.site_prefix, site.id, (*path, "lan"), (*path, "id"), "site", problems)
        wan = _wan_link(
            pools.wan,
            a.wan_prefix,
            a.wan_reserved + site.id,
            site.wan_address,
            f"{name}-gw",
            f"wan-{name}",
            path,
            problems,
        )
        if lan is None or wan is None:
            continue
        owned.append((lan, (*path, "lan" if site.lan else "id")))
        owned.append((parse_net(wan.cidr), (*path, "wan_address" if site.wan_address else "id")))
        built_site = _site(topo, name, lan, wan, pools, problems)
        if built_site is not None:
            public = _public_address(site.public_address, pools, path, problems)
            sites.append(replace(built_site[0], public_address=public))
            hosts.extend(built_site[1])
    for first, second in find_overlaps(owned):
        assert isinstance(first, tuple) and isinstance(second, tuple)
        problems.add(
            second,
            f"prefix overlaps the one of {'.'.join(map(str, first))}",
            "overrides must not overlap derived or other overridden prefixes",
        )
    _unique_names(topo, hosts, problems)
    datacenters = [_with_ike_sources(dc, datacenters, sites, pools) for dc in datacenters]
    return AddressPlan(tuple(datacenters), tuple(sites), tuple(sorted(hosts, key=lambda h: h.name)))


def _public_address(value: str | None, pools: _Pools, path: YamlPath, problems: ProblemList) -> str | None:
    """A public WAN address: anywhere but the topology's own pools (the lab's WAN is `wan_address`)."""
    if value is None:
        return None
    addr = parse_ip(value)
    for pool, what in ((pools.wan, "WAN"), (pools.dc, "datacenter"), (pools.site, "site"), (pools.mgmt, "management")):
        if addr in pool:
            problems.add(
                (*path, "public_address"),
                f"{addr} is inside the {what} pool {pool}",
                "an address of the WAN pool is a wan_address; public_address is the one outside it",
            )
            return None
    return str(addr)


def _with_ike_sources(dc: Datacenter, every: list[Datacenter], sites: list[Site], pools: _Pools) -> Datacenter:
    """Where the hub's peers send IKE from: each public address the Plan knows, and the WAN pool
    while any site (the lab: all of them) still uses its WAN address. A peer hub without a
    public address gets a floating IP, which the cloud program reads from that hub's stack."""
    public = [s.public_address for s in sites if s.public_address]
    public += [o.public_address for o in every if o.name != dc.name and o.public_address]
    sources = [f"{a}/32" for a in sorted(set(public), key=parse_ip)]
    if any(s.public_address is None for s in sites):
        sources.append(str(pools.wan))
    return replace(dc, ike_sources=tuple(sources))


def _derive(
    override: str | None,
    pool: IPv4Network,
    prefix: int,
    index: int,
    override_path: YamlPath,
    id_path: YamlPath,
    what: str,
    problems: ProblemList,
) -> IPv4Network | None:
    """An override checked against its pool, or the index-th subnet of the pool."""
    if override is not None:
        net = parse_net(override)
        if not net.subnet_of(pool):
            problems.add(override_path, f"{net} is outside the {what} pool {pool}")
            return None
        return net
    derived = nth_subnet(pool, prefix, index)
    if derived is None:
        problems.add(
            id_path,
            f"{what} pool {pool} is exhausted: id {index} needs /{prefix} number {index}, "
            f"the pool holds {subnet_count(pool, prefix)}",
            "enlarge the pool or lengthen the prefix",
        )
    return derived


def _wan_link(
    pool: IPv4Network,
    prefix: int,
    index: int,
    override: str | None,
    host: str,
    name: str,
    path: YamlPath,
    problems: ProblemList,
) -> WanLink | None:
    if override is not None:
        addr = parse_ip(override)
        if addr not in pool:
            problems.add((*path, "wan_address"), f"{addr} is outside the WAN pool {pool}")
            return None
        net = containing(addr, prefix)
    else:
        link = nth_subnet(pool, prefix, index)
        if link is None:
            problems.add(
                (*path, "id"), f"WAN pool {pool} is exhausted: link {index} does not fit", "enlarge the WAN pool"
            )
            return None
        net = link
        addr = net.network_address + (1 if prefix >= 31 else 2)
    provider_index = 0 if prefix >= 31 else 1
    provider = nth_address(net, provider_index)
    if provider == addr:
        provider = nth_address(net, provider_index + 1)
    if not usable(net, addr) or provider is None:
        problems.add((*path, "wan_address"), f"{addr} is not a usable address of {net}")
        return None
    return WanLink(name, str(net), str(provider), str(addr), host)


def _host_address(
    zone_net: IPv4Network, host_id: int, override: str | None, path: YamlPath, problems: ProblemList
) -> IPv4Address | None:
    if override is not None:
        addr = parse_ip(override)
        if addr not in zone_net:
            problems.add((*path, "address"), f"{addr} is outside the host's zone {zone_net}")
            return None
        if not usable(zone_net, addr) or addr == zone_net.network_address + 1:
            problems.add(
                (*path, "address"),
                f"{addr} is reserved in {zone_net}",
                "the first address is the zone gateway; network and broadcast are not hosts",
            )
            return None
        return addr
    derived = nth_address(zone_net, host_id)
    if derived is None or not usable(zone_net, derived):
        problems.add(
            (*path, "id"),
            f"host id {host_id} does not fit in zone {zone_net}",
            f"ids run from 2 to {zone_net.num_addresses - 2}",
        )
        return None
    return derived


def _mgmt_for_dc(pools: _Pools, addr: IPv4Address, path: YamlPath, problems: ProblemList) -> str | None:
    offset = int(addr) - int(pools.dc.network_address)
    mgmt = nth_address(pools.mgmt_dc, offset)
    if offset < 0 or mgmt is None:
        problems.add(
            path,
            f"no management address mirrors {addr}",
            "overridden addresses must stay in the datacenter pool",
        )
        return None
    return str(mgmt)


def _datacenter(
    topo: Topology, name: str, pools: _Pools, problems: ProblemList, owned: list[tuple[IPv4Network, object]]
) -> tuple[Datacenter, list[Host]] | None:
    dc = topo.datacenters[name]
    a = topo.addressing
    path: YamlPath = ("datacenters", name)
    supernet = _derive(
        dc.prefix, pools.dc, a.datacenter_prefix, dc.id, (*path, "prefix"), (*path, "id"), "datacenter", problems
    )
    if dc.id >= a.wan_reserved:
        problems.add(
            (*path, "id"),
            f"datacenter id {dc.id} is beyond the {a.wan_reserved} WAN links kept for datacenters",
            "raise addressing.wan_reserved",
        )
        return None
    wan = _wan_link(pools.wan, a.wan_prefix, dc.id, dc.wan_address, f"{name}-hub", f"wan-{name}", path, problems)
    if supernet is None or wan is None:
        return None
    owned.append((supernet, (*path, "prefix" if dc.prefix else "id")))
    owned.append((parse_net(wan.cidr), (*path, "wan_address" if dc.wan_address else "id")))
    zones: dict[str, tuple[Zone, IPv4Network]] = {}
    zone_owned: list[tuple[IPv4Network, object]] = []
    for zone_name, zone in sorted(dc.zones.items(), key=lambda kv: kv[1].index):
        zpath: YamlPath = (*path, "zones", zone_name)
        net = _derive(
            zone.prefix,
            supernet,
            a.zone_prefix,
            zone.index,
            (*zpath, "prefix"),
            (*zpath, "index"),
            f"datacenter {name}",
            problems,
        )
        if net is None:
            continue
        zone_owned.append((net, (*zpath, "prefix" if zone.prefix else "index")))
        gateway = str(net.network_address + 1)
        zones[zone_name] = (Zone(zone_name, name, zone.index, str(net), gateway, zone.description), net)
    for first, second in find_overlaps(zone_owned):
        assert isinstance(first, tuple) and isinstance(second, tuple)
        problems.add(second, f"zone overlaps {'.'.join(map(str, first))}")
    hosts: list[Host] = []
    hub_inside = ""
    seen: dict[IPv4Address, str] = {}
    for host_name, host in sorted(dc.hosts.items()):
        hpath: YamlPath = (*path, "hosts", host_name)
        if host.zone not in zones:
            continue  # reported by the reference checks
        host_zone, net = zones[host.zone]
        addr = _host_address(net, host.id, host.address, hpath, problems)
        if addr is None:
            continue
        if addr in seen:
            problems.add((*hpath, "address"), f"address {addr} is already used by '{seen[addr]}'")
            continue
        seen[addr] = host_name
        mgmt = _mgmt_for_dc(pools, addr, hpath, problems)
        if mgmt is None:
            continue
        is_hub = "vpn_hub" in host.roles
        zone_if = Interface(
            "eth0",
            "zone",
            f"{addr}/{net.prefixlen}",
            str(net),
            f"{name}-{host_zone.name}",
            None if is_hub else host_zone.gateway,
        )
        interfaces = [zone_if, _mgmt_interface(mgmt, pools)]
        routes: tuple[Route, ...] = ()
        if is_hub:
            hub_inside = str(addr)
            interfaces.insert(
                1,
                Interface(
                    "wan0",
                    "wan",
                    f"{wan.endpoint_address}/{parse_net(wan.cidr).prefixlen}",
                    wan.cidr,
                    wan.name,
                    wan.provider_address,
                ),
            )
            routes = (Route(str(supernet), host_zone.gateway),)
        hosts.append(
            Host(
                name=f"{name}-{host_name}",
                short=host_name,
                fqdn=f"{host_name}.{name}.{topo.domain}",
                kind="datacenter",
                scope=name,
                roles=host.roles,
                zone=host.zone,
                address=str(addr),
                mgmt_address=mgmt,
                interfaces=tuple(interfaces),
                routes=routes,
                description=host.description,
                former_names=tuple(f"{name}-{old}" for old in host.former_names),
            )
        )
    hub_host = next((h.name for h in hosts if "vpn_hub" in h.roles), "")
    if not hub_host:
        return None
    built = Datacenter(
        name=name,
        id=dc.id,
        role=dc.role,
        title=dc.title,
        supernet=str(supernet),
        zones=tuple(z for z, _ in zones.values()),
        hub=hub_host,
        hub_inside=hub_inside,
        wan=wan,
        vpn_backend=dc.vpn_backend,
        router_routes=(),
        cloud=dc.cloud or name,
        region=dc.region,
    )
    return built, hosts


def _with_router_routes(dc: Datacenter, every: list[Datacenter], pools: _Pools) -> Datacenter:
    """The zone router sends the site pool and the other datacenters to the hub."""
    destinations = [str(pools.site), *(o.supernet for o in every if o.name != dc.name)]
    return replace(dc, router_routes=tuple(Route(d, dc.hub_inside) for d in destinations))


def _mgmt_interface(mgmt: str, pools: _Pools) -> Interface:
    return Interface("mgmt0", "mgmt", f"{mgmt}/{pools.mgmt.prefixlen}", str(pools.mgmt), "mgmt")


def _site(
    topo: Topology, name: str, lan: IPv4Network, wan: WanLink, pools: _Pools, problems: ProblemList
) -> tuple[Site, list[Host]] | None:
    site = topo.sites[name]
    path: YamlPath = ("sites", name)
    mgmt_block = nth_subnet(pools.mgmt_sites, MGMT_SITE_PREFIX, site.id)
    if mgmt_block is None:
        problems.add(
            (*path, "id"),
            f"management pool half {pools.mgmt_sites} is exhausted at site id {site.id}",
            f"enlarge addressing.management: each site id takes {MGMT_PER_SITE} addresses",
        )
        return None
    if WORKSTATION_BASE + site.workstations >= lan.num_addresses - 1:
        problems.add((*path, "workstations"), f"{site.workstations} workstations do not fit in {lan}")
        return None
    gw_lan = str(lan.network_address + 1)
    wan_prefix = parse_net(wan.cidr).prefixlen
    managed = site.edge == "linux"
    gateway = Host(
        name=f"{name}-gw",
        short="gw",
        fqdn=f"gw.{name}.{topo.domain}",
        kind="site",
        scope=name,
        roles=("site_gateway",),
        zone=None,
        address=gw_lan,
        mgmt_address=str(mgmt_block.network_address + 1),
        interfaces=(
            Interface("lan0", "lan", f"{gw_lan}/{lan.prefixlen}", str(lan), f"{name}-lan"),
            Interface("wan0", "wan", f"{wan.endpoint_address}/{wan_prefix}", wan.cidr, wan.name, wan.provider_address),
            _mgmt_interface(str(mgmt_block.network_address + 1), pools),
        ),
        managed=managed,
        description=site.title,
    )
    hosts = [gateway]
    for k in range(1, site.workstations + 1):
        addr = str(lan.network_address + WORKSTATION_BASE + k)
        mgmt = str(mgmt_block.network_address + 1 + k)
        hosts.append(
            Host(
                name=f"{name}-ws{k}",
                short=f"ws{k}",
                fqdn=f"ws{k}.{name}.{topo.domain}",
                kind="site",
                scope=name,
                roles=("workstation",),
                zone=None,
                address=addr,
                mgmt_address=mgmt,
                interfaces=(
                    Interface("eth0", "lan", f"{addr}/{lan.prefixlen}", str(lan), f"{name}-lan", gw_lan),
                    _mgmt_interface(mgmt, pools),
                ),
                description=f"workstation at {site.title}",
            )
        )
    built = Site(
        name=name,
        id=site.id,
        title=site.title,
        kind=site.kind,
        lan=str(lan),
        gateway=gateway.name,
        lan_gateway=gw_lan,
        wan=wan,
        edge=site.edge,
        workstations=tuple(h.name for h in hosts[1:]),
    )
    return built, hosts


def _unique_names(topo: Topology, hosts: list[Host], problems: ProblemList) -> None:
    seen: dict[str, Host] = {}
    for host in hosts:
        if host.name in seen:
            other = seen[host.name]
            path: YamlPath = (
                ("datacenters", host.scope, "hosts", host.short) if host.kind == "datacenter" else ("sites", host.scope)
            )
            problems.add(
                path,
                f"host name '{host.name}' is also produced by {other.scope}/{other.short}",
                "inventory names are <datacenter or site>-<host>: rename one",
            )
        else:
            seen[host.name] = host
