"""Instances of a datacenter: server groups, ports with the Plan's addresses, volumes.

Data outlives its instance: volumes are protected (Pulumi refuses to delete them) and kept in
Cinder when removed from the stack. A renamed host (the topology's `former_names`) keeps its
resources through aliases, and a changed server-group policy replaces the groups, not the
instances (their scheduler hints are read once, at boot).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_openstack as openstack

from egovinfra.cloud.openstack.names import component_type, logical
from egovinfra.cloud.openstack.network import ManagementNetwork, WanNetwork, ZoneNetwork
from egovinfra.cloud.openstack.security import SecurityPolicy
from egovinfra.cloud.settings import CloudSettings
from egovinfra.compile.plan import Datacenter, Host, Interface


@dataclass(frozen=True)
class Server:
    """What the rest of the stack needs from one host: its instance and its ports by interface."""

    host: Host
    instance: openstack.compute.Instance
    ports: Mapping[str, openstack.networking.Port]  # interface name → port


def redundant_functions(hosts: tuple[Host, ...]) -> dict[str, tuple[str, ...]]:
    """Host functions with two or more hosts in the datacenter, and those hosts: the only
    places where an anti-affinity group means something (and costs a server-group quota)."""
    by_function: dict[str, list[str]] = {}
    for h in hosts:
        by_function.setdefault(h.roles[0], []).append(h.name)
    return {fn: tuple(names) for fn, names in by_function.items() if len(names) > 1}


def _aliases(host: Host, *suffix: object) -> list[pulumi.Input[str | pulumi.Alias]]:
    return [pulumi.Alias(name=logical(old, *suffix)) for old in host.former_names]


def forwarded_prefixes(dc: Datacenter) -> tuple[str, ...]:
    """What the hub forwards for others: the destinations the router sends to it."""
    return tuple(dict.fromkeys(r.destination for r in dc.router_routes))


class Servers(pulumi.ComponentResource):
    """Server groups (per redundant host function), then each host's ports, instance and volumes."""

    def __init__(
        self,
        dc: Datacenter,
        hosts: tuple[Host, ...],
        *,
        zones: Mapping[str, ZoneNetwork],
        management: ManagementNetwork,
        security: SecurityPolicy,
        settings: CloudSettings,
        wan: WanNetwork | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`wan`: the strongSwan hub's WAN link, where its wan0 port goes (None with VPNaaS)."""
        name = logical(dc.name, "servers")
        super().__init__(component_type("Servers"), name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self._dc, self._zones, self._mgmt, self._security, self._wan = dc, zones, management, security, wan
        self.groups = {
            fn: openstack.compute.ServerGroup(
                logical(dc.name, fn), name=logical(dc.name, fn), policies=settings.server_group_policy, opts=child
            )
            for fn in redundant_functions(hosts)
        }
        self.servers = {h.name: self._server(h, settings) for h in hosts}
        self.register_outputs({})

    def _port(self, host: Host, iface: Interface) -> openstack.networking.Port | None:
        opts = pulumi.ResourceOptions(parent=self, aliases=_aliases(host, iface.name))
        name = logical(host.name, iface.name)
        if host.zone is None:
            return None
        if iface.kind == "wan":
            if self._wan is None or host.name != self._dc.hub:
                return None
            # IKE/NAT-T only: the hub's group, not the zone's (no ssh or services on the WAN).
            return openstack.networking.Port(
                name,
                name=name,
                network_id=self._wan.network.id,
                admin_state_up=True,
                fixed_ips=[openstack.networking.PortFixedIpArgs(subnet_id=self._wan.subnet.id, ip_address=iface.ip)],
                security_group_ids=[self._security.hub.id],
                opts=opts,
            )
        if iface.kind not in ("zone", "mgmt"):
            return None
        zone_group = self._security.zones[host.zone].id
        if iface.kind == "mgmt":
            return openstack.networking.Port(
                name,
                name=name,
                network_id=self._mgmt.network.id,
                admin_state_up=True,
                fixed_ips=[openstack.networking.PortFixedIpArgs(subnet_id=self._mgmt.subnet.id, ip_address=iface.ip)],
                security_group_ids=[zone_group],
                opts=opts,
            )
        zone = self._zones[host.zone]
        is_hub = host.name == self._dc.hub
        groups = [zone_group, *([self._security.hub.id] if is_hub else [])]
        if "bastion" in host.roles and self._security.bastion is not None:
            groups.append(self._security.bastion.id)
        # The hub forwards the intranet's traffic: Neutron's anti-spoofing must let it through.
        pairs = [
            openstack.networking.PortAllowedAddressPairArgs(ip_address=p)
            for p in (forwarded_prefixes(self._dc) if is_hub else ())
        ]
        return openstack.networking.Port(
            name,
            name=name,
            network_id=zone.network.id,
            admin_state_up=True,
            fixed_ips=[openstack.networking.PortFixedIpArgs(subnet_id=zone.subnet.id, ip_address=iface.ip)],
            security_group_ids=groups,
            allowed_address_pairs=pairs or None,
            opts=opts,
        )

    def _server(self, host: Host, settings: CloudSettings) -> Server:
        ports = {i.name: p for i in host.interfaces if (p := self._port(host, i)) is not None}
        group = self.groups.get(host.roles[0])
        instance = openstack.compute.Instance(
            host.name,
            name=host.name,
            flavor_name=settings.flavor_of(host.roles),
            image_name=settings.image_of(host.roles),
            key_pair=settings.key_pair or None,
            networks=[openstack.compute.InstanceNetworkArgs(port=p.id) for p in ports.values()],
            scheduler_hints=[openstack.compute.InstanceSchedulerHintArgs(group=group.id)] if group else None,
            user_data=settings.user_data,
            metadata={
                "egovinfra_host": host.name,
                "egovinfra_fqdn": host.fqdn,
                "egovinfra_functions": ",".join(host.roles),
            },
            # Nova reads hints and user data at boot only: a new group or key list must not
            # replace running instances (the next rebuild picks them up).
            opts=pulumi.ResourceOptions(
                parent=self, aliases=_aliases(host), ignore_changes=["schedulerHints", "userData"]
            ),
        )
        for fn in host.roles:
            if fn not in settings.volume_sizes:
                continue
            volume = openstack.blockstorage.Volume(
                logical(host.name, fn),
                name=logical(host.name, fn),
                size=settings.volume_sizes[fn],
                volume_type=settings.volume_type,
                description=f"{fn} data of {host.fqdn}",
                opts=pulumi.ResourceOptions(
                    parent=self, protect=True, retain_on_delete=True, aliases=_aliases(host, fn)
                ),
            )
            openstack.compute.VolumeAttach(
                logical(host.name, fn),
                instance_id=instance.id,
                volume_id=volume.id,
                opts=pulumi.ResourceOptions(parent=self, aliases=_aliases(host, fn)),
            )
        return Server(host, instance, ports)
