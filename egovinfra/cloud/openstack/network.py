"""Zone networks and subnets with the Plan's CIDRs, and the out-of-band management network."""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network

import pulumi
import pulumi_openstack as openstack

from egovinfra.cloud.errors import CloudError
from egovinfra.cloud.openstack.names import component_type, logical
from egovinfra.compile.plan import WanLink, Zone

DHCP_POOL_SIZE = 16  # addresses left to Neutron (its DHCP port) at the top of each subnet


def dhcp_pool(cidr: str, reserved: Iterable[str], size: int = DHCP_POOL_SIZE) -> tuple[str, str]:
    """The highest run of free addresses in `cidr` for Neutron's own allocations.

    Neutron gives its DHCP port the first free address of the allocation pool; a pool that
    avoids every Plan address keeps it from taking a host's fixed address before the host's
    port exists. Up to `size` addresses, a quarter of the subnet at most.
    """
    net = IPv4Network(cidr)
    first, last = int(net.network_address) + 1, int(net.broadcast_address) - 1
    want = max(1, min(size, (last - first + 1) // 4))
    taken = {int(IPv4Address(a)) for a in reserved}
    end = last
    while end - want + 1 >= first:
        start = end - want + 1
        clash = [a for a in range(start, end + 1) if a in taken]
        if not clash:
            return str(IPv4Address(start)), str(IPv4Address(end))
        end = max(clash) - 1
    raise CloudError(f"{cidr}: no {want} consecutive free addresses left for Neutron's DHCP port")


class ZoneNetwork(pulumi.ComponentResource):
    """One datacenter zone: a Neutron network and its subnet (the Plan's CIDR and gateway)."""

    def __init__(
        self,
        zone: Zone,
        reserved: Iterable[str],
        dns_nameservers: tuple[str, ...],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        name = logical(zone.datacenter, zone.name)
        super().__init__(component_type("ZoneNetwork"), name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.zone = zone
        self.network = openstack.networking.Network(
            name, name=name, admin_state_up=True, description=zone.description or f"zone {zone.key}", opts=child
        )
        start, end = dhcp_pool(zone.cidr, [zone.gateway, *reserved])
        self.subnet = openstack.networking.Subnet(
            name,
            name=name,
            network_id=self.network.id,
            cidr=zone.cidr,
            ip_version=4,
            gateway_ip=zone.gateway,
            enable_dhcp=True,
            allocation_pools=[openstack.networking.SubnetAllocationPoolArgs(start=start, end=end)],
            dns_nameservers=list(dns_nameservers),
            opts=child,
        )
        self.register_outputs({"network_id": self.network.id, "subnet_id": self.subnet.id})


class WanNetwork(pulumi.ComponentResource):
    """The hub's WAN link (the Plan's /30): the router takes the provider side, the hub its WAN
    address, so the hub's wan0, routes and firewall are those of the lab; the floating IP is
    NAT to that address. No DHCP: a /30 has no address left for Neutron's DHCP port."""

    def __init__(self, datacenter: str, link: WanLink, opts: pulumi.ResourceOptions | None = None) -> None:
        name = logical(datacenter, "wan")
        super().__init__(component_type("WanNetwork"), name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.link = link
        self.network = openstack.networking.Network(
            name, name=name, admin_state_up=True, description=f"WAN link of {link.host}", opts=child
        )
        self.subnet = openstack.networking.Subnet(
            name,
            name=name,
            network_id=self.network.id,
            cidr=link.cidr,
            ip_version=4,
            gateway_ip=link.provider_address,
            enable_dhcp=False,
            opts=child,
        )
        self.register_outputs({"network_id": self.network.id, "subnet_id": self.subnet.id})


class ManagementNetwork(pulumi.ComponentResource):
    """The out-of-band management segment (every host's mgmt0): no gateway, not routed."""

    def __init__(
        self, datacenter: str, cidr: str, reserved: Iterable[str], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        name = logical(datacenter, "oob")
        super().__init__(component_type("ManagementNetwork"), name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.network = openstack.networking.Network(
            name, name=name, admin_state_up=True, description="out-of-band management", opts=child
        )
        start, end = dhcp_pool(cidr, reserved)
        self.subnet = openstack.networking.Subnet(
            name,
            name=name,
            network_id=self.network.id,
            cidr=cidr,
            ip_version=4,
            no_gateway=True,
            enable_dhcp=True,
            allocation_pools=[openstack.networking.SubnetAllocationPoolArgs(start=start, end=end)],
            opts=child,
        )
        self.register_outputs({"network_id": self.network.id, "subnet_id": self.subnet.id})
