"""Check a previewed stack against the Plan it was built from.

The preview records what the program would ask OpenStack for; these checks read those
requests back and compare them with the Plan and the compiled policy, so a component that
drifts from the Plan (a rule the policy does not grant, a port on an address the Plan does
not give, VPNaaS crypto left to Neutron's defaults) is caught without a cloud.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from egovinfra.cloud.openstack.datacenter import cloud_hosts
from egovinfra.cloud.openstack.names import logical
from egovinfra.cloud.openstack.security import RuleKey, rule_key, zone_rules
from egovinfra.cloud.openstack.vpn import neutron_settings
from egovinfra.cloud.preview import Preview, Recorded
from egovinfra.compile.plan import Datacenter, Plan

T_SUBNET = "openstack:networking/subnet:Subnet"
T_GROUP = "openstack:networking/secGroup:SecGroup"
T_RULE = "openstack:networking/secGroupRule:SecGroupRule"
T_ADDRESS_GROUP = "openstack:networking/addressGroupV2:AddressGroupV2"
T_PORT = "openstack:networking/port:Port"
T_ROUTE = "openstack:networking/routerRoute:RouterRoute"
T_IKE = "openstack:vpnaas/ikePolicy:IkePolicy"
T_IPSEC = "openstack:vpnaas/ipSecPolicy:IpSecPolicy"


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def recorded_rule_keys(rule: Recorded, address_groups: Mapping[str, Recorded]) -> list[RuleKey]:
    """The Neutron identities a previewed SecGroupRule stands for: one per remote prefix, those
    of its address group included (numbers arrive as floats)."""
    i = rule.inputs
    group = address_groups.get(str(i.get("remoteAddressGroupId")))
    remotes = list(group.inputs.get("addresses", [])) if group is not None else [i.get("remoteIpPrefix")]
    return [
        RuleKey(
            str(i.get("direction")),
            str(i.get("protocol")),
            _int(i.get("portRangeMin")),
            _int(i.get("portRangeMax")),
            str(remote),
        )
        for remote in remotes
    ]


def group_rules(preview: Preview) -> dict[str, list[Recorded]]:
    """Each security group's rules, by the group's name."""
    groups = {r.urn: r.name for r in preview.of_type(T_GROUP)}
    out: dict[str, list[Recorded]] = {name: [] for name in groups.values()}
    for rule in preview.of_type(T_RULE):
        out.setdefault(groups.get(rule.parent, f"(no group) {rule.name}"), []).append(rule)
    return out


def _compare(what: str, got: Iterable[Any], want: Iterable[Any]) -> list[str]:
    got_set, want_set = set(got), set(want)
    return [f"{what}: {item} is not in the Plan" for item in sorted(got_set - want_set, key=str)] + [
        f"{what}: {item} is missing" for item in sorted(want_set - got_set, key=str)
    ]


def check_security_groups(preview: Preview, plan: Plan, dc: Datacenter) -> list[str]:
    """Each zone's group holds exactly the policy compiler's rules for that zone."""
    rules = group_rules(preview)
    address_groups = {r.id: r for r in preview.of_type(T_ADDRESS_GROUP)}
    problems: list[str] = []
    for zone, expected in zone_rules(plan, dc).items():
        name = logical(dc.name, zone)
        got = [k for r in rules.get(name, []) for k in recorded_rule_keys(r, address_groups)]
        problems += _compare(f"security group {name}", got, [rule_key(r) for r in expected])
    return problems


def check_ports(preview: Preview, plan: Plan, dc: Datacenter) -> list[str]:
    """Every port carries the fixed address the Plan gives that host's interface, and no other."""
    want = {
        logical(h.name, i.name): i.ip
        for h in cloud_hosts(plan, dc)
        for i in h.interfaces
        # A strongSwan hub's wan0 is a port on its WAN link; every other WAN side is no port.
        if i.kind in ("zone", "mgmt") or (i.kind == "wan" and h.name == dc.hub and dc.vpn_backend == "strongswan")
    }
    got = {p.name: tuple(ip.get("ipAddress") for ip in p.inputs.get("fixedIps", [])) for p in preview.of_type(T_PORT)}
    problems = [f"port {name}: no port for this interface of the Plan" for name in sorted(set(want) - set(got))]
    for name, addresses in sorted(got.items()):
        if name not in want:
            problems.append(f"port {name}: not an interface of the Plan ({', '.join(map(str, addresses))})")
        elif addresses != (want[name],):
            problems.append(f"port {name}: fixed address {addresses} but the Plan says {want[name]}")
    return problems


def check_subnets(preview: Preview, dc: Datacenter) -> list[str]:
    """Zone subnets, and a strongSwan hub's WAN link, have the Plan's CIDR and gateway."""
    got = {
        (s.name, s.inputs.get("cidr"), s.inputs.get("gatewayIp"))
        for s in preview.of_type(T_SUBNET)
        if "gatewayIp" in s.inputs
    }
    want = {(logical(dc.name, z.name), z.cidr, z.gateway) for z in dc.zones}
    if dc.vpn_backend == "strongswan":
        want.add((logical(dc.name, "wan"), dc.wan.cidr, dc.wan.provider_address))
    return _compare("subnet", got, want)


def check_routes(preview: Preview, dc: Datacenter) -> list[str]:
    """The router sends exactly the Plan's router_routes to the hub (none with VPNaaS)."""
    got = {(r.inputs.get("destinationCidr"), r.inputs.get("nextHop")) for r in preview.of_type(T_ROUTE)}
    want = {(r.destination, r.via) for r in dc.router_routes} if dc.vpn_backend == "strongswan" else set()
    return _compare("router route", got, want)


def _fields(inputs: Mapping[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    return {k: inputs.get(k) for k in keys}


def check_vpnaas(preview: Preview, plan: Plan, dc: Datacenter) -> list[str]:
    """With VPNaaS, both policies set every crypto value to the Plan's, IKEv2 included."""
    if dc.vpn_backend != "vpnaas":
        return []
    nv = neutron_settings(plan, dc)
    wanted = {
        T_IKE: {
            "ikeVersion": nv.ike_version,
            "encryptionAlgorithm": nv.ike.encryption_algorithm,
            "authAlgorithm": nv.ike.auth_algorithm,
            "pfs": nv.ike.pfs,
        },
        T_IPSEC: {
            "encryptionAlgorithm": nv.ipsec.encryption_algorithm,
            "authAlgorithm": nv.ipsec.auth_algorithm,
            "pfs": nv.ipsec.pfs,
            "transformProtocol": nv.transform_protocol,
            "encapsulationMode": nv.encapsulation_mode,
        },
    }
    problems: list[str] = []
    for token, want in wanted.items():
        found = preview.of_type(token)
        if not found:
            problems.append(f"{token}: missing")
        for policy in found:
            got = _fields(policy.inputs, want)
            problems += [
                f"{policy.name}: {k} is {got[k]!r}, the Plan's crypto needs {v!r}"
                for k, v in want.items()
                if got[k] != v
            ]
    return problems


def audit(preview: Preview, plan: Plan, dc: Datacenter) -> list[str]:
    """Every disagreement between the previewed stack and the Plan (empty when none)."""
    return (
        check_subnets(preview, dc)
        + check_routes(preview, dc)
        + check_ports(preview, plan, dc)
        + check_security_groups(preview, plan, dc)
        + check_vpnaas(preview, plan, dc)
    )
