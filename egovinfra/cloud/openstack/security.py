"""Security groups: each zone's from the compiled policy, and the VPN hub's.

Every group drops Neutron's default rules, so a port allows exactly what its groups list.
Zone groups carry the policy compiler's rules unchanged (the same intent as the hosts'
nftables) and guard every port of the zone's hosts, the out-of-band one included. The hub
has one more group: IKE from the WAN, and the flows it forwards out of the datacenter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pulumi
import pulumi_openstack as openstack

from egovinfra.cloud.openstack.names import component_type, logical
from egovinfra.compile.plan import Datacenter, Plan
from egovinfra.compile.policy.model import ICMP_ECHO_REQUEST, SgRule

IKE_PORTS = (500, 4500)  # IKE and NAT-T (a floating IP is NAT, so ESP arrives in UDP 4500)
PEER_HUB = "IKE/NAT-T with the other hub (its stack's output)"
Match = tuple[str, str, int | None, int | None]  # what Neutron matches besides the remote


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


def hub_ike_rules(dc: Datacenter) -> tuple[SgRule, ...]:
    """IKE and NAT-T both ways with every source the Plan gives the hub's peers."""
    return tuple(
        SgRule(direction, "udp", port, port, source, "", "IKE/NAT-T with the intranet's gateways and the other hub")
        for source in dc.ike_sources
        for port in IKE_PORTS
        for direction in ("ingress", "egress")
    )


def bastion_rules(plan: Plan, cidrs: Iterable[str]) -> tuple[SgRule, ...]:
    """The operators' way in: the Plan's management TCP services of the bastion, from `cidrs`."""
    ports = dict.fromkeys(
        p
        for s in plan.services
        if s.management and any("bastion" in plan.host(h).roles for h in s.hosts)
        for p in s.ports
        if p.protocol == "tcp"
    )
    return tuple(
        SgRule("ingress", "tcp", p.first, p.last, cidr, "", "operators to the bastion's floating IP")
        for p in ports
        for cidr in cidrs
    )


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


def compressed(rules: Iterable[SgRule]) -> dict[Match, list[RuleKey]]:
    """Unique rules by what Neutron matches besides the remote (direction, protocol, ports):
    each entry with several remotes can be one rule on an address group."""
    out: dict[Match, list[RuleKey]] = {}
    for key in unique_rules(rules):
        out.setdefault((key.direction, key.protocol, key.port_min, key.port_max), []).append(key)
    return out


class SecurityPolicy(pulumi.ComponentResource):
    """The security groups of one datacenter: one per zone from the policy, and the hub's own.

    With `address_groups`, rules that differ only by their remote become one rule on a
    Neutron address group (named after the rule, so a changed prefix list updates it in place).
    """

    def __init__(
        self,
        plan: Plan,
        dc: Datacenter,
        *,
        address_groups: bool,
        operator_cidrs: tuple[str, ...] = (),
        peer_hub: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`peer_hub`: the other hub's public address, read from its stack when the Plan has none."""
        name = logical(dc.name, "security")
        super().__init__(component_type("SecurityPolicy"), name, None, opts)
        self._address_groups = address_groups
        self.zones: dict[str, openstack.networking.SecGroup] = {}
        for zone, rules in zone_rules(plan, dc).items():
            self.zones[zone] = self._group(
                logical(dc.name, zone), f"zone {dc.name}/{zone}: rules compiled from the flows", rules
            )
        # The other hub's floating IP, read from its stack, joins the IKE rules' remotes (one
        # address group, not four more rules, when address groups are on).
        late: dict[Match, pulumi.Input[str]] = {}
        if peer_hub is not None:
            peer = pulumi.Output.from_input(peer_hub).apply(lambda a: f"{a}/32")
            late = {(d, "udp", p, p): peer for p in IKE_PORTS for d in ("ingress", "egress")}
        self.hub = self._group(
            logical(dc.name, "hub"),
            "the VPN hub: IKE/NAT-T with its peers' public addresses, forwarded flows",
            hub_ike_rules(dc) + transit_rules(plan, dc),
            late,
        )
        self.bastion = (
            self._group(
                logical(dc.name, "bastion"), "operators' SSH to the bastion", bastion_rules(plan, operator_cidrs)
            )
            if operator_cidrs
            else None
        )
        self.register_outputs({})

    def _group(
        self,
        name: str,
        description: str,
        rules: Iterable[SgRule],
        late: Mapping[Match, pulumi.Input[str]] | None = None,
    ) -> openstack.networking.SecGroup:
        """The group and its rules; `late`: one more remote per match, known only at deploy time."""
        group = openstack.networking.SecGroup(
            name,
            name=name,
            description=description,
            delete_default_rules=True,
            stateful=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
        rules = tuple(rules)
        same = unique_rules(rules)
        late = late or {}
        matches = compressed(rules)
        for match in late:
            matches.setdefault(match, [])
        for match, keys in matches.items():
            extra = late.get(match)
            grouped = [r for k in keys for r in same[k]]
            if self._address_groups and len(keys) + (extra is not None) > 1:
                remotes: list[pulumi.Input[str]] = [*sorted(k.remote_cidr for k in keys)]
                self._grouped_rule(group, name, match, [*remotes, *([extra] if extra is not None else [])], grouped)
                continue
            for key in keys:
                self._rule(
                    group, logical(name, *match, key.remote_cidr), match, same[key], remote_ip_prefix=key.remote_cidr
                )
            if extra is not None:
                self._rule(group, logical(name, *match, "peer-hub"), match, (), remote_ip_prefix=extra)
        return group

    def _grouped_rule(
        self,
        group: openstack.networking.SecGroup,
        name: str,
        match: Match,
        addresses: list[pulumi.Input[str]],
        rules: list[SgRule],
    ) -> None:
        rule_name = logical(name, *match)
        address_group = openstack.networking.AddressGroupV2(
            rule_name,
            name=rule_name,
            addresses=addresses,
            description=_description(tuple(rules)),
            opts=pulumi.ResourceOptions(parent=group),
        )
        self._rule(group, rule_name, match, tuple(rules), remote_address_group_id=address_group.id)

    def _rule(
        self,
        group: openstack.networking.SecGroup,
        name: str,
        match: Match,
        rules: tuple[SgRule, ...],
        **remote: pulumi.Input[str],
    ) -> None:
        direction, protocol, port_min, port_max = match
        openstack.networking.SecGroupRule(
            name,
            security_group_id=group.id,
            direction=direction,
            ethertype="IPv4",
            protocol=protocol,
            port_range_min=port_min,
            port_range_max=port_max,
            description=_description(rules) or PEER_HUB,
            opts=pulumi.ResourceOptions(parent=group),
            **remote,
        )
