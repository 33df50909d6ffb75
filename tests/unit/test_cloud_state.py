"""The cloud state: the hubs' public addresses recorded by `stack-outputs`, read back by the
compiler, dialled by every peer of the hub; a bad file is a located error and nothing is written."""

from __future__ import annotations

import json
import os
import shutil
from ipaddress import IPv4Address
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from egovinfra.cli.cloud import CLOUD_STATE_HEADER, write_cloud_state
from egovinfra.cli.topology_cmds import load_plan
from egovinfra.compile import compile_plan
from egovinfra.compile.plan import Plan
from egovinfra.model import load_topology
from egovinfra.model.cloud_state import CloudState, ObservedHub, load_cloud_state, read_cloud_state
from egovinfra.model.problems import TopologyError
from tests.support.cloud import DEFAULT_TOPOLOGY, default_preview, vpnaas_topology

OBSERVED = "203.0.113.40"


@pytest.fixture
def topology(tmp_path: Path) -> Path:
    copy = tmp_path / "cameroon"
    shutil.copytree(DEFAULT_TOPOLOGY, copy, ignore=shutil.ignore_patterns("state"))
    return copy


def _cloud(topology: Path, text: str, environment: str = "production") -> Path:
    path = topology / "state" / f"{environment}-cloud.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


def _dialling(plan: Plan, hub: str) -> dict[str, str]:
    """Every end whose peer is `hub`, by host: the address it dials."""
    return {
        end.host: end.remote_addr
        for tunnel in plan.vpn.tunnels
        for end, other in ((tunnel.initiator, tunnel.responder), (tunnel.responder, tunnel.initiator))
        if other.host == hub
    }


def _peers(plan: Plan, datacenter: str) -> set[str]:
    """Who talks to a datacenter's hub, by intent: the other hubs and every site's gateway."""
    return {dc.hub for dc in plan.datacenters if dc.name != datacenter} | {s.gateway for s in plan.sites}


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(["yde", "dla"]), st.ip_addresses(v=4).map(str), max_size=2))
def test_the_file_reads_back_as_written(topology: Path, hubs: dict[str, str]) -> None:
    state = CloudState(version=1, datacenters={n: ObservedHub(public_address=a) for n, a in hubs.items()})
    path = topology / "state" / "production-cloud.yaml"
    write_cloud_state(path, state)
    assert load_cloud_state(load_topology(topology).topology, path) == state
    text = path.read_text()
    assert all(f"# {line}" in text for line in CLOUD_STATE_HEADER.splitlines())  # says who writes it
    assert yaml.safe_load(text)["version"] == 1
    assert [p.name for p in path.parent.iterdir()] == ["production-cloud.yaml"]  # no temporary file left


def test_without_the_file_peers_dial_the_wan_address(topology: Path) -> None:
    plan = load_plan(topology)
    for dc in plan.datacenters:
        dialled = _dialling(plan, dc.hub)
        assert set(dialled) == _peers(plan, dc.name)
        assert set(dialled.values()) == {dc.wan.endpoint_address}


def test_every_peer_dials_the_observed_address(topology: Path) -> None:
    _cloud(topology, f"version: 1\ndatacenters:\n  yde:\n    public_address: {OBSERVED}\n")
    plan = load_plan(topology)
    yde, dla = plan.datacenter("yde"), plan.datacenter("dla")
    dialled = _dialling(plan, yde.hub)
    assert set(dialled) == _peers(plan, "yde")  # the other hub, strongSwan and vendor gateways
    assert set(dialled.values()) == {OBSERVED}
    assert set(_dialling(plan, dla.hub).values()) == {dla.wan.endpoint_address}  # nothing observed for dla
    # The hub itself still binds its WAN address (the floating IP is NAT in front of it).
    assert {c.local_addr for c in plan.vpn.connections(yde.hub)} == {yde.wan.endpoint_address}
    assert f"{OBSERVED}/32" in dla.ike_sources  # the other hub's IKE comes from there
    assert load_plan(topology, "lab").datacenter("yde").public_address is None  # per environment


def test_a_vpnaas_hub_is_dialled_at_the_routers_address(tmp_path: Path) -> None:
    topology = vpnaas_topology(tmp_path / "t")
    _cloud(topology, f"version: 1\ndatacenters:\n  dla:\n    public_address: {OBSERVED}\n")
    plan = load_plan(topology)
    dialled = _dialling(plan, plan.datacenter("dla").hub)
    assert set(dialled) == _peers(plan, "dla") and set(dialled.values()) == {OBSERVED}


