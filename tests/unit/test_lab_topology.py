"""The lab wiring of the example Plan follows the topology contract."""

from __future__ import annotations

import ipaddress
from dataclasses import replace

import pytest

from egovinfra.compile import compile_plan
from egovinfra.compile.plan import Plan
from egovinfra.lab.errors import LabError
from egovinfra.lab.names import IFNAMSIZ, lab_prefix, owned
from egovinfra.lab.spec import Bridge, LabSpec, Route, check_spec
from egovinfra.lab.topology import lab_spec
from egovinfra.model import load_topology
from tests.conftest import DEFAULT_TOPOLOGY

PREFIX = lab_prefix("unit", family="egt")


@pytest.fixture(scope="module")
def plan() -> Plan:
    return compile_plan(load_topology(DEFAULT_TOPOLOGY).topology)


@pytest.fixture(scope="module")
def spec(plan: Plan) -> LabSpec:
    return lab_spec(plan, PREFIX)


def test_spec_is_consistent_and_owned_by_the_lab(spec: LabSpec) -> None:
    check_spec(spec)
    assert all(owned(PREFIX, ns.name) for ns in spec.namespaces)
    assert all(len(dev) <= IFNAMSIZ for dev in spec.devices())


def test_every_managed_host_runs_with_one_link_per_interface(plan: Plan, spec: LabSpec) -> None:
    managed = {h.name for h in plan.hosts if h.managed}
    assert {h.name for h in spec.hosts} == managed
    assert set(spec.skipped) == {h.name for h in plan.hosts if not h.managed}
    for host in spec.hosts:
        ends = {link.a.dev for link in spec.links if link.a.ns == host.machine}
        assert ends == {i.name for i in plan.host(host.name).interfaces}


def test_management_bridge_reaches_every_host(plan: Plan, spec: LabSpec) -> None:
    on_bridge = {link.a.ns for link in spec.links if link.b.ns == spec.mgmt_ns}
    assert on_bridge == {h.machine for h in spec.hosts}
    (bridge,) = [b for b in spec.bridges if b.ns == spec.mgmt_ns]
    controller = ipaddress.ip_interface(bridge.addresses[0])
    assert controller.network == ipaddress.ip_network(plan.pools.management)
    assert str(controller.ip) not in {h.mgmt_address for h in plan.hosts}


def test_wan_router_holds_only_transport_addresses_and_no_routes(plan: Plan, spec: LabSpec) -> None:
    wan_ns = f"{PREFIX}-wan"
    pool = ipaddress.ip_network(plan.pools.wan)
    wan_ends = [p for link in spec.links for p in (link.a, link.b) if p.ns == wan_ns]
    assert len(wan_ends) == len(plan.datacenters) + len([s for s in plan.sites if plan.host(s.gateway).managed])
    for port in wan_ends:
        assert all(ipaddress.ip_interface(a).network.subnet_of(pool) for a in port.addresses)  # type: ignore[arg-type]
    assert [r for r in spec.routes if r.ns == wan_ns] == []


def test_datacenter_router_has_each_zone_gateway_and_the_plan_routes(plan: Plan, spec: LabSpec) -> None:
    for dc in plan.datacenters:
        ns = f"{PREFIX}-r-{dc.name}"
        gateways = {a.split("/")[0] for b in spec.bridges if b.ns == ns for a in b.addresses}
        assert gateways == {z.gateway for z in dc.zones}
        routes = {(r.destination, r.via) for r in spec.routes if r.ns == ns}
        assert routes == {(r.destination, r.via) for r in dc.router_routes}


def test_site_lan_joins_gateway_and_workstations(plan: Plan, spec: LabSpec) -> None:
    for site in plan.sites:
        if not plan.host(site.gateway).managed:
            continue
        ns = f"{PREFIX}-s-{site.name}"
        members = {link.a.ns for link in spec.links if link.b.ns == ns}
        expected = {f"{PREFIX}-h-{name}" for name in (site.gateway, *site.workstations)}
        assert members == expected


def test_check_spec_reports_every_problem_at_once(spec: LabSpec) -> None:
    broken = replace(
        spec,
        bridges=(
            *spec.bridges,
            Bridge("elsewhere", "br-x"),
            Bridge(spec.mgmt_ns, "a-very-long-bridge"),
        ),
        routes=(*spec.routes, Route("other-ns", "10.0.0.0/8", via="10.0.0.1")),
    )
    with pytest.raises(LabError) as caught:
        check_spec(broken)
    message = str(caught.value)
    assert "br-x: namespace 'elsewhere' is not declared" in message
    assert "a-very-long-bridge: interface names have at most 15 characters" in message
    assert "route to 10.0.0.0/8: namespace 'other-ns' is not declared" in message
