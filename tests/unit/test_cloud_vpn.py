"""The VPNaaS backend: every crypto value explicit and equal to the Plan's, one connection per peer."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from egovinfra.cloud.audit import audit
from egovinfra.cloud.errors import CloudError
from egovinfra.cloud.outputs import cloud_inventory
from egovinfra.cloud.preview import Preview, run_preview
from egovinfra.cloud.program import tunnel_keys
from egovinfra.cloud.settings import CloudSettings
from egovinfra.cloud.summary import preview_rows
from egovinfra.compile import Plan, compile_loaded
from egovinfra.model import load_topology
from egovinfra.model.cloud_state import CloudState, ObservedHub, check_cloud_state
from egovinfra.pki.psk import ensure_psks, psk_path, psk_tunnels, read_psk
from egovinfra.render.hostvars import RenderContext
from egovinfra.render.roles.pki import pki_vars
from tests.support.cloud import vpnaas_topology, with_inputs

IKE = "openstack:vpnaas/ikePolicy:IkePolicy"
IPSEC = "openstack:vpnaas/ipSecPolicy:IpSecPolicy"
CONNECTION = "openstack:vpnaas/siteConnection:SiteConnection"


@pytest.fixture(scope="module")
def topology(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return vpnaas_topology(tmp_path_factory.mktemp("vpnaas") / "topology")


@cache
def _plan(path: Path) -> Plan:
    return compile_loaded(load_topology(path))


@cache
def _preview(path: Path) -> Preview:
    return run_preview("secondary", str(path))


def test_ike_and_ipsec_policies_set_every_value_from_the_strong_profile(topology: Path) -> None:
    # The strong profile: IKEv2, AES-256-GCM-16, PRF SHA-384, ECP-384 (IANA group 20), rekey 4 h / 1 h.
    (ike,) = _preview(topology).of_type(IKE)
    assert {k: ike.inputs[k] for k in ("ikeVersion", "encryptionAlgorithm", "authAlgorithm", "pfs")} == {
        "ikeVersion": "v2",
        "encryptionAlgorithm": "aes-256-gcm-16",
        "authAlgorithm": "sha384",
        "pfs": "group20",
    }
    assert ike.inputs["lifetimes"] == [{"units": "seconds", "value": 14400.0}]
    (ipsec,) = _preview(topology).of_type(IPSEC)
    assert ipsec.inputs["encryptionAlgorithm"] == "aes-256-gcm-16"
    assert ipsec.inputs["pfs"] == "group20"
    assert ipsec.inputs["transformProtocol"] == "esp"
    assert ipsec.inputs["encapsulationMode"] == "tunnel"
    assert ipsec.inputs["lifetimes"] == [{"units": "seconds", "value": 3600.0}]


def test_one_site_connection_per_ministry_and_one_to_the_primary(topology: Path) -> None:
    plan = _plan(topology)
    connections = {c.name: c.inputs for c in _preview(topology).of_type(CONNECTION)}
    assert set(connections) == {f"{s.name}_dla" for s in plan.sites} | {"dc_yde_dla"}
    minfi = connections["minfi_dla"]
    site = next(s for s in plan.sites if s.name == "minfi")
    assert minfi["peerAddress"] == site.wan.endpoint_address
    assert minfi["peerId"] == plan.host(site.gateway).fqdn
    assert minfi["localId"] == plan.host("dla-hub").fqdn
    assert minfi["initiator"] == "response-only"
    assert connections["dc_yde_dla"]["peerAddress"] == plan.datacenter("yde").wan.endpoint_address


def test_the_router_replaces_the_hub_instance_and_its_routes(topology: Path) -> None:
    preview = _preview(topology)
    assert "dla-hub" not in {i.name for i in preview.of_type("openstack:compute/instance:Instance")}
    assert preview.of_type("openstack:networking/routerRoute:RouterRoute") == []
    assert preview.outputs["vpn"]["backend"] == "vpnaas"
    assert audit(preview, _plan(topology), _plan(topology).datacenter("dla")) == []


def test_the_pre_shared_key_never_shows(topology: Path) -> None:
    rows = [r for r in preview_rows(_preview(topology)) if r["token"] == CONNECTION]
    assert rows and all(r["values"]["psk"] == "[secret]" for r in rows)
    assert all("preview-only" not in r["inputs"] for r in rows)


def test_ikev1_is_reported(topology: Path) -> None:
    plan = _plan(topology)
    weakened = with_inputs(_preview(topology), IKE, "dla-ike", ikeVersion="v1")
    assert audit(weakened, plan, plan.datacenter("dla")) == [
        "dla-ike: ikeVersion is 'v1', the Plan's crypto needs 'v2'"
    ]


def test_vpnaas_without_its_keys_is_refused(topology: Path, tmp_path: Path) -> None:
    plan = _plan(topology)
    settings = CloudSettings(datacenter="dla", pki_dir=str(tmp_path))
    with pytest.raises(CloudError, match="run `egovinfra pki psk`"):
        tunnel_keys(plan, plan.datacenter("dla"), settings)


def test_each_tunnel_has_its_own_key_and_the_gateway_reads_the_same_file(topology: Path, tmp_path: Path) -> None:
    plan = _plan(topology)
    tunnels = psk_tunnels(plan)
    hub = {c.name for c in plan.vpn.connections("dla-hub")}
    assert set(tunnels) == hub  # every tunnel of the VPNaaS hub, and only those
    assert ensure_psks(plan, tmp_path) == list(tunnels)
    assert ensure_psks(plan, tmp_path) == []  # kept, never regenerated
    keys = {t: read_psk(tmp_path, t) for t in tunnels}
    assert len(set(keys.values())) == len(tunnels)
    assert all((psk_path(tmp_path, t).stat().st_mode & 0o777) == 0o600 for t in tunnels)
    # The pki role of a ministry's gateway reads <pki dir>/psk/<name> for exactly these names.
    gateway = plan.host(plan.sites[0].gateway)
    ctx = RenderContext(plan, "production")
    assert {t["name"] for t in pki_vars(ctx, gateway)["pki_psk_tunnels"]} == {f"{plan.sites[0].name}_dla"}


def test_the_routers_address_is_reported_even_when_the_topology_names_another(tmp_path: Path) -> None:
    # Neutron picks the VPNaaS router's gateway address: a topology value must not hide it,
    # and recording it against the topology's is refused where the topology says otherwise.
    topology = vpnaas_topology(tmp_path / "t")
    text = (topology / "topology.yaml").read_text()
    named = "    vpn_backend: vpnaas\n    public_address: 198.51.100.7\n"
    (topology / "topology.yaml").write_text(text.replace("    vpn_backend: vpnaas\n", named, 1))
    outputs = run_preview("secondary", str(topology)).outputs
    assert outputs["vpn"]["public_address"].startswith("203.0.113.")
    public = cloud_inventory(_plan(topology), outputs).public_address
    assert public == outputs["vpn"]["public_address"]
    state = CloudState(version=1, datacenters={"dla": ObservedHub(public_address=public)})
    (problem,) = check_cloud_state(load_topology(topology).topology, state)
    assert problem.path == ("datacenters", "dla", "public_address") and "says 198.51.100.7" in problem.message
