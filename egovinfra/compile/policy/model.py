"""The compiled security policy: nftables rulesets, security groups, vendor edge terms.

Plain frozen data, no behaviour: the policy compiler builds it, renderers turn it into
files, and tests read it back without parsing any text. Nothing here imports the Plan,
so the Plan can hold a `Policy` without an import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Protocol = Literal["tcp", "udp", "icmp"]
PortRange = tuple[int, int]  # first, last (inclusive); icmp: (type, type)
RuleKind = Literal["state", "loopback", "management", "flow", "ipsec", "antispoof", "final"]
ChainName = Literal["prerouting", "input", "forward", "output"]

TABLE = "egovinfra"
ICMP_ECHO_REQUEST = 8


@dataclass(frozen=True, slots=True)
class NftSet:
    """A named set of IPv4 prefixes (`flags interval`), so rules stay few as sites grow."""

    name: str
    elements: tuple[str, ...]  # merged CIDRs, sorted
    comment: str = ""


@dataclass(frozen=True, slots=True)
class NftRule:
    """One nftables rule as data. Empty match fields match anything.

    `saddr_set`/`daddr_set` name a set of the same ruleset instead of listing prefixes.
    `ipsec_in` is the inbound policy match (`meta ipsec exists|missing`: decrypted by
    XFRM); `ipsec_out` the outbound one (`rt ipsec exists|missing`: routed into XFRM).
    """

    kind: RuleKind
    action: Literal["accept", "drop"]
    comment: str
    iif: str = ""
    oif: str = ""
    ct: str = ""  # "established,related" or "invalid"
    saddr: tuple[str, ...] = ()
    saddr_set: str = ""
    saddr_negate: bool = False
    daddr: tuple[str, ...] = ()
    daddr_set: str = ""
    protocol: Protocol | Literal["esp", ""] = ""
    dports: tuple[PortRange, ...] = ()
    sports: tuple[PortRange, ...] = ()
    ipsec_in: bool | None = None
    ipsec_out: bool | None = None
    counter: bool = False
    flow: str = ""  # the flow this rule implements (kind == "flow")
    service: str = ""


@dataclass(frozen=True, slots=True)
class Chain:
    """A base chain of the filter table."""

    name: ChainName
    policy: Literal["accept", "drop"]
    rules: tuple[NftRule, ...]


@dataclass(frozen=True, slots=True)
class Ruleset:
    """The whole nftables configuration of one host: `table inet egovinfra`."""

    host: str
    sets: tuple[NftSet, ...]
    chains: tuple[Chain, ...]
    table: str = TABLE

    def chain(self, name: ChainName) -> Chain:
        """The chain called `name` (KeyError when absent)."""
        for chain in self.chains:
            if chain.name == name:
                return chain
        raise KeyError(name)

    def set_elements(self, name: str) -> tuple[str, ...]:
        """The elements of the set called `name` (KeyError when absent)."""
        for item in self.sets:
            if item.name == name:
                return item.elements
        raise KeyError(name)


@dataclass(frozen=True, slots=True)
class SgRule:
    """One OpenStack security-group rule. For icmp, port_min is the type, port_max the code."""

    direction: Literal["ingress", "egress"]
    protocol: Protocol
    port_min: int | None
    port_max: int | None
    remote_cidr: str
    flow: str
    description: str


@dataclass(frozen=True, slots=True)
class SecurityGroup:
    """The security group of one datacenter zone (`yde/app`)."""

    zone: str
    rules: tuple[SgRule, ...]


@dataclass(frozen=True, slots=True)
class EdgeTerm:
    """One permit of a vendor edge: the site LAN may reach these hosts on these ports."""

    name: str  # <flow>-<service>-<protocol>, unique in the edge
    flow: str
    service: str
    source: str  # the site LAN
    destinations: tuple[str, ...]  # host addresses
    protocol: Protocol
    ports: tuple[PortRange, ...]


@dataclass(frozen=True, slots=True)
class EdgeAcl:
    """The access list of a site whose edge is a vendor box: permits, then deny all."""

    site: str
    vendor: str
    lan: str
    hubs: tuple[str, ...]  # the hubs' WAN addresses (IKE/ESP peers)
    terms: tuple[EdgeTerm, ...]


@dataclass(frozen=True, slots=True)
class Finding:
    """A policy lint finding, located by its YAML path (the CLI adds file:line)."""

    kind: str  # duplicate, shadowed, any-to-any, management-exposed, no-provider
    flow: str
    path: tuple[str | int, ...]
    message: str
    accepted: bool = False


@dataclass(frozen=True)
class Policy:
    """Everything the policy compiler derives from the flows."""

    rulesets: dict[str, Ruleset] = field(default_factory=dict)
    security_groups: tuple[SecurityGroup, ...] = ()
    edges: tuple[EdgeAcl, ...] = ()
    findings: tuple[Finding, ...] = ()
