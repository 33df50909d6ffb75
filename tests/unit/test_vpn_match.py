"""The tunnel check: break one end of a tunnel and the compile must refuse it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from egovinfra.compile import Plan, compile_loaded, compile_plan
from egovinfra.compile.vpn.match import check_vpn, tunnel_problems
from egovinfra.compile.vpn.model import Tunnel, Vpn
from egovinfra.model import load_topology
from egovinfra.model.problems import TopologyError
from tests.conftest import DEFAULT_TOPOLOGY
from tests.support.synth import synthesise


@pytest.fixture(scope="module")
def plan() -> Plan:
    return compile_plan(load_topology(DEFAULT_TOPOLOGY).topology)


@pytest.fixture
def tunnel(plan: Plan) -> Tunnel:
    return plan.vpn.tunnel("minfi_yde")


def _break_responder(tunnel: Tunnel, **changes: object) -> Tunnel:
    return replace(tunnel, responder=replace(tunnel.responder, **changes))  # type: ignore[arg-type]


def _break_child(tunnel: Tunnel, **changes: object) -> Tunnel:
    child = replace(tunnel.responder.children[0], **changes)  # type: ignore[arg-type]
    return _break_responder(tunnel, children=(child,))


def test_default_topology_has_no_mismatch(plan: Plan) -> None:
    assert check_vpn(plan.vpn) == []


def test_wrong_peer_identity_is_refused(tunnel: Tunnel) -> None:
    broken = _break_responder(tunnel, remote_id="gw.minfo.intranet.gov.cm")
    (problem,) = tunnel_problems(broken)
    assert "expects the peer identity 'gw.minfo.intranet.gov.cm'" in problem
    assert "presents 'gw.minfi.intranet.gov.cm'" in problem


def test_wrong_peer_address_is_refused(tunnel: Tunnel) -> None:
    broken = _break_responder(tunnel, remote_addr="100.64.1.14")
    assert any("expects the peer at 100.64.1.14" in p for p in tunnel_problems(broken))


def test_no_common_ike_proposal_is_refused(tunnel: Tunnel) -> None:
    broken = _break_responder(tunnel, ike_proposals=("aes256gcm16-prfsha384-ecp256",))
    (problem,) = tunnel_problems(broken)
    assert problem.startswith("no common IKE proposal")


def test_a_shared_fallback_proposal_is_enough(tunnel: Tunnel) -> None:
    # The compat profile keeps the strong proposal first: a strong-only peer still matches.
    compat = ("aes256-sha384-prfsha384-ecp384", "aes256gcm16-prfsha384-ecp384")
    assert tunnel_problems(_break_responder(tunnel, ike_proposals=compat)) == []


def test_selectors_not_mirrored_are_refused(tunnel: Tunnel) -> None:
    broken = _break_child(tunnel, remote_ts=("10.64.3.0/24",))
    (problem,) = tunnel_problems(broken)
    assert "selectors are not mirrored" in problem


def test_no_common_esp_proposal_is_refused(tunnel: Tunnel) -> None:
    broken = _break_child(tunnel, esp_proposals=("aes256gcm16-curve25519",))
    (problem,) = tunnel_problems(broken)
    assert "no common ESP proposal" in problem


def test_esp_without_the_same_pfs_group_is_refused(tunnel: Tunnel) -> None:
    broken = _break_child(tunnel, esp_proposals=("aes256gcm16",))
    assert any("no common ESP proposal" in p for p in tunnel_problems(broken))


def test_child_on_one_end_only_is_refused(tunnel: Tunnel) -> None:
    broken = _break_child(tunnel, name="other")
    problems = tunnel_problems(broken)
    assert "child 'minfi_yde' exists only on minfi-gw (strongswan)" in problems
    assert "child 'other' exists only on yde-hub (strongswan)" in problems


def test_auth_method_mismatch_and_two_initiators_are_refused(tunnel: Tunnel) -> None:
    problems = tunnel_problems(_break_responder(tunnel, auth="psk", initiator=True))
    assert any("authenticates with pubkey" in p for p in problems)
    assert "exactly one end must initiate" in problems


def test_problems_are_located_at_the_tunnels_origin(plan: Plan, tunnel: Tunnel) -> None:
    broken = _break_responder(tunnel, remote_id="x.intranet.gov.cm")
    vpn = Vpn(tunnels=(broken,))
    (problem,) = check_vpn(vpn)
    assert problem.path == ("sites", "minfi")
    assert problem.message.startswith("tunnel minfi_yde: ")


SECONDARY = "    role: secondary\n"


def _topology_with(tmp_path: Path, old: str, new: str) -> Path:
    topo = synthesise(tmp_path / "topo", 0)
    path = topo / "topology.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return topo


def test_vpnaas_hub_with_a_proposal_neutron_cannot_offer_fails_the_compile(tmp_path: Path) -> None:
    topo = _topology_with(tmp_path, SECONDARY, SECONDARY + "    vpn_backend: vpnaas\n")
    text = (topo / "topology.yaml").read_text()
    curve448 = "  ike: [aes256gcm16-prfsha384-curve448]\n  esp: [aes256gcm16-curve448]\n"
    strong = "  profile: strong "
    (topo / "topology.yaml").write_text(text.replace(strong, curve448 + strong))
    with pytest.raises(TopologyError) as caught:
        compile_loaded(load_topology(topo))
    (problem,) = caught.value.problems
    assert problem.dotted_path() == "datacenters.dla.vpn_backend"
    assert "group 'curve448' has no Neutron VPNaaS value" in problem.message
    assert problem.file.endswith("topology.yaml")
    assert problem.line > 0


def test_vpnaas_hub_gets_psk_tunnels_with_neutron_proposals(tmp_path: Path) -> None:
    topo = _topology_with(tmp_path, SECONDARY, SECONDARY + "    vpn_backend: vpnaas\n")
    plan = compile_loaded(load_topology(topo))
    tunnel = plan.vpn.tunnel("minfi_dla")
    assert tunnel.responder.platform == "vpnaas"
    assert tunnel.initiator.auth == tunnel.responder.auth == "psk"
    assert plan.vpn.tunnel("minfi_yde").initiator.auth == "pubkey"
    assert check_vpn(plan.vpn) == []
