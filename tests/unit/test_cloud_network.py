"""Zone networks, router and hub port of both datacenters, read from the offline preview."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

import pytest

from egovinfra.cloud.errors import CloudError
from egovinfra.cloud.openstack.network import dhcp_pool
from tests.support.cloud import default_plan, default_preview

SUBNET = "openstack:networking/subnet:Subnet"
ROUTE = "openstack:networking/routerRoute:RouterRoute"
PORT = "openstack:networking/port:Port"
INTERFACE = "openstack:networking/routerInterface:RouterInterface"


@pytest.mark.parametrize("role", ["primary", "secondary"])
def test_subnets_have_the_plan_cidrs_and_gateways(role: str) -> None:
    plan = default_plan()
    dc = next(d for d in plan.datacenters if d.role == role)
    preview = default_preview(role)
    got = {s.name: (s.inputs["cidr"], s.inputs.get("gatewayIp")) for s in preview.of_type(SUBNET)}
    for zone in dc.zones:
        assert got[f"{dc.name}-{zone.name}"] == (zone.cidr, zone.gateway)
    # The hub's WAN link: the router is the provider side the hub's default route points to.
    assert got[f"{dc.name}-wan"] == (dc.wan.cidr, dc.wan.provider_address)
    wan = next(s for s in preview.of_type(SUBNET) if s.name == f"{dc.name}-wan")
    assert wan.inputs["enableDhcp"] is False  # a /30 holds the router and the hub, no DHCP port
    # Five zones, the WAN link and the out-of-band management network, nothing else.
    assert len(got) == len(dc.zones) + 2
    assert got[f"{dc.name}-oob"][1] is None
    assert {i.name for i in preview.of_type(INTERFACE)} == {f"{dc.name}-{z.name}" for z in dc.zones} | {
        f"{dc.name}-wan"
    }


def test_dhcp_pools_never_hold_a_plan_address() -> None:
    plan = default_plan()
    taken = {IPv4Address(h.address) for h in plan.hosts} | {IPv4Address(h.mgmt_address) for h in plan.hosts}
    for role in ("primary", "secondary"):
        for subnet in default_preview(role).of_type(SUBNET):
            if subnet.inputs["enableDhcp"] is False:
                continue  # the WAN link: no DHCP port to keep off the hub's address
            (pool,) = subnet.inputs["allocationPools"]
            first, last = IPv4Address(pool["start"]), IPv4Address(pool["end"])
            assert first <= last and first in IPv4Network(subnet.inputs["cidr"])
            assert not any(first <= a <= last for a in taken), subnet.name


def test_dhcp_pool_steps_below_a_reserved_address() -> None:
    assert dhcp_pool("10.0.0.0/24", []) == ("10.0.0.239", "10.0.0.254")
    assert dhcp_pool("10.0.0.0/24", ["10.0.0.250"]) == ("10.0.0.234", "10.0.0.249")
    assert dhcp_pool("10.0.0.0/28", []) == ("10.0.0.12", "10.0.0.14")  # a quarter of a small zone
    with pytest.raises(CloudError, match="no 3 consecutive free addresses"):
        dhcp_pool("10.0.0.0/28", [f"10.0.0.{i}" for i in range(1, 15, 2)])


@pytest.mark.parametrize("role", ["primary", "secondary"])
def test_router_sends_the_intranet_and_the_other_datacenter_to_the_hub(role: str) -> None:
    plan = default_plan()
    dc = next(d for d in plan.datacenters if d.role == role)
    other = next(d for d in plan.datacenters if d.role != role)
    hub = plan.host(dc.hub)
    routes = {(r.inputs["destinationCidr"], r.inputs["nextHop"]) for r in default_preview(role).of_type(ROUTE)}
    assert routes == {(plan.pools.sites, hub.address), (other.supernet, hub.address)}


@pytest.mark.parametrize("role", ["primary", "secondary"])
def test_only_the_hub_port_may_forward_for_others(role: str) -> None:
    plan = default_plan()
    dc = next(d for d in plan.datacenters if d.role == role)
    other = next(d for d in plan.datacenters if d.role != role)
    ports = {p.name: p for p in default_preview(role).of_type(PORT)}
    pairs = {a["ipAddress"] for a in ports[f"{dc.hub}-eth0"].inputs["allowedAddressPairs"]}
    assert pairs == {plan.pools.sites, other.supernet}
    assert [n for n, p in ports.items() if p.inputs.get("allowedAddressPairs")] == [f"{dc.hub}-eth0"]
