"""Per-host rulesets: the structure every host relies on, and scale by sets, not rules."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from egovinfra.compile import Plan, compile_loaded
from egovinfra.compile.policy.model import Ruleset
from egovinfra.model import load_topology
from egovinfra.render.configs import render_template
from egovinfra.render.roles.nftables import rule_text, ruleset_vars
from tests.support.synth import synthesise


@cache
def default_plan() -> Plan:
    return compile_loaded(load_topology(None))


def rulesets() -> list[Ruleset]:
    return list(default_plan().policy.rulesets.values())


def edges() -> list[Ruleset]:
    plan = default_plan()
    return [r for r in rulesets() if {"vpn_hub", "site_gateway"} & set(plan.host(r.host).roles)]


def test_every_managed_host_and_no_vendor_edge_has_a_ruleset() -> None:
    plan = default_plan()
    assert set(plan.policy.rulesets) == {h.name for h in plan.hosts if h.managed}
    assert "minrex-gw" not in plan.policy.rulesets


@pytest.mark.parametrize("ruleset", rulesets(), ids=lambda r: r.host)
def test_default_drop_state_first_counted_final_drop(ruleset: Ruleset) -> None:
    for name in ("input", "forward"):
        chain = ruleset.chain(name)
        assert chain.policy == "drop"
        final = chain.rules[-1]
        assert (final.kind, final.action, final.counter) == ("final", "drop", True)
        accepts = [r for r in chain.rules if r.action == "accept"]
        if accepts:  # conntrack first; only the WAN guards, which drop, may come before it
            assert accepts[0].ct == "established,related"
    assert ruleset.chain("input").rules[0].ct == "established,related"


@pytest.mark.parametrize("ruleset", rulesets(), ids=lambda r: r.host)
def test_flow_accepts_name_their_flow(ruleset: Ruleset) -> None:
    flows = {f.name for f in default_plan().flows}
    for chain in ruleset.chains:
        for rule in chain.rules:
            if rule.kind == "flow":
                assert rule.flow in flows and rule.flow in rule.comment


@pytest.mark.parametrize("ruleset", edges(), ids=lambda r: r.host)
def test_only_ike_and_esp_leave_the_wan(ruleset: Ruleset) -> None:
    output = ruleset.chain("output").rules
    on_wan = [r for r in output if r.oif == "wan0"]
    assert on_wan[-1].action == "drop" and on_wan[-1].counter and not on_wan[-1].protocol
    for rule in on_wan[:-1]:
        assert rule.action == "accept"
        assert (
            rule.ipsec_out is True
            or rule.protocol == "esp"
            or {500, 4500} == {a for a, _ in (rule.dports or rule.sports)}
        )
        assert rule.ipsec_out is True or rule.daddr or rule.daddr_set  # only to the peers


@pytest.mark.parametrize("ruleset", edges(), ids=lambda r: r.host)
def test_nothing_crosses_the_wan_in_clear_even_when_established(ruleset: Ruleset) -> None:
    forward = ruleset.chain("forward").rules
    assert (forward[0].iif, forward[0].ipsec_in, forward[0].action) == ("wan0", False, "drop")
    assert (forward[1].oif, forward[1].ipsec_out, forward[1].action) == ("wan0", False, "drop")
    assert forward[2].ct == "established,related"


@pytest.mark.parametrize("ruleset", edges(), ids=lambda r: r.host)
def test_intranet_prefixes_in_clear_on_the_wan_are_dropped(ruleset: Ruleset) -> None:
    spoof = [r for r in ruleset.chain("prerouting").rules if r.iif == "wan0"]
    assert len(spoof) == 1 and spoof[0].action == "drop" and spoof[0].ipsec_in is False
    assert {"10.0.0.0/12", "10.64.0.0/10", "10.128.0.0/11"} <= set(spoof[0].saddr)


def test_management_ssh_on_mgmt0_everywhere() -> None:
    for ruleset in rulesets():
        mgmt = [r for r in ruleset.chain("input").rules if r.kind == "management"]
        assert len(mgmt) == 1
        assert (mgmt[0].iif, mgmt[0].saddr, mgmt[0].dports) == ("mgmt0", ("10.128.0.0/11",), ((22, 22),))


def test_rule_text() -> None:
    ruleset = default_plan().policy.rulesets["minfi-gw"]
    texts = [rule_text(r) for r in ruleset.chain("forward").rules]
    assert texts[1] == (
        'oifname "wan0" rt ipsec missing counter drop comment "nothing is forwarded to the WAN '
        'in clear, even when the IKE daemon is down"'
    )
    assert (
        "ip saddr 10.64.2.0/24 ip daddr { 10.1.1.10, 10.2.1.10 } tcp dport 443 accept "
        'comment "flow ministries-to-groupware: groupware-https"'
    ) in texts


def test_rendered_file_is_deterministic_and_owns_only_its_table() -> None:
    ruleset = default_plan().policy.rulesets["yde-hub"]
    variables = {**ruleset_vars(ruleset), "inventory_hostname": "yde-hub"}
    first = render_template("nftables", "etc/nftables.conf.j2", variables)
    assert first == render_template("nftables", "etc/nftables.conf.j2", variables)
    assert first.startswith("#!/usr/sbin/nft -f\n")
    assert "flush ruleset" not in first and "delete table inet egovinfra" in first
    assert "set ike_peers {" in first and "@ministries_to_groupware" in first


def test_hub_rules_do_not_grow_with_sites(tmp_path: Path) -> None:
    """1000 more sites add set elements to a hub, never rules."""
    small = compile_loaded(load_topology(synthesise(tmp_path / "small", 10)))
    large = compile_loaded(load_topology(synthesise(tmp_path / "large", 1000)))
    for hub in ("yde-hub", "dla-hub"):
        before, after = small.policy.rulesets[hub], large.policy.rulesets[hub]
        assert [len(c.rules) for c in before.chains] == [len(c.rules) for c in after.chains]
        assert len(after.set_elements("ike_peers")) == len(before.set_elements("ike_peers")) + 990
