"""Address plan invariants over generated topologies at the schema's limits."""

from __future__ import annotations

import ipaddress
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from egovinfra.compile import compile_plan
from egovinfra.compile.plan import InterfaceKind, Plan
from egovinfra.model.schema import Topology
from tests.support.topogen import POOLS, frozen, topologies

POOL_OF: dict[InterfaceKind, str] = {
    "zone": "datacenters",
    "lan": "sites",
    "wan": "wan",
    "mgmt": "management",
}
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _compile(raw: dict[str, Any]) -> Plan:
    return compile_plan(Topology.model_validate(frozen(raw)))


def test_a_full_site_and_the_next_one_share_no_management_address() -> None:
    """The case of the issue: 16 workstations at site 1 reached into site 2's management block."""
    raw = {
        **_minimal(),
        "sites": {
            "one": {"id": 1, "title": "One", "workstations": 16},
            "two": {"id": 2, "title": "Two"},
        },
    }
    plan = _compile(raw)
    managed = [h.mgmt_address for h in plan.hosts]
    assert len(managed) == len(set(managed))


def test_the_schema_refuses_a_site_prefix_no_site_fits() -> None:
    import pydantic
    import pytest

    raw = _minimal()
    raw["addressing"] = {**raw["addressing"], "site_prefix": 28}
    with pytest.raises(pydantic.ValidationError, match="site_prefix"):
        Topology.model_validate(frozen(raw))


@SETTINGS
@given(topologies())
def test_every_interface_address_is_unique_and_inside_its_pool(raw: dict[str, Any]) -> None:
    plan = _compile(raw)
    seen: dict[str, str] = {}
    for host in plan.hosts:
        for iface in host.interfaces:
            ip = ipaddress.ip_interface(iface.address)
            network = ipaddress.ip_network(iface.network)
            assert ip.ip in network, (host.name, iface)
            assert network.subnet_of(ipaddress.ip_network(POOLS[POOL_OF[iface.kind]])), (host.name, iface)
            assert ip.ip not in (network.network_address, network.broadcast_address) or network.prefixlen >= 31
            owner = f"{host.name}/{iface.name}"
            assert str(ip.ip) not in seen, f"{owner} and {seen[str(ip.ip)]} share {ip.ip}"
            seen[str(ip.ip)] = owner


@SETTINGS
@given(topologies(), st.data())
def test_removing_sites_renumbers_nothing_else(raw: dict[str, Any], data: st.DataObject) -> None:
    full = _compile(raw)
    kept = data.draw(st.sets(st.sampled_from(sorted(raw["sites"]))) if raw["sites"] else st.just(set()))
    fewer = _compile({**raw, "sites": {k: v for k, v in raw["sites"].items() if k in kept}})
    for host in fewer.hosts:
        assert full.host(host.name).interfaces == host.interfaces, host.name


def _minimal() -> dict[str, Any]:
    dc = {
        "zones": {"edge": {"index": 0}},
        "hosts": {"hub": {"zone": "edge", "id": 2, "roles": ["vpn_hub"]}},
    }
    return {
        "name": "mini",
        "domain": "intranet.example.org",
        "addressing": dict(POOLS),
        "datacenters": {"a": {"id": 1, "role": "primary", **dc}, "b": {"id": 2, "role": "secondary", **dc}},
    }
