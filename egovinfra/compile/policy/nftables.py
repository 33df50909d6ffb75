"""Per-host nftables rulesets: default drop, flows as explicit accepts, no cleartext on the WAN.

Chains of `table inet egovinfra` on every managed host:
- prerouting (accept): anti-spoofing per interface, before routing, so it guards both
  what the host receives and what it forwards;
- input (drop): state, loopback, management ssh on mgmt0, IKE/ESP from the peers (hubs
  and gateways), the flows that reach this host, then a counted drop;
- forward (drop, hubs and gateways only forward): first the two WAN guards (nothing in
  clear from or to wan0: they come before the conntrack accept so that an established
  connection cannot leak when the IKE daemon dies), then the flows that cross the box;
- output (accept): on hubs and gateways only IKE/ESP to the peers may leave wan0.

The rules hold for both IPsec data paths: with kernel XFRM decrypted packets carry a
secpath (`meta ipsec exists`) and packets to encrypt have an XFRM route (`rt ipsec
exists`); with userspace libipsec, tunnel traffic uses the `ipsec0` TUN device and only
charon's UDP 4500 touches wan0. Flow rules therefore match addresses, not interfaces.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache

from egovinfra.compile.plan import Host, Plan
from egovinfra.compile.policy.access import Access, by_address, merged, source_datacenter
from egovinfra.compile.policy.model import Chain, ChainName, NftRule, NftSet, RuleKind, Ruleset
from egovinfra.compile.ssh import MANAGEMENT_SSH_PORT

IKE_PORTS = ((500, 500), (4500, 4500))
SSH = ((MANAGEMENT_SSH_PORT, MANAGEMENT_SSH_PORT),)
SET_THRESHOLD = 3  # more source prefixes than this go into a named set


class _Sets:
    """The named sets of one ruleset: one per distinct element list, named after its use."""

    def __init__(self) -> None:
        self.by_elements: dict[tuple[str, ...], NftSet] = {}
        self.names: set[str] = set()

    def match(self, prefixes: tuple[str, ...], name: str, comment: str) -> dict[str, object]:
        """NftRule keyword arguments matching saddr in `prefixes` (literal or a set)."""
        if len(prefixes) <= SET_THRESHOLD:
            return {"saddr": prefixes}
        found = self.by_elements.get(prefixes)
        if found is None:
            base = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
            unique, n = base, 2
            while unique in self.names:
                unique, n = f"{base}_{n}", n + 1
            found = NftSet(unique, prefixes, comment)
            self.by_elements[prefixes] = found
            self.names.add(unique)
        return {"saddr_set": found.name}

    def all(self) -> tuple[NftSet, ...]:
        return tuple(sorted(self.by_elements.values(), key=lambda s: s.name))


@lru_cache(maxsize=1 << 16)  # most rules repeat from host to host (state, guards)
def _rule(kind: RuleKind, action: str, comment: str, **match: object) -> NftRule:
    return NftRule(kind, action, comment, **match)  # type: ignore[arg-type]


def _state() -> list[NftRule]:
    return [
        _rule(
            "state",
            "accept",
            "replies and related ICMP (PMTU, unreachable)",
            ct="established,related",
        ),
        _rule("state", "drop", "invalid state", ct="invalid", counter=True),
    ]


def _final(where: str) -> NftRule:
    return _rule("final", "drop", f"default deny: no flow allows this {where}", counter=True)


class _Context:
    """Plan-wide facts every ruleset needs, computed once."""

    def __init__(self, plan: Plan, accesses: tuple[Access, ...]) -> None:
        self.plan = plan
        self.accesses = accesses
        self.intranet = merged((plan.pools.datacenters, plan.pools.sites, plan.pools.management))
        self.hub_wan = by_address(dc.wan.endpoint_address for dc in plan.datacenters)
        self.site_wan = by_address(s.wan.endpoint_address for s in plan.sites)
        self.address = {h.name: h.address for h in plan.hosts}
        self.scope = {h.name: h.scope for h in plan.hosts}
        self.sites = {s.name: s for s in plan.sites}
        self._daddrs: dict[tuple[str, ...], tuple[str, ...]] = {}
        self.to_host: dict[str, list[Access]] = defaultdict(list)
        self.from_site: dict[str, list[Access]] = defaultdict(list)
        for access in accesses:
            for host in access.hosts:
                self.to_host[host].append(access)
            for source in access.sources:
                if source.kind == "site":
                    self.from_site[source.name].append(access)

    def daddrs(self, hosts: list[str] | tuple[str, ...]) -> tuple[str, ...]:
        key = tuple(hosts)
        found = self._daddrs.get(key)
        if found is None:
            found = self._daddrs[key] = by_address({self.address[h] for h in hosts})
        return found


def _antispoof(ctx: _Context, host: Host, inside: str | None) -> list[NftRule]:
    """Prerouting drops of sources that cannot arrive on an interface."""
    mgmt = ctx.plan.pools.management
    rules: list[NftRule] = []
    for iface in host.interfaces:
        if iface.kind == "mgmt":
            rules.append(
                _rule(
                    "antispoof",
                    "drop",
                    "only management addresses arrive on the management network",
                    iif=iface.name,
                    saddr=(mgmt,),
                    saddr_negate=True,
                    counter=True,
                )
            )
        elif iface.kind == "wan":
            rules.append(
                _rule(
                    "antispoof",
                    "drop",
                    "intranet prefixes never arrive in clear on the WAN",
                    iif=iface.name,
                    saddr=ctx.intranet,
                    ipsec_in=False,
                    counter=True,
                )
            )
        else:
            rules.append(
                _rule(
                    "antispoof",
                    "drop",
                    "management addresses only arrive on mgmt0",
                    iif=iface.name,
                    saddr=(mgmt,),
                    counter=True,
                )
            )
            if inside is not None:
                rules.append(
                    _rule(
                        "antispoof",
                        "drop",
                        f"only {inside} arrives on the inside interface",
                        iif=iface.name,
                        saddr=(inside,),
                        saddr_negate=True,
                        counter=True,
                    )
                )
    return rules


def _management(host: Host, plan: Plan) -> list[NftRule]:
    iface = host.interface("mgmt")
    if iface is None:
        return []
    return [
        _rule(
            "management",
            "accept",
            "management: ssh from the out-of-band network (Ansible)",
            iif=iface.name,
            saddr=(plan.pools.management,),
            protocol="tcp",
            dports=SSH,
        )
    ]


def _ipsec_input(wan: str, peers: dict[str, object]) -> list[NftRule]:
    return [
        _rule(
            "ipsec",
            "accept",
            "IKE and NAT-T from the IPsec peers",
            iif=wan,
            protocol="udp",
            dports=IKE_PORTS,
            **peers,
        ),
        _rule(
            "ipsec",
            "accept",
            "ESP from the IPsec peers (kernel data path)",
            iif=wan,
            protocol="esp",
            **peers,
        ),
    ]


def _wan_guards(wan: str, peers: dict[str, object]) -> tuple[list[NftRule], list[NftRule]]:
    """(forward, output) rules that keep cleartext off the WAN interface."""
    daddr = {"daddr": peers["saddr"]} if "saddr" in peers else {"daddr_set": peers["saddr_set"]}
    forward = [
        _rule(
            "ipsec",
            "drop",
            "nothing is forwarded from the WAN in clear",
            iif=wan,
            ipsec_in=False,
            counter=True,
        ),
        _rule(
            "ipsec",
            "drop",
            "nothing is forwarded to the WAN in clear, even when the IKE daemon is down",
            oif=wan,
            ipsec_out=False,
            counter=True,
        ),
    ]
    output = [
        _rule(
            "ipsec",
            "accept",
            "packets the kernel encrypts (XFRM policy route)",
            oif=wan,
            ipsec_out=True,
        ),
        _rule(
            "ipsec",
            "accept",
            "IKE and NAT-T to the IPsec peers",
            oif=wan,
            protocol="udp",
            sports=IKE_PORTS,
            **daddr,
        ),
        _rule(
            "ipsec",
            "accept",
            "IKE to the IPsec peers",
            oif=wan,
            protocol="udp",
            dports=IKE_PORTS,
            **daddr,
        ),
        _rule(
            "ipsec",
            "accept",
            "ESP to the IPsec peers (kernel data path)",
            oif=wan,
            protocol="esp",
            **daddr,
        ),
        _rule("ipsec", "drop", "only IKE and ESP leave the WAN interface", oif=wan, counter=True),
    ]
    return forward, output


def _flow_rule(
    sets: _Sets,
    access: Access,
    prefixes: tuple[str, ...],
    daddr: tuple[str, ...] = (),
    iif: str = "",
) -> NftRule:
    return _rule(
        "flow",
        "accept",
        f"flow {access.flow}: {access.service}",
        iif=iif,
        daddr=daddr,
        protocol=access.protocol,
        dports=access.ports,
        flow=access.flow,
        service=access.service,
        **sets.match(prefixes, access.flow, f"sources of flow {access.flow}"),
    )


def _input_flows(ctx: _Context, sets: _Sets, host: Host, iif: str) -> list[NftRule]:
    return [_flow_rule(sets, a, merged(tuple(s.cidr for s in a.sources)), iif=iif) for a in ctx.to_host[host.name]]


def _ruleset(host: Host, sets: _Sets, chains: dict[ChainName, list[NftRule]]) -> Ruleset:
    """Prerouting and output accept by default, input and forward drop."""
    built = tuple(
        Chain(name, "drop" if name in ("input", "forward") else "accept", tuple(chains.get(name, [])))
        for name in ("prerouting", "input", "forward", "output")
    )
    return Ruleset(host.name, sets.all(), built)


def _server(ctx: _Context, host: Host) -> Ruleset:
    """A datacenter server or a workstation: it receives the flows to it and forwards nothing."""
    sets = _Sets()
    service_if = host.interface("zone") or host.interface("lan")
    iif = service_if.name if service_if else ""
    input_ = [
        *_state(),
        _rule("loopback", "accept", "loopback", iif="lo"),
        *_management(host, ctx.plan),
        *_input_flows(ctx, sets, host, iif),
        _final("host"),
    ]
    chains: dict[ChainName, list[NftRule]] = {
        "prerouting": _antispoof(ctx, host, None),
        "input": input_,
        "forward": [_final("forward")],
    }
    return _ruleset(host, sets, chains)


def _hub(ctx: _Context, host: Host) -> Ruleset:
    """A datacenter's VPN hub: flows from sites and other datacenters into its datacenter."""
    dc = ctx.plan.datacenter(host.scope)
    sets = _Sets()
    peers = sets.match(
        tuple(a for a in (*ctx.site_wan, *ctx.hub_wan) if a != dc.wan.endpoint_address),
        "ike_peers",
        "IPsec peers: site gateways and the other hubs",
    )
    crossing: list[NftRule] = []
    for access in ctx.accesses:
        inside = [h for h in access.hosts if ctx.scope[h] == dc.name]
        outside = [h for h in access.hosts if ctx.scope[h] != dc.name]
        src_in = tuple(s.cidr for s in access.sources if source_datacenter(s) == dc.name)
        src_out = tuple(s.cidr for s in access.sources if source_datacenter(s) != dc.name)
        if inside and src_out:
            crossing.append(_flow_rule(sets, access, merged(src_out), ctx.daddrs(inside)))
        if outside and src_in:
            crossing.append(_flow_rule(sets, access, merged(src_in), ctx.daddrs(outside)))
    return _ipsec_edge(ctx, host, sets, peers, crossing, dc.supernet)


