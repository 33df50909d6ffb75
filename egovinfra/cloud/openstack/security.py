"""Security groups: each zone's from the compiled policy, and the VPN hub's.

Every group drops Neutron's default rules, so a port allows exactly what its groups list.
Zone groups carry the policy compiler's rules unchanged (the same intent as the hosts'
nftables) and guard every port of the zone's hosts, the out-of-band one included. The hub
has one more group: IKE from the WAN, and the flows it forwards out of the datacenter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pulumi
import pulumi_openstack as openstack

from egovinfra.cloud.openstack.names import component_type, logical
from egovinfra.compile.plan import Datacenter, Plan
from egovinfra.compile.policy.model import ICMP_ECHO_REQUEST, SgRule

IKE_PORTS = (500, 4500)  # IKE and NAT-T (a floating IP is NAT, so ESP arrives in UDP 4500)


@dataclass(frozen=True, slots=True)
class RuleKey:
    """What Neutron compares to call two rules the same (it refuses duplicates)."""

    direction: str
    protocol: str
    port_min: int | None
    port_max: int | None
    remote_cidr: str


def rule_key(rule: SgRule) -> RuleKey:
    """The Neutron identity of a policy rule."""
    return RuleKey(rule.direction, rule.protocol, rule.port_min, rule.port_max, rule.remote_cidr)


def unique_rules(rules: Iterable[SgRule]) -> dict[RuleKey, tuple[SgRule, ...]]:
    """Rules grouped by Neutron identity, in first-seen order (several flows may open the same)."""
    out: dict[RuleKey, list[SgRule]] = {}
    for rule in rules:
        out.setdefault(rule_key(rule), []).append(rule)
    return {key: tuple(group) for key, group in out.items()}


def zone_rules(plan: Plan, dc: Datacenter) -> dict[str, tuple[SgRule, ...]]:
    """The policy compiler's rules of each zone of `dc`, by zone name (empty when none)."""
    by_zone = {sg.zone: sg.rules for sg in plan.policy.security_groups}
    return {zone.name: by_zone.get(zone.key, ()) for zone in dc.zones}


def _description(rules: tuple[SgRule, ...]) -> str:
    return "; ".join(dict.fromkeys(r.description or r.flow for r in rules))[:255]  # Neutron's limit


def transit_rules(plan: Plan, dc: Datacenter) -> tuple[SgRule, ...]:
    """What the hub's port must let in because it forwards it: flows from this datacenter's
    zones to hosts elsewhere (the other datacenter), which the router sends through the hub.

    Neutron filters forwarded packets like any other, and a zone's group describes what
    reaches the zone's own hosts, not what crosses the hub; this is the same intent (the
    flows), read from the hub's side.
    """
    local = {h.name for h in plan.hosts if h.kind == "datacenter" and h.scope == dc.name}
    services = {s.name: s for s in plan.services}
    out: list[SgRule] = []
    for flow in plan.flows:
        sources = [s for s in flow.sources if s.kind == "zone" and s.name.split("/", 1)[0] == dc.name]
        for target in flow.targets:
            if not sources or all(h in local for h in target.hosts):
                continue
            for port in services[target.service].ports:
                first, last = (ICMP_ECHO_REQUEST, None) if port.protocol == "icmp" else (port.first, port.last)
                out.extend(
                    SgRule(
                        "ingress",
                        port.protocol,
                        first,
                        last,
                        src.cidr,
                        flow.name,
                        f"flow {flow.name}: {target.service} through the hub",
                    )
                    for src in sources
                )
    return tuple(out)


class SecurityPolicy(pulumi.ComponentResource):
    """The security groups of one datacenter: one per zone from the policy, and the hub's own."""

    def __init__(self, plan: Plan, dc: Datacenter, opts: pulumi.ResourceOptions | None = None) -> None:
        name = logical(dc.name, "security")
        super().__init__(component_type("SecurityPolicy"), name, None, opts)
        self.zones: dict[str, openstack.networking.SecGroup] = {}
        for zone, rules in zone_rules(plan, dc).items():
            self.zones[zone] = self._group(
                logical(dc.name, zone), f"zone {dc.name}/{zone}: rules compiled from the flows", rules
            )
        ike = tuple(
            SgRule(
                direction,
                "udp",
                port,
                port,
                plan.pools.wan,
                "",
                "IKE/NAT-T with the intranet's gateways and the other hub",
            )
            for port in IKE_PORTS
            for direction in ("ingress", "egress")
        )
        self.hub = self._group(
            logical(dc.name, "hub"), "the VPN hub: IKE on the WAN, forwarded flows", ike + transit_rules(plan, dc)
        )
        self.register_outputs({})

    def _group(self, name: str, description: str, rules: Iterable[SgRule]) -> openstack.networking.SecGroup:
        group = openstack.networking.SecGroup(
            name,
            name=name,
            description=description,
            delete_default_rules=True,
            stateful=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
        for key, same in unique_rules(rules).items():
            openstack.networking.SecGroupRule(
                logical(name, key.direction, key.protocol, key.port_min, key.port_max, key.remote_cidr),
                security_group_id=group.id,
                direction=key.direction,
                ethertype="IPv4",
                protocol=key.protocol,
                port_range_min=key.port_min,
                port_range_max=key.port_max,
                remote_ip_prefix=key.remote_cidr,
                description=_description(same),
                opts=pulumi.ResourceOptions(parent=group),
            )
        return group
