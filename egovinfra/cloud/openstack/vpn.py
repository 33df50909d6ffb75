"""The datacenter's end of the intranet: a strongSwan hub behind a floating IP, or Neutron VPNaaS.

strongswan (default): the hub is an instance converged by the ipsec role; Pulumi gives it a
floating IP on its edge port. vpnaas: the router itself terminates the tunnels; the policies
come from `egovinfra.compile.vpn.neutron` (the same mapping the tunnel check verifies), every
value set explicitly because Neutron's defaults are IKEv1, SHA-1 and group 5. VPNaaS only
knows pre-shared keys: one per site connection, a Pulumi secret read from the file the peer's
strongSwan reads too (`egovinfra pki psk`), never in the Plan or a stack file.

Neutron refuses endpoint groups and site connections on subnets not yet on the router
(`SubnetIsNotConnectedToRouter`): both wait for the router interfaces.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_openstack as openstack

from egovinfra.cloud.errors import CloudError
from egovinfra.cloud.openstack.names import component_type, logical
from egovinfra.cloud.openstack.network import ZoneNetwork
from egovinfra.compile.plan import Datacenter, Plan
from egovinfra.compile.vpn.model import Connection
from egovinfra.compile.vpn.neutron import NeutronVpn, NotExpressible, neutron_vpn


class StrongswanHub(pulumi.ComponentResource):
    """The hub's public face: a floating IP on its wan0 port (IKE arrives NATed, hence NAT-T)."""

    def __init__(
        self,
        dc: Datacenter,
        port: openstack.networking.Port,
        *,
        external_network: str,
        depends_on: list[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        name = logical(dc.hub)
        super().__init__(component_type("StrongswanHub"), name, None, opts)
        self.floating_ip = openstack.networking.FloatingIp(
            name,
            pool=external_network,
            description=f"IKE endpoint of {dc.hub}",
            # The topology's public address is requested as is (Neutron lets only admins choose
            # one, or keeps the one this stack already holds); else the cloud picks.
            address=dc.public_address,
            opts=pulumi.ResourceOptions(parent=self),
        )
        # The WAN subnet must be on the router before Neutron can associate the address.
        openstack.networking.FloatingIpAssociate(
            name,
            floating_ip=self.floating_ip.address,
            port_id=port.id,
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends_on),
        )
        self.public_address: pulumi.Output[str] = self.floating_ip.address
        self.register_outputs({"public_address": self.public_address})


def neutron_settings(plan: Plan, dc: Datacenter) -> NeutronVpn:
    """The Neutron policies for the Plan's crypto, or CloudError saying what Neutron cannot do."""
    try:
        return neutron_vpn(plan.crypto)
    except NotExpressible as exc:
        raise CloudError(f"datacenter {dc.name}: vpn_backend vpnaas: {exc}") from None


class VpnaasGateway(pulumi.ComponentResource):
    """Neutron VPNaaS on the datacenter router: policies, service, endpoint groups, connections."""

    def __init__(
        self,
        plan: Plan,
        dc: Datacenter,
        *,
        router: openstack.networking.Router,
        interfaces: Sequence[pulumi.Resource],
        zones: Mapping[str, ZoneNetwork],
        psks: Mapping[str, pulumi.Input[str]],
        peer_hub: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`psks`: the secret key of each tunnel of the hub, by tunnel name; `peer_hub`: the
        other hub's public address read from its stack (None: the Plan's address)."""
        name = logical(dc.name, "vpn")
        super().__init__(component_type("VpnaasGateway"), name, None, opts)
        connections = plan.vpn.connections(dc.hub)
        missing = [c.name for c in connections if c.name not in psks]
        if missing:
            raise CloudError(
                f"datacenter {dc.name} uses VPNaaS, which needs a pre-shared key per tunnel; "
                f"none for {', '.join(missing)}: run `egovinfra pki psk`"
            )
        nv = neutron_settings(plan, dc)
        child = pulumi.ResourceOptions(parent=self)
        self.ike = openstack.vpnaas.IkePolicy(
            logical(dc.name, "ike"),
            name=logical(dc.name, "ike"),
            ike_version=nv.ike_version,
            encryption_algorithm=nv.ike.encryption_algorithm,
            auth_algorithm=nv.ike.auth_algorithm,
            pfs=nv.ike.pfs,
            phase1_negotiation_mode=nv.phase1_negotiation_mode,
            lifetimes=[
                openstack.vpnaas.IkePolicyLifetimeArgs(units=nv.ike.lifetime_units, value=nv.ike.lifetime_value)
            ],
            opts=child,
        )
        self.ipsec = openstack.vpnaas.IpSecPolicy(
            logical(dc.name, "ipsec"),
            name=logical(dc.name, "ipsec"),
            transform_protocol=nv.transform_protocol,
            encapsulation_mode=nv.encapsulation_mode,
            encryption_algorithm=nv.ipsec.encryption_algorithm,
            auth_algorithm=nv.ipsec.auth_algorithm,
            pfs=nv.ipsec.pfs,
            lifetimes=[
                openstack.vpnaas.IpSecPolicyLifetimeArgs(units=nv.ipsec.lifetime_units, value=nv.ipsec.lifetime_value)
            ],
            opts=child,
        )
        self.service = openstack.vpnaas.Service(
            name,
            name=name,
            router_id=router.id,
            admin_state_up=True,
            description=f"intranet hub of {dc.name}",
            opts=child,
        )
        # Neutron's local side is a list of subnets: the zones, which the Plan's supernet covers
        # (IKEv2 narrows the peers' proposed supernet to them).
        self._attached = pulumi.ResourceOptions(parent=self, depends_on=list(interfaces))
        self.local = openstack.vpnaas.EndpointGroup(
            logical(dc.name, "local"),
            name=logical(dc.name, "local"),
            type="subnet",
            endpoints=[z.subnet.id for z in zones.values()],
            opts=self._attached,
        )
        self.connections = [
            self._connection(
                conn,
                nv,
                psks[conn.name],
                peer_hub if peer_hub is not None and plan.vpn.tunnel(conn.name).kind == "datacenter" else None,
            )
            for conn in connections
        ]
        self.public_address: pulumi.Output[str] = self.service.external_v4_ip
        self.register_outputs({"public_address": self.public_address})

    def _connection(
        self, conn: Connection, nv: NeutronVpn, psk: pulumi.Input[str], peer_hub: pulumi.Input[str] | None
    ) -> openstack.vpnaas.SiteConnection:
        child = pulumi.ResourceOptions(parent=self)
        peer = openstack.vpnaas.EndpointGroup(
            logical(conn.name, "peer"),
            name=logical(conn.name, "peer"),
            type="cidr",
            endpoints=[ts for child_sa in conn.children for ts in child_sa.remote_ts],
            opts=child,
        )
        return openstack.vpnaas.SiteConnection(
            conn.name,
            name=conn.name,
            ikepolicy_id=self.ike.id,
            ipsecpolicy_id=self.ipsec.id,
            vpnservice_id=self.service.id,
            local_ep_group_id=self.local.id,
            peer_ep_group_id=peer.id,
            peer_address=conn.remote_addr if peer_hub is None else peer_hub,
            peer_id=conn.remote_id,
            local_id=conn.local_id,
            psk=psk,
            initiator="bi-directional" if conn.initiator else "response-only",
            admin_state_up=True,
            dpds=[
                openstack.vpnaas.SiteConnectionDpdArgs(
                    action=nv.dpd_action, interval=nv.dpd_interval, timeout=nv.dpd_timeout
                )
            ],
            opts=self._attached,
        )
