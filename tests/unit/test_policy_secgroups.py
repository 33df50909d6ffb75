"""Security groups and nftables allow exactly the same (source, destination, port) sets."""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from ipaddress import IPv4Network, collapse_addresses

from egovinfra.compile import Plan, compile_loaded
from egovinfra.compile.policy.model import SecurityGroup
from egovinfra.model import load_topology
from tests.support.policy import prefixes

Allowed = dict[tuple[str, int], tuple[IPv4Network, ...]]  # (protocol, port or icmp type) → sources, collapsed


def _collapsed(found: dict[tuple[str, int], list[IPv4Network]]) -> Allowed:
    """Each key's sources as the fewest prefixes holding exactly their addresses (a set of addresses)."""
    return {key: tuple(collapse_addresses(nets)) for key, nets in found.items()}


@cache
def default_plan() -> Plan:
    return compile_loaded(load_topology(None))


def _nft_ingress(plan: Plan, zone: str) -> Allowed:
    """What the input chains of the zone's hosts accept from flows and management."""
    out: dict[tuple[str, int], list[IPv4Network]] = defaultdict(list)
    for host in plan.hosts:
        if f"{host.scope}/{host.zone}" != zone:
            continue
        ruleset = plan.policy.rulesets[host.name]
        for rule in ruleset.chain("input").rules:
            if rule.kind not in ("flow", "management") or rule.action != "accept":
                continue
            sources = prefixes(ruleset, rule.saddr, rule.saddr_set)
            assert sources is not None, f"{host.name}: an accept without a source: {rule}"
            assert rule.protocol in ("tcp", "udp", "icmp")
            for first, last in rule.dports:
                for port in range(first, last + 1):
                    out[(rule.protocol, port)].extend(IPv4Network(s) for s in sources)
    return _collapsed(out)


def _sg_ingress(group: SecurityGroup) -> Allowed:
    out: dict[tuple[str, int], list[IPv4Network]] = defaultdict(list)
    for rule in group.rules:
        if rule.direction != "ingress":
            continue
        assert rule.port_min is not None
        last = rule.port_min if rule.protocol == "icmp" else rule.port_max
        assert last is not None
        for port in range(rule.port_min, last + 1):
            out[(rule.protocol, port)].append(IPv4Network(rule.remote_cidr))
    return _collapsed(out)


def test_one_group_per_zone() -> None:
    plan = default_plan()
    zones = {z.key for dc in plan.datacenters for z in dc.zones}
    assert {g.zone for g in plan.policy.security_groups} == zones


def test_nftables_and_security_groups_allow_the_same_per_zone() -> None:
    plan = default_plan()
    for group in plan.policy.security_groups:
        nft, sg = _nft_ingress(plan, group.zone), _sg_ingress(group)
        assert nft.keys() == sg.keys(), group.zone
        for key in nft:
            assert nft[key] == sg[key], (group.zone, key)


def test_the_comparison_sees_real_content() -> None:
    """Guard against an empty comparison: the data zone takes replication and PostgreSQL."""
    sg = _sg_ingress(next(g for g in default_plan().policy.security_groups if g.zone == "yde/data"))
    assert [str(n) for n in sg[("tcp", 5432)]] == ["10.1.2.0/23", "10.2.2.0/23"]  # the four app and data zones
    assert ("tcp", 443) not in sg
    assert any(IPv4Network("10.128.0.0/11").subnet_of(n) for n in sg[("tcp", 22)])


def test_no_duplicate_rules_openstack_would_refuse() -> None:
    for group in default_plan().policy.security_groups:
        keys = [(r.direction, r.protocol, r.port_min, r.port_max, r.remote_cidr) for r in group.rules]
        assert len(keys) == len(set(keys)), group.zone


def test_egress_is_open_as_documented() -> None:
    for group in default_plan().policy.security_groups:
        egress = {(r.protocol, r.remote_cidr) for r in group.rules if r.direction == "egress"}
        assert egress == {("tcp", "0.0.0.0/0"), ("udp", "0.0.0.0/0"), ("icmp", "0.0.0.0/0")}
