"""The datacenter router: external gateway, one interface per zone, routes to the VPN hub."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_openstack as openstack

from egovinfra.cloud.openstack.names import component_type, logical
from egovinfra.cloud.openstack.network import WanNetwork, ZoneNetwork
from egovinfra.compile.plan import Datacenter


class DatacenterRouter(pulumi.ComponentResource):
    """The zone router of a datacenter (each zone's gateway address is its interface)."""

    def __init__(
        self,
        dc: Datacenter,
        external_network_id: pulumi.Input[str],
        zones: Mapping[str, ZoneNetwork],
        wan: WanNetwork | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`wan`: the strongSwan hub's WAN link; the router is its provider side and sends the
        intranet (the Plan's router_routes) to the hub. None with VPNaaS: the router is the hub."""
        name = logical(dc.name)
        super().__init__(component_type("DatacenterRouter"), name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.router = openstack.networking.Router(
            name,
            name=name,
            admin_state_up=True,
            external_network_id=external_network_id,
            description=dc.title or f"datacenter {dc.name}",
            opts=child,
        )
        # The interface takes the subnet's gateway_ip, which is the Plan's zone gateway.
        self.interfaces = {
            zone: openstack.networking.RouterInterface(
                logical(dc.name, zone), router_id=self.router.id, subnet_id=net.subnet.id, opts=child
            )
            for zone, net in zones.items()
        }
        # The interface takes the provider side of the hub's link (the subnet's gateway_ip).
        self.wan_interface = (
            openstack.networking.RouterInterface(
                logical(dc.name, "wan"), router_id=self.router.id, subnet_id=wan.subnet.id, opts=child
            )
            if wan is not None
            else None
        )
        after = pulumi.ResourceOptions(parent=self, depends_on=list(self.interfaces.values()))
        self.routes = [
            openstack.networking.RouterRoute(
                logical(dc.name, "route", route.destination),
                router_id=self.router.id,
                destination_cidr=route.destination,
                next_hop=route.via,
                opts=after,
            )
            for route in (dc.router_routes if wan is not None else ())
        ]
        self.register_outputs({"router_id": self.router.id})
