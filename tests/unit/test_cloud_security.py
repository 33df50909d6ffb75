"""Security groups: each zone's rules are exactly the policy compiler's; a stray rule is caught."""

from __future__ import annotations

import pytest

from egovinfra.cloud.audit import T_ADDRESS_GROUP, audit, group_rules, recorded_rule_keys
from egovinfra.cloud.openstack.security import rule_key
from egovinfra.cloud.preview import Preview, Recorded, run_preview
from tests.support.cloud import default_plan, default_preview, with_resource

GROUP = "openstack:networking/secGroup:SecGroup"
RULE = "openstack:networking/secGroupRule:SecGroupRule"


@pytest.mark.parametrize("role", ["primary", "secondary"])
def test_each_zone_group_holds_exactly_the_policy_rules(role: str) -> None:
    plan = default_plan()
    dc = next(d for d in plan.datacenters if d.role == role)
    preview = default_preview(role)
    rules = group_rules(preview)
    groups = _address_groups(preview)
    by_zone = {sg.zone: sg.rules for sg in plan.policy.security_groups}
    for zone in dc.zones:
        got = {k for r in rules[f"{dc.name}-{zone.name}"] for k in recorded_rule_keys(r, groups)}
        assert got == {rule_key(r) for r in by_zone[zone.key]}, zone.key


def _address_groups(preview: Preview) -> dict[str, Recorded]:
    return {r.id: r for r in preview.of_type(T_ADDRESS_GROUP)}


def test_rules_differing_only_by_remote_share_an_address_group() -> None:
    preview = default_preview("primary")
    dmz = group_rules(preview)["yde-dmz"]
    dns = [r for r in dmz if r.inputs.get("protocol") == "udp" and r.inputs.get("portRangeMin") == 53]
    assert len(dns) == 1  # one rule, where each site's LAN took a rule of its own
    group = _address_groups(preview)[dns[0].inputs["remoteAddressGroupId"]]
    assert len(group.inputs["addresses"]) == len(recorded_rule_keys(dns[0], _address_groups(preview))) > 1
    assert "remoteIpPrefix" not in dns[0].inputs
    # Without the extension, every remote is a rule of its own again, and still the Plan's.
    plain = run_preview("primary", config={"addressGroups": False})
    assert not plain.of_type(T_ADDRESS_GROUP)
    assert audit(plain, default_plan(), default_plan().datacenter("yde")) == []
    assert len(plain.of_type(RULE)) > len(preview.of_type(RULE))


def test_every_group_drops_neutrons_default_rules() -> None:
    groups = default_preview("primary").of_type(GROUP)
    assert len(groups) == 6  # five zones and the hub
    assert all(g.inputs["deleteDefaultRules"] is True for g in groups)


def test_the_hub_admits_ike_from_the_wan_and_forwards_replication() -> None:
    plan = default_plan()
    preview = default_preview("primary")
    hub = {k for r in group_rules(preview)["yde-hub"] for k in recorded_rule_keys(r, _address_groups(preview))}
    keys = {(k.direction, k.protocol, k.port_min, k.remote_cidr) for k in hub}
    assert ("ingress", "udp", 500, plan.pools.wan) in keys
    assert ("ingress", "udp", 4500, plan.pools.wan) in keys
    # datacenter-replication: the primary's data zone reaches the secondary's PostgreSQL through the hub.
    assert ("ingress", "tcp", 5432, plan.datacenter("yde").zone("data").cidr) in keys
    assert not any(k.direction == "ingress" and k.remote_cidr == "0.0.0.0/0" for k in hub)


def test_the_clean_preview_agrees_with_the_plan() -> None:
    plan = default_plan()
    for role in ("primary", "secondary"):
        dc = next(d for d in plan.datacenters if d.role == role)
        assert audit(default_preview(role), plan, dc) == []


def test_a_rule_the_policy_does_not_grant_is_reported() -> None:
    plan = default_plan()
    preview = default_preview("primary")
    app = preview.named(GROUP, "yde-app")
    stray = Recorded(
        urn=app.urn + "$stray",
        type=RULE,
        name="yde-app-ssh-from-anywhere",
        custom=True,
        parent=app.urn,
        inputs={
            "direction": "ingress",
            "protocol": "tcp",
            "portRangeMin": 22.0,
            "portRangeMax": 22.0,
            "remoteIpPrefix": "0.0.0.0/0",
        },
    )
    problems = audit(with_resource(preview, stray), plan, plan.datacenter("yde"))
    assert problems == [
        "security group yde-app: RuleKey(direction='ingress', protocol='tcp', port_min=22, "
        "port_max=22, remote_cidr='0.0.0.0/0') is not in the Plan"
    ]


def test_the_other_hubs_address_joins_the_ike_rules_or_gets_its_own() -> None:
    peer = {"peerStack": "organization/egovinfra/primary"}
    for compress in (True, False):
        preview = run_preview("secondary", config={**peer, "addressGroups": compress})
        hub = group_rules(preview)["dla-hub"]
        keys = {k for r in hub for k in recorded_rule_keys(r, _address_groups(preview))}
        from_peer = {
            (k.direction, k.port_min) for k in keys if k.protocol == "udp" and k.remote_cidr.startswith("203.")
        }
        assert from_peer == {(d, p) for d in ("ingress", "egress") for p in (500, 4500)}, compress
        ike = [r for r in hub if r.inputs.get("protocol") == "udp" and r.inputs.get("portRangeMin") in (500, 4500)]
        assert len(ike) == (4 if compress else 8)  # the WAN pool and the peer: one rule each without groups
