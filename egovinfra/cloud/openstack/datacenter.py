"""One datacenter on OpenStack: every component wired together, and the stack outputs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_openstack as openstack

from egovinfra.cloud.errors import CloudError
from egovinfra.cloud.openstack.names import component_type, logical
from egovinfra.cloud.openstack.network import ManagementNetwork, WanNetwork, ZoneNetwork
from egovinfra.cloud.openstack.router import DatacenterRouter
from egovinfra.cloud.openstack.security import SecurityPolicy
from egovinfra.cloud.openstack.servers import Servers
from egovinfra.cloud.openstack.vpn import StrongswanHub, VpnaasGateway
from egovinfra.cloud.settings import CloudSettings
from egovinfra.compile.plan import Datacenter, Host, Plan


def select_datacenter(plan: Plan, wanted: str) -> Datacenter:
    """The datacenter named `wanted`, or the one whose role it is (`primary`, `secondary`)."""
    for dc in plan.datacenters:
        if wanted == dc.name:
            return dc
    by_role = [dc for dc in plan.datacenters if dc.role == wanted]
    if len(by_role) == 1:
        return by_role[0]
    known = ", ".join(f"{dc.name} ({dc.role})" for dc in plan.datacenters)
    raise CloudError(f"no single datacenter {wanted!r} in {plan.name}; choose one of {known}")


def cloud_hosts(plan: Plan, dc: Datacenter) -> tuple[Host, ...]:
    """The hosts of `dc` that become instances (a VPNaaS router replaces a hub that does nothing else)."""
    return tuple(
        h
        for h in plan.hosts
        if h.kind == "datacenter"
        and h.scope == dc.name
        and h.managed
        and not (dc.vpn_backend == "vpnaas" and h.name == dc.hub and h.roles == ("vpn_hub",))
    )


def _mgmt_cidr(hosts: tuple[Host, ...]) -> str | None:
    nets = {i.network for h in hosts for i in h.interfaces if i.kind == "mgmt"}
    if len(nets) > 1:
        raise CloudError(f"management interfaces span several networks: {sorted(nets)}")
    return next(iter(nets), None)


def _floating_ip(
    name: str, port: openstack.networking.Port, pool: str, after: pulumi.Resource, parent: pulumi.Resource
) -> pulumi.Output[str]:
    """A floating IP on `port`, associated once its subnet is on the router (`after`)."""
    fip = openstack.networking.FloatingIp(
        name, pool=pool, description=f"public address of {name}", opts=pulumi.ResourceOptions(parent=parent)
    )
    openstack.networking.FloatingIpAssociate(
        name, floating_ip=fip.address, port_id=port.id, opts=pulumi.ResourceOptions(parent=parent, depends_on=[after])
    )
    return fip.address


class DatacenterStack(pulumi.ComponentResource):
    """A datacenter of the Plan: networks, router, security groups, servers and the VPN end."""

    def __init__(
        self,
        plan: Plan,
        dc: Datacenter,
        settings: CloudSettings,
        *,
        psks: Mapping[str, pulumi.Input[str]],
        peer_hub: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`psks`: VPNaaS keys by tunnel; `peer_hub`: the other hub's public address from its stack."""
        super().__init__(component_type("Datacenter"), logical(dc.name), None, opts)
        child = pulumi.ResourceOptions(parent=self)
        hosts = cloud_hosts(plan, dc)
        by_zone: dict[str, list[str]] = {}
        for h in hosts:
            if h.zone is not None:
                by_zone.setdefault(h.zone, []).append(h.address)
        zones = {z.name: ZoneNetwork(z, by_zone.get(z.name, []), settings.dns_nameservers, child) for z in dc.zones}
        mgmt_cidr = _mgmt_cidr(hosts)
        if mgmt_cidr is None:
            raise CloudError(f"datacenter {dc.name}: no host has a management interface")
        management = ManagementNetwork(dc.name, mgmt_cidr, [h.mgmt_address for h in hosts], child)
        external = openstack.networking.get_network_output(name=settings.external_network)
        strongswan = dc.vpn_backend == "strongswan"
        wan = WanNetwork(dc.name, dc.wan, child) if strongswan else None
        router = DatacenterRouter(dc, external.id, zones, wan=wan, opts=child)
        security = SecurityPolicy(
            plan,
            dc,
            address_groups=settings.address_groups,
            operator_cidrs=settings.operator_cidrs,
            peer_hub=peer_hub,
            opts=child,
        )
        servers = Servers(
            dc, hosts, zones=zones, management=management, security=security, settings=settings, wan=wan, opts=child
        )
        public: pulumi.Output[str]
        if router.wan_interface is not None:
            hub = servers.servers[dc.hub]
            wan_port = next(i.name for i in plan.host(dc.hub).interfaces if i.kind == "wan")
            public = StrongswanHub(
                dc,
                hub.ports[wan_port],
                external_network=settings.external_network,
                depends_on=[router.wan_interface],
                opts=child,
            ).public_address
        else:
            public = VpnaasGateway(
                plan,
                dc,
                router=router.router,
                interfaces=list(router.interfaces.values()),
                zones=zones,
                psks=psks,
                peer_hub=peer_hub,
                opts=child,
            ).public_address
        bastions = {
            s.host.name: _floating_ip(
                s.host.name, s.ports["eth0"], settings.external_network, router.interfaces[s.host.zone or ""], self
            )
            for s in servers.servers.values()
            if "bastion" in s.host.roles and settings.operator_cidrs
        }
        self.outputs: dict[str, Any] = {
            "datacenter": dc.name,
            "role": dc.role,
            "router_id": router.router.id,
            "networks": {
                name: {"cidr": z.zone.cidr, "network_id": z.network.id, "subnet_id": z.subnet.id}
                for name, z in zones.items()
            },
            "hosts": {
                name: {
                    "instance_id": s.instance.id,
                    "ports": {iface: port.all_fixed_ips for iface, port in s.ports.items()},
                }
                for name, s in servers.servers.items()
            },
            "bastions": bastions,
            "operator_cidrs": list(settings.operator_cidrs),
            "vpn": {
                "backend": dc.vpn_backend,
                "hub": dc.hub,
                # What the cloud gave (a floating IP, or the VPNaaS router's gateway address):
                # `stack-outputs` compares it with the Plan, so a topology value must not mask it.
                "public_address": public,
                "plan_wan_address": dc.wan.endpoint_address,
            },
        }
        self.register_outputs(self.outputs)
