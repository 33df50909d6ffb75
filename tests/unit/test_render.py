"""Rendering: deterministic, atomic, and never destructive of folders it does not own."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from egovinfra.compile import compile_plan
from egovinfra.model import load_topology
from egovinfra.render import read_tree, render_all
from egovinfra.render.assignments import ansible_roles
from egovinfra.render.diff import host_changes
from tests.conftest import CASES, DEFAULT_TOPOLOGY
from tests.support.synth import site_yaml


def test_two_renders_are_byte_identical(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("render", "--out", str(tmp_path / "a")).code == 0
    assert cli("render", "--out", str(tmp_path / "b")).code == 0
    a, b = read_tree(tmp_path / "a"), read_tree(tmp_path / "b")
    assert a == b
    assert "inventory/hosts.yml" in a
    assert any(p.startswith("configs/yde-hub/") for p in a) or "yde-hub" in a["inventory/hosts.yml"].decode()


def test_render_replaces_its_own_output_and_keeps_it_on_failure(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    assert cli("render", "--out", str(out)).code == 0
    before = read_tree(out)
    bad = cli("render", str(CASES / "errors" / "overlap.yaml"), "--out", str(out))
    assert bad.code == 2
    assert read_tree(out) == before
    assert cli("render", "--out", str(out)).code == 0  # a second render over its own output works
    assert not any(p.name.startswith(".out.") for p in tmp_path.iterdir())  # no staging left behind


def test_render_refuses_a_folder_it_did_not_write(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    result = cli("render", "--out", str(precious))
    assert result.code == 2
    assert "was not written by egovinfra render" in result.stderr
    assert (precious / "notes.txt").read_text() == "keep me"


def test_inventory_lists_every_managed_host_with_its_groups() -> None:
    plan = compile_plan(load_topology(DEFAULT_TOPOLOGY).topology)
    tree = render_all(plan)
    hosts = yaml.safe_load(tree["inventory/hosts.yml"])["all"]
    managed = {h.name for h in plan.hosts if h.managed}
    assert set(hosts["hosts"]) == managed
    assert "minrex-gw" not in managed  # a vendor edge is rendered, not converged
    children = hosts["children"]
    assert set(children["vpn_hub"]["hosts"]) == {"yde-hub", "dla-hub"}
    assert set(children["primary_datacenter"]["hosts"]) == {h.name for h in plan.hosts if h.scope == "yde"}
    for host in managed:
        hv = yaml.safe_load(tree[f"inventory/host_vars/{host}.yml"])
        assert hv["ansible_host"] == plan.host(host).mgmt_address
        assert hv["egovinfra_roles"] == list(ansible_roles(plan.host(host), plan))
        for role in ansible_roles(plan.host(host), plan):
            assert host in children[f"role_{role}"]["hosts"]


def _must_learn(plan, site: str) -> set[str]:  # type: ignore[no-untyped-def]
    """From the intent: hubs terminate its tunnels, DNS serves its names, and the hosts its
    flows reach admit it."""
    learn = {dc.hub for dc in plan.datacenters}
    learn |= {h.name for h in plan.hosts if "dns" in h.roles}
    for flow in plan.flows:
        if any(s.kind == "site" and s.name == site for s in flow.sources):
            learn |= {h for t in flow.targets for h in t.hosts}
    return learn


def test_diff_of_an_added_site_names_only_it_and_those_that_must_learn(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    grown = tmp_path / "grown"
    shutil.copytree(DEFAULT_TOPOLOGY, grown)
    (grown / "sites" / "minsante.yaml").write_text(site_yaml(9))
    before = compile_plan(load_topology(DEFAULT_TOPOLOGY).topology)
    after = compile_plan(load_topology(grown).topology)
    changes = {c.host: c for c in host_changes(render_all(before), render_all(after))}
    assert changes["minsante-gw"].status == "added"
    allowed = _must_learn(after, "minsante") | {"minsante-gw", "(inventory)"}
    assert set(changes) <= allowed, set(changes) - allowed
    other_sites = {h.name for h in before.hosts if h.kind == "site"}
    assert not other_sites & set(changes)

    result = cli("diff", str(DEFAULT_TOPOLOGY), str(grown))
    assert result.code == 0
    assert "minsante-gw" in result.stdout
    for host in other_sites:
        assert host not in result.stdout