def test_a_topology_address_that_agrees_is_kept(topology: Path) -> None:
    text = (topology / "topology.yaml").read_text()
    (topology / "topology.yaml").write_text(
        text.replace("    role: secondary\n", f"    role: secondary\n    public_address: {OBSERVED}\n", 1)
    )
    _cloud(topology, f"version: 1\ndatacenters:\n  dla:\n    public_address: {OBSERVED}\n")
    plan = load_plan(topology)
    assert plan == compile_plan(load_topology(topology).topology)  # the file adds nothing the topology said


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("version: 1\ndatacenters:\n  yde:\n    public_address: 12\n", ":4: datacenters.yde.public_address:"),
        ("version: 1\ndatacenters:\n  yde:\n    public_address: hub.example\n", ":4: datacenters.yde.public_address:"),
        ("version: 2\ndatacenters: {}\n", ":1: version:"),
        ("datacenters: {}\n", "version:"),
        ("version: 1\ndatacenters: [yde]\n", ":2: datacenters:"),
        ("version: 1\ndatacenters:\n  yde:\n    address: 203.0.113.9\n", ":4: datacenters.yde.address: unknown key"),
        (
            "version: 1\ndatacenters:\n  kribi:\n    public_address: 203.0.113.9\n",
            ":3: datacenters.kribi: no datacenter named 'kribi'",
        ),
        (
            "version: 1\ndatacenters:\n  dla:\n    public_address: 203.0.113.9\n",
            ":4: datacenters.dla.public_address: the cloud gave the hub 203.0.113.9, the topology says 198.51.100.3",
        ),
    ],
)
def test_a_bad_file_is_located_and_nothing_is_rendered(topology: Path, cli, text: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    content = (topology / "topology.yaml").read_text()
    (topology / "topology.yaml").write_text(
        content.replace("    role: secondary\n", "    role: secondary\n    public_address: 198.51.100.3\n", 1)
    )
    _cloud(topology, text)
    with pytest.raises(TopologyError) as caught:
        load_plan(topology)
    assert any(expected in p.format() and "production-cloud.yaml" in p.format() for p in caught.value.problems)
    out = topology.parent / "inventory"
    result = cli("inventory", str(topology), "--out", str(out))
    assert result.code == 2 and expected in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()
    assert cli("validate", str(topology)).code == 2
    assert cli("validate", str(topology)).stderr == result.stderr


def _outputs(tmp_path: Path, datacenter: str) -> Path:
    path = tmp_path / f"{datacenter}.json"
    path.write_text(json.dumps(default_preview(datacenter).outputs))
    return path


def test_stack_outputs_records_each_hub_and_the_render_follows(topology: Path, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    inventory = tmp_path / "inventory"
    assert cli("inventory", str(topology), "--out", str(inventory)).code == 0
    primary = default_preview("primary").outputs["vpn"]["public_address"]
    secondary = default_preview("secondary").outputs["vpn"]["public_address"]
    args = ("--inventory", str(inventory), "--topology", str(topology))
    assert cli("stack-outputs", str(_outputs(tmp_path, "primary")), *args).code == 0
    # One stack at a time: the second run keeps what the first recorded.
    result = cli("stack-outputs", str(_outputs(tmp_path, "secondary")), *args)
    assert result.code == 0, result.stderr
    path = topology / "state" / "production-cloud.yaml"
    state = read_cloud_state(path)
    assert {n: h.public_address for n, h in state.datacenters.items()} == {"yde": primary, "dla": secondary}
    assert sorted(p.name for p in path.parent.iterdir()) == ["production-cloud.yaml"]
    # Rendered again, the gateways dial what the cloud gave (as the committed file says).
    assert cli("inventory", str(topology), "--out", str(inventory)).code == 0
    gateway = yaml.safe_load((inventory / "host_vars" / "minfi-gw.yml").read_text())
    assert {IPv4Address(primary), IPv4Address(secondary)} <= {
        IPv4Address(c["remote_addrs"]) for c in gateway["ipsec_connections"]
    }
    assert (inventory / "cloud-yde.yml").exists() and (inventory / "cloud-dla.yml").exists()  # kept by the render


def test_stack_outputs_that_contradict_the_topology_write_nothing(topology: Path, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    inventory = tmp_path / "inventory"
    assert cli("inventory", str(topology), "--out", str(inventory)).code == 0
    text = (topology / "topology.yaml").read_text()
    (topology / "topology.yaml").write_text(
        text.replace("    role: primary\n", "    role: primary\n    public_address: 198.51.100.3\n", 1)
    )
    line = text.splitlines().index("    role: primary") + 2
    result = cli(
        "stack-outputs", str(_outputs(tmp_path, "primary")), "--inventory", str(inventory), "--topology", str(topology)
    )
    assert result.code == 2 and "Traceback" not in result.stderr
    assert f"topology.yaml:{line}: datacenters.yde.public_address: the cloud gave the hub" in result.stderr
    assert not (topology / "state").exists() and not (inventory / "cloud-yde.yml").exists()


def test_a_failed_write_keeps_the_old_file(topology: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _cloud(topology, f"version: 1\ndatacenters:\n  yde:\n    public_address: {OBSERVED}\n")
    before = path.read_bytes()

    def refuse(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="No space left"):
        write_cloud_state(path, CloudState(version=1, datacenters={"yde": ObservedHub(public_address="192.0.2.1")}))
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == [path.name]
