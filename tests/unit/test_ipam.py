"""The address plan: derived from stable ids, checked, and stable when sites come and go."""

from __future__ import annotations

import ipaddress
import shutil
from pathlib import Path

from egovinfra.compile import compile_plan
from egovinfra.compile.addresses import find_overlaps, nth_subnet
from egovinfra.model import load_topology
from tests.conftest import DEFAULT_TOPOLOGY
from tests.support.synth import site_yaml


def _plan(path: Path = DEFAULT_TOPOLOGY):  # type: ignore[no-untyped-def]
    return compile_plan(load_topology(path).topology)


def test_hand_checked_addresses_of_the_default() -> None:
    """A sanity anchor computed by hand from docs/addressing.md, not by the code."""
    plan = _plan()
    assert plan.host("yde-db").address == "10.1.3.10"  # dc 1, zone data (3), host 10
    assert plan.host("dla-web").address == "10.2.1.10"  # dc 2, zone dmz (1), host 10
    assert plan.host("yde-db").mgmt_address == "10.129.3.10"  # mirrors 10.1.3.10 into 10.128.0.0/12
    assert plan.datacenter("yde").zone("app").cidr == "10.1.2.0/24"
    assert plan.datacenter("yde").zone("app").gateway == "10.1.2.1"
    minfi = next(s for s in plan.sites if s.name == "minfi")
    assert minfi.lan == "10.64.2.0/24"  # site id 2
    assert minfi.wan.cidr == "100.64.1.8/30"  # link 64 + 2 = 66, 66 * 4 = 264 = 1.8
    assert minfi.wan.endpoint_address == "100.64.1.10"
    assert plan.host("minfi-gw").mgmt_address == "10.144.0.65"  # 10.144.0.0 + 32 * 2 + 1
    assert plan.datacenter("yde").wan.endpoint_address == "100.64.0.6"  # link 1
    assert plan.datacenter("yde").router_routes[0].destination == "10.64.0.0/10"
    assert plan.datacenter("yde").router_routes[0].via == "10.1.0.2"


def test_no_two_prefixes_or_addresses_collide() -> None:
    plan = _plan()
    addresses = [i.ip for h in plan.hosts for i in h.interfaces]
    assert len(addresses) == len(set(addresses))
    prefixes = [(ipaddress.IPv4Network(z.cidr), z.key) for dc in plan.datacenters for z in dc.zones]
    prefixes += [(ipaddress.IPv4Network(s.lan), s.name) for s in plan.sites]
    prefixes += [
        (ipaddress.IPv4Network(link.cidr), link.name)
        for link in [*(d.wan for d in plan.datacenters), *(s.wan for s in plan.sites)]
    ]
    assert find_overlaps(prefixes) == []


def test_every_host_address_is_inside_its_zone_or_lan() -> None:
    plan = _plan()
    for host in plan.hosts:
        for iface in host.interfaces:
            assert ipaddress.ip_address(iface.ip) in ipaddress.ip_network(iface.network), (host.name, iface)


def test_adding_a_site_renumbers_nothing(tmp_path: Path) -> None:
    before = _plan()
    grown = tmp_path / "grown"
    shutil.copytree(DEFAULT_TOPOLOGY, grown)
    (grown / "sites" / "minsante.yaml").write_text(site_yaml(9))
    after = _plan(grown)
    for host in before.hosts:
        assert after.host(host.name).interfaces == host.interfaces, host.name
    assert {s.name: s for s in after.sites if s.name != "minsante"} == {s.name: s for s in before.sites}
    assert {h.name for h in after.hosts} - {h.name for h in before.hosts} == {"minsante-gw"}


def test_removing_a_site_renumbers_nothing(tmp_path: Path) -> None:
    before = _plan()
    shrunk = tmp_path / "shrunk"
    shutil.copytree(DEFAULT_TOPOLOGY, shrunk)
    (shrunk / "sites" / "minfopra.yaml").unlink()
    after = _plan(shrunk)
    for host in after.hosts:
        assert before.host(host.name).interfaces == host.interfaces


def test_nth_subnet_is_random_access_and_bounded() -> None:
    pool = ipaddress.IPv4Network("10.64.0.0/10")
    assert str(nth_subnet(pool, 24, 0)) == "10.64.0.0/24"
    assert str(nth_subnet(pool, 24, 16383)) == "10.127.255.0/24"
    assert nth_subnet(pool, 24, 16384) is None
    assert nth_subnet(pool, 8, 0) is None


def test_flows_resolve_to_prefixes_and_hosts() -> None:
    plan = _plan()
    flow = next(f for f in plan.flows if f.name == "ministries-to-groupware")
    assert {s.name for s in flow.sources} == {s.name for s in plan.sites}
    web = next(t for t in flow.targets if t.service == "groupware-https")
    assert set(web.hosts) == {"yde-web", "dla-web"}
    admin = next(f for f in plan.flows if f.name == "administration")
    assert {s.cidr for s in admin.sources} == {"10.1.4.0/24", "10.2.4.0/24"}


def test_national_scale_fits_the_pools(tmp_path: Path) -> None:
    """5,000 sites (ministries, delegations, communes) fit the default pools."""
    from tests.support.synth import synthesise

    plan = _plan(synthesise(tmp_path / "big", 5000))
    assert len(plan.sites) == 5008
    assert len({s.lan for s in plan.sites}) == 5008
