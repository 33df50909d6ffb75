"""Reading the compiled policy back as data: a small nftables evaluator and path walker.

It evaluates the rules of `plan.policy.rulesets` (the data model, not the rendered text)
for one new connection, so tests can hold the rules against the intent's matrix.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from ipaddress import IPv4Address, IPv4Network

from egovinfra.compile.plan import Host, Plan
from egovinfra.compile.policy.model import NftRule, Ruleset
from egovinfra.verify.expectations import Expectation

TUNNEL = "ipsec0"  # the lab's libipsec TUN device; the rules must not depend on it


@dataclass(frozen=True)
class Packet:
    """The first packet of a new connection as one hook sees it."""

    saddr: str
    daddr: str
    protocol: str
    dport: int | None
    iif: str = ""
    oif: str = ""
    ipsec_in: bool = False
    ipsec_out: bool = False


def prefixes(ruleset: Ruleset, literal: tuple[str, ...], named: str) -> list[IPv4Network] | None:
    """The prefixes a match names, or None when the rule does not match on them."""
    items = ruleset.set_elements(named) if named else literal
    return [IPv4Network(p) for p in items] if items else None


def _inside(address: str, nets: list[IPv4Network] | None) -> bool:
    return nets is None or any(IPv4Address(address) in n for n in nets)


def matches(ruleset: Ruleset, rule: NftRule, pkt: Packet) -> bool:
    """Does `rule` match the first packet `pkt` of a new connection?"""
    if rule.ct:
        return False  # a new, valid connection
    if (rule.iif and rule.iif != pkt.iif) or (rule.oif and rule.oif != pkt.oif):
        return False
    saddr = prefixes(ruleset, rule.saddr, rule.saddr_set)
    if saddr is not None and _inside(pkt.saddr, saddr) == rule.saddr_negate:
        return False
    if not _inside(pkt.daddr, prefixes(ruleset, rule.daddr, rule.daddr_set)):
        return False
    if rule.ipsec_in is not None and rule.ipsec_in != pkt.ipsec_in:
        return False
    if rule.ipsec_out is not None and rule.ipsec_out != pkt.ipsec_out:
        return False
    if rule.protocol and rule.protocol != pkt.protocol:
        return False
    if rule.dports:
        if pkt.protocol == "icmp":
            return pkt.dport is None  # echo request
        return pkt.dport is not None and any(a <= pkt.dport <= b for a, b in rule.dports)
    return not rule.sports


def verdict(ruleset: Ruleset, chain: str, pkt: Packet) -> str:
    """accept or drop: the first matching rule's action, else the chain's policy."""
    base = ruleset.chain(chain)  # type: ignore[arg-type]
    for rule in base.rules:
        if matches(ruleset, rule, pkt):
            return rule.action
    return base.policy


def passes(ruleset: Ruleset, hook: str, pkt: Packet) -> bool:
    """Through prerouting, then the input or forward chain."""
    return verdict(ruleset, "prerouting", pkt) == "accept" and verdict(ruleset, hook, pkt) == "accept"


def _source_address(plan: Plan, row: Expectation) -> str:
    if row.source_kind == "management":
        return str(IPv4Network(plan.pools.management).network_address + 1)
    if row.probe:
        return plan.host(row.probe).address
    net = IPv4Network(
        next(s.lan for s in plan.sites if s.name == row.source)
        if row.source_kind == "site"
        else _zone_cidr(plan, row.source)
    )
    return str(net.network_address + 100)


def _zone_cidr(plan: Plan, key: str) -> str:
    dc, _, zone = key.partition("/")
    return plan.datacenter(dc).zone(zone).cidr


def _hub(plan: Plan, dc: str) -> Ruleset:
    return plan.policy.rulesets[plan.datacenter(dc).hub]


def _into_site(plan: Plan, dest: Host, pkt: Packet) -> list[tuple[Ruleset, str, Packet]]:
    site = next(s for s in plan.sites if s.name == dest.scope)
    gateway = plan.host(site.gateway)
    if not gateway.managed:
        return []
    hook = "input" if dest.name == gateway.name else "forward"
    return [(plan.policy.rulesets[gateway.name], hook, replace(pkt, iif=TUNNEL, oif="lan0"))]


def hops(plan: Plan, row: Expectation) -> list[tuple[Ruleset, str, Packet]]:
    """Every (ruleset, hook, packet) a new connection of `row` meets on its way."""
    rules = plan.policy.rulesets
    dest: Host = plan.host(row.destination)
    pkt = Packet(_source_address(plan, row), row.address, row.protocol, row.port)
    if row.source_kind == "management":
        return [(rules[dest.name], "input", replace(pkt, iif="mgmt0"))]
    out: list[tuple[Ruleset, str, Packet]] = []
    if row.source_kind == "site":
        gateway = plan.host(next(s.gateway for s in plan.sites if s.name == row.source))
        if gateway.managed:
            out.append((rules[gateway.name], "forward", replace(pkt, iif="lan0", oif=TUNNEL)))
        entry, arriving = (dest.scope if dest.kind == "datacenter" else plan.primary.name), TUNNEL
    else:
        entry, arriving = row.source.partition("/")[0], "eth0"
    if dest.kind == "site":
        out.append((_hub(plan, entry), "forward", replace(pkt, iif=arriving, oif=TUNNEL)))
        return out + _into_site(plan, dest, pkt)
    if arriving == "eth0" and entry != dest.scope:
        out.append((_hub(plan, entry), "forward", replace(pkt, iif="eth0", oif=TUNNEL)))
        arriving = TUNNEL
    hub = plan.datacenter(dest.scope).hub
    if dest.name == hub:
        return [*out, (rules[hub], "input", replace(pkt, iif=arriving))]
    if arriving == TUNNEL:
        out.append((rules[hub], "forward", replace(pkt, iif=TUNNEL, oif="eth0")))
    return [*out, (rules[dest.name], "input", replace(pkt, iif="eth0"))]


def allowed_by_rules(plan: Plan, row: Expectation) -> bool:
    """Does `row`'s connection pass every ruleset on its way?"""
    return all(passes(ruleset, hook, pkt) for ruleset, hook, pkt in hops(plan, row))