def _gateway(ctx: _Context, host: Host) -> Ruleset:
    """A site gateway: its LAN reaches the datacenter services its flows allow, nothing else."""
    site = ctx.sites[host.scope]
    sets = _Sets()
    peers = sets.match(ctx.hub_wan, "ike_peers", "IPsec peers: the datacenter hubs")
    flows = [_flow_rule(sets, a, (site.lan,), ctx.daddrs(a.hosts)) for a in ctx.from_site[site.name]]
    return _ipsec_edge(ctx, host, sets, peers, flows, site.lan)


def _ipsec_edge(
    ctx: _Context, host: Host, sets: _Sets, peers: dict[str, object], forward_flows: list[NftRule], inside: str
) -> Ruleset:
    """A hub or gateway: IKE/ESP only on the WAN, the flows it forwards, default drop."""
    wan = host.interface("wan")
    assert wan is not None  # the address plan gives every hub and gateway a WAN link
    forward_guard, output = _wan_guards(wan.name, peers)
    input_ = [
        *_state(),
        _rule("loopback", "accept", "loopback", iif="lo"),
        *_management(host, ctx.plan),
        *_ipsec_input(wan.name, peers),
        *_input_flows(ctx, sets, host, ""),
        _final("host"),
    ]
    chains: dict[ChainName, list[NftRule]] = {
        "prerouting": _antispoof(ctx, host, inside),
        "input": input_,
        "forward": [*forward_guard, *_state(), *forward_flows, _final("forward")],
        "output": output,
    }
    return _ruleset(host, sets, chains)


def compile_rulesets(plan: Plan, accesses: tuple[Access, ...]) -> dict[str, Ruleset]:
    """The ruleset of every managed host, by host name."""
    ctx = _Context(plan, accesses)
    out: dict[str, Ruleset] = {}
    for host in plan.hosts:
        if not host.managed:
            continue
        if "vpn_hub" in host.roles:
            out[host.name] = _hub(ctx, host)
        elif "site_gateway" in host.roles:
            out[host.name] = _gateway(ctx, host)
        else:
            out[host.name] = _server(ctx, host)
    return out
