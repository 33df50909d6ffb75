"""The operational state: loading with located errors, the next state of an action, and the
inventory rendered from it (a converge after a failover keeps the secondary active)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from egovinfra.cli.topology_cmds import load_plan, load_state
from egovinfra.dr.state import advance, write_state
from egovinfra.model import load_topology
from egovinfra.model.operations import Operations, load_operations
from egovinfra.model.problems import TopologyError
from egovinfra.render.hostvars import RenderContext
from egovinfra.render.inventory import render_inventory

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def topology(tmp_path: Path) -> Path:
    copy = tmp_path / "cameroon"
    shutil.copytree(ROOT / "topology" / "cameroon", copy, ignore=shutil.ignore_patterns("state"))
    return copy


def _state(topology: Path, environment: str, text: str) -> Path:
    path = topology / "state" / f"{environment}.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


def test_no_state_file_means_the_primary_serves(topology: Path) -> None:
    plan = load_plan(topology, "lab")
    assert plan.active.name == plan.primary.name == "yde"
    assert plan.generation == 1
    assert plan.fenced == ()


def test_each_environment_has_its_own_state(topology: Path) -> None:
    _state(topology, "lab", "active: dla\ngeneration: 2\nfenced: [yde]\n")
    assert load_plan(topology, "lab").active.name == "dla"
    assert load_plan(topology, "production").active.name == "yde"


def test_bad_state_is_located_in_its_file(topology: Path) -> None:
    _state(topology, "production", "active: dla\ngeneration: 0\nfenced: [yde]\ncolour: blue\n")
    with pytest.raises(TopologyError) as caught:
        load_plan(topology)
    lines = [p.format() for p in caught.value.problems]
    assert any(line.startswith("state/production.yaml:2: generation:") or ":2: generation:" in line for line in lines)
    assert any(":4: colour: unknown key" in line for line in lines)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("active: kribi\n", "active: no datacenter named 'kribi'"),
        ("active: yde\nfenced: [yde]\n", "fenced[0]: 'yde' is the active datacenter"),
        ("active: dla\nfenced: [yde, yde]\n", "fenced: a datacenter is listed twice"),
    ],
)
def test_state_must_name_the_topology_s_datacenters(topology: Path, text: str, expected: str) -> None:
    path = _state(topology, "production", text)
    with pytest.raises(TopologyError) as caught:
        load_operations(load_topology(topology).topology, path, "state.yaml")
    assert any(expected in p.format() and p.format().startswith("state.yaml:") for p in caught.value.problems)


def test_validate_checks_every_state_file(topology: Path, cli) -> None:  # type: ignore[no-untyped-def]
    _state(topology, "staging", "active: kribi\n")
    result = cli("validate", str(topology))
    assert result.code == 2
    assert "staging.yaml:1: active: no datacenter named 'kribi'" in result.stderr


def test_advance_records_who_what_and_why(topology: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUDO_USER", "amina")
    start = load_state(load_topology(topology), "production")
    after = advance(start, action="failover", active="dla", fenced=("yde",), reason="power cut in yde")
    assert (after.active, after.generation, after.fenced) == ("dla", 2, ("yde",))
    change = after.history[-1]
    assert (change.generation, change.action, change.by, change.reason) == (2, "failover", "amina", "power cut in yde")
    again = advance(after, action="rejoin", active="dla", fenced=(), reason="yde back")
    assert again.generation == 3 and len(again.history) == 2


def test_written_state_reads_back_the_same(topology: Path) -> None:
    start = load_state(load_topology(topology), "lab")
    after = advance(start, action="failover", active="dla", fenced=("yde",), reason="drill: 'quoted' text")
    path = topology / "state" / "lab.yaml"
    write_state(path, after)
    assert load_operations(load_topology(topology).topology, path) == after
    assert yaml.safe_load(path.read_text())["active"] == "dla"
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no temporary file left


def _inventory(topology: Path, environment: str = "production") -> dict[str, dict[str, object]]:
    plan = load_plan(topology, environment)
    tree = render_inventory(RenderContext(plan, "production"), prefix="")
    return {path: yaml.safe_load(content) for path, content in tree.items()}


def test_after_a_failover_the_inventory_makes_the_secondary_serve(topology: Path) -> None:
    # What a routine `converge` after `dr failover` applies: the inventory of the recorded
    # state. Expectations are the intent of a failover, spelled out here, not read from code.
    _state(topology, "production", "active: dla\ngeneration: 2\nfenced: [yde]\n")
    inv = _inventory(topology)
    host = lambda name: inv[f"host_vars/{name}.yml"]  # noqa: E731
    assert host("dla-db")["postgresql_role"] == "primary"
    assert host("dla-db")["postgresql_synchronous_standby_names"] == ""  # commits alone while yde is gone
    assert host("dla-db")["postgresql_slots"] == []
    assert host("dla-db")["postgresql_degrade_watch"] is False  # nothing to wait for
    assert host("dla-groupware")["groupware_active"] is True
    assert host("yde-groupware")["groupware_active"] is False
    assert host("dla-dns")["dns_active_datacenter"] == "dla"
    assert host("dla-dns")["dns_dr_record"] == "active=dla generation=2"
    assert host("dla-ldap")["ldap_role"] == "provider"
    assert host("dla-files")["filesync_role"] == "source"
    assert host("dla-files")["filesync_peers"] == []  # nothing pushed to the fenced datacenter
    assert host("dla-db")["fence_state"]["generation"] == 2
    groups = inv["hosts.yml"]["all"]["children"]
    fenced = set(groups["dr_fenced"]["hosts"])
    assert fenced == {name for name in inv["hosts.yml"]["all"]["hosts"] if name.startswith("yde-")}
    for name, group in groups.items():
        if name != "dr_fenced":
            assert not fenced & set(group["hosts"]), f"fenced hosts in {name}: no play may reach them"
    assert inv["group_vars/all.yml"]["egovinfra_active_datacenter"] == "dla"


def test_after_rejoin_the_returned_datacenter_follows(topology: Path) -> None:
    _state(topology, "production", "active: dla\ngeneration: 3\n")
    inv = _inventory(topology)
    assert inv["host_vars/yde-db.yml"]["postgresql_role"] == "standby"
    assert inv["host_vars/yde-db.yml"]["postgresql_primary_host"] == "dla-db"
    assert inv["host_vars/dla-db.yml"]["postgresql_slots"] == ["yde_db"]
    assert inv["host_vars/dla-db.yml"]["postgresql_degrade_watch"] is True
    assert inv["host_vars/yde-db.yml"]["postgresql_degrade_watch"] is False  # a standby never degrades
    assert inv["host_vars/yde-ldap.yml"]["ldap_role"] == "consumer"
    assert [p["name"] for p in inv["host_vars/dla-files.yml"]["filesync_peers"]] == ["yde-files"]
    assert "dr_fenced" not in inv["hosts.yml"]["all"]["children"]


def test_designed_state_renders_what_was_committed(topology: Path) -> None:
    assert load_state(load_topology(topology), "production") == Operations(active="yde")


@pytest.mark.parametrize(("policy", "watch"), [("degrade", True), ("wait", False)])
def test_the_topology_says_what_a_lost_standby_does(topology: Path, policy: str, watch: bool) -> None:
    text = (topology / "topology.yaml").read_text()
    (topology / "topology.yaml").write_text(text.replace("on_standby_loss: degrade", f"on_standby_loss: {policy}"))
    vars_ = _inventory(topology)["host_vars/yde-db.yml"]
    assert vars_["postgresql_degrade_watch"] is watch
    assert vars_["postgresql_degrade_after"] == 30
