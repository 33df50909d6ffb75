"""Variables of the `nftables` role: the host's compiled ruleset as nft statements.

The rules are data on the Plan (`plan.policy.rulesets`); this module only spells them in
nft syntax, so the template stays a loop. The same statements serve both IPsec data
paths (kernel XFRM in production, libipsec in the lab): the rules match addresses and
IPsec policy, never the tunnel interface, so `ipsec_backend` does not change them.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from egovinfra.compile.plan import Host
from egovinfra.compile.policy.model import NftRule, PortRange, Ruleset
from egovinfra.render.hostvars import RenderContext

HOOKS = {"prerouting": "raw", "input": "filter", "forward": "filter", "output": "filter"}


def _elements(items: tuple[str, ...]) -> str:
    return items[0] if len(items) == 1 else "{ " + ", ".join(items) + " }"


def _ports(ranges: tuple[PortRange, ...]) -> str:
    return _elements(tuple(str(a) if a == b else f"{a}-{b}" for a, b in ranges))


def _address(field: str, literal: tuple[str, ...], named: str, negate: bool = False) -> str:
    op = "!= " if negate else ""
    if named:
        return f"ip {field} {op}@{named}"
    return f"ip {field} {op}{_elements(literal)}" if literal else ""


def _protocol(rule: NftRule) -> str:
    proto = rule.protocol
    if proto == "icmp":
        return "icmp type echo-request" if rule.dports else "meta l4proto icmp"
    if proto in ("tcp", "udp"):
        if rule.dports:
            return f"{proto} dport {_ports(rule.dports)}"
        if rule.sports:
            return f"{proto} sport {_ports(rule.sports)}"
    return f"meta l4proto {proto}" if proto else ""


# Many rules are the same on a thousand gateways (state, loopback, default deny, IKE).
@cache
def rule_text(rule: NftRule) -> str:
    """One rule in nft syntax."""
    parts = [
        f'iifname "{rule.iif}"' if rule.iif else "",
        f'oifname "{rule.oif}"' if rule.oif else "",
        f"ct state {rule.ct}" if rule.ct else "",
        _address("saddr", rule.saddr, rule.saddr_set, rule.saddr_negate),
        _address("daddr", rule.daddr, rule.daddr_set),
        "" if rule.ipsec_in is None else f"meta ipsec {'exists' if rule.ipsec_in else 'missing'}",
        "" if rule.ipsec_out is None else f"rt ipsec {'exists' if rule.ipsec_out else 'missing'}",
        _protocol(rule),
        "counter" if rule.counter else "",
        rule.action,
        'comment "{}"'.format(rule.comment.replace('"', "'")) if rule.comment else "",
    ]
    return " ".join(p for p in parts if p)


def ruleset_vars(ruleset: Ruleset) -> dict[str, Any]:
    """The template's variables for one ruleset."""
    return {
        "nftables_table": ruleset.table,
        "nftables_sets": [{"name": s.name, "comment": s.comment, "elements": list(s.elements)} for s in ruleset.sets],
        "nftables_chains": [
            {
                "name": c.name,
                "hook": c.name,
                "priority": HOOKS[c.name],
                "policy": c.policy,
                "rules": [rule_text(r) for r in c.rules],
            }
            for c in ruleset.chains
        ],
    }


def nftables_vars(ctx: RenderContext, host: Host) -> dict[str, Any] | None:
    """Every managed host has a ruleset; vendor edges get theirs from `egovinfra vendor`."""
    ruleset = ctx.plan.policy.rulesets.get(host.name)
    return ruleset_vars(ruleset) if ruleset is not None else None
