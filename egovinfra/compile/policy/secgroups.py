"""OpenStack security groups: one per datacenter zone, from the same accesses as nftables.

Ingress holds what the flows allow into the zone's hosts (source prefix, protocol, ports)
plus ssh from the out-of-band management network. Egress is open (docs/policy.md): the
intent is enforced where traffic arrives and where it crosses a hub or gateway.
"""

from __future__ import annotations

from egovinfra.compile.plan import Plan
from egovinfra.compile.policy.access import Access, merged
from egovinfra.compile.policy.model import SecurityGroup, SgRule
from egovinfra.compile.ssh import MANAGEMENT_SSH_PORT

ANYWHERE = "0.0.0.0/0"
OPEN_EGRESS = "egress open: the flows are enforced where traffic arrives"
MANAGEMENT = "management: ssh from the out-of-band network (Ansible)"
EGRESS = (
    SgRule("egress", "tcp", 1, 65535, ANYWHERE, "", OPEN_EGRESS),
    SgRule("egress", "udp", 1, 65535, ANYWHERE, "", OPEN_EGRESS),
    SgRule("egress", "icmp", None, None, ANYWHERE, "", OPEN_EGRESS),
)


def _ingress(access: Access) -> list[SgRule]:
    out: list[SgRule] = []
    sources = merged(tuple(s.cidr for s in access.sources))
    for first, last in access.ports:
        lo, hi = (first, None) if access.protocol == "icmp" else (first, last)
        out.extend(
            SgRule(
                "ingress",
                access.protocol,
                lo,
                hi,
                cidr,
                access.flow,
                f"flow {access.flow}: {access.service}",
            )
            for cidr in sources
        )
    return out


def compile_security_groups(plan: Plan, accesses: tuple[Access, ...]) -> tuple[SecurityGroup, ...]:
    """One security group per zone of every datacenter, in datacenter then zone order."""
    zone_of = {h.name: f"{h.scope}/{h.zone}" for h in plan.hosts if h.kind == "datacenter"}
    by_zone: dict[str, dict[tuple[object, ...], SgRule]] = {}
    management = SgRule(
        "ingress", "tcp", MANAGEMENT_SSH_PORT, MANAGEMENT_SSH_PORT, plan.pools.management, "", MANAGEMENT
    )
    for dc in plan.datacenters:
        for zone in dc.zones:
            by_zone[zone.key] = {_key(management): management}
    for access in accesses:
        # Site gateways offer a few services too (their exporter): they have no security group.
        for key in dict.fromkeys(zone_of[h] for h in access.hosts if h in zone_of):
            rules = by_zone[key]
            for rule in _ingress(access):
                # OpenStack refuses two rules that differ only by description: keep the first.
                rules.setdefault(_key(rule), rule)
    return tuple(SecurityGroup(zone, (*rules.values(), *EGRESS)) for zone, rules in by_zone.items())


def _key(rule: SgRule) -> tuple[object, ...]:
    return (rule.direction, rule.protocol, rule.port_min, rule.port_max, rule.remote_cidr)
