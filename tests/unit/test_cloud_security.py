"""Security groups: each zone's rules are exactly the policy compiler's; a stray rule is caught."""

from __future__ import annotations

import pytest

from egovinfra.cloud.audit import audit, group_rules, recorded_rule_key
from egovinfra.cloud.openstack.security import rule_key
from egovinfra.cloud.preview import Recorded
from tests.support.cloud import default_plan, default_preview, with_resource

GROUP = "openstack:networking/secGroup:SecGroup"
RULE = "openstack:networking/secGroupRule:SecGroupRule"


@pytest.mark.parametrize("role", ["primary", "secondary"])
def test_each_zone_group_holds_exactly_the_policy_rules(role: str) -> None:
    plan = default_plan()
    dc = next(d for d in plan.datacenters if d.role == role)
    rules = group_rules(default_preview(role))
    by_zone = {sg.zone: sg.rules for sg in plan.policy.security_groups}
    for zone in dc.zones:
        got = {recorded_rule_key(r) for r in rules[f"{dc.name}-{zone.name}"]}
        assert got == {rule_key(r) for r in by_zone[zone.key]}, zone.key


def test_every_group_drops_neutrons_default_rules() -> None:
    groups = default_preview("primary").of_type(GROUP)
    assert len(groups) == 6  # five zones and the hub
    assert all(g.inputs["deleteDefaultRules"] is True for g in groups)


def test_the_hub_admits_ike_from_the_wan_and_forwards_replication() -> None:
    plan = default_plan()
    hub = {recorded_rule_key(r) for r in group_rules(default_preview("primary"))["yde-hub"]}
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
