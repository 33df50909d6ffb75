"""The VPNaaS backend: every crypto value explicit and equal to the Plan's, one connection per peer."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from egovinfra.cloud.audit import audit
from egovinfra.cloud.errors import CloudError
from egovinfra.cloud.preview import Preview, run_preview
from egovinfra.cloud.summary import preview_rows
from egovinfra.compile import Plan, compile_loaded
from egovinfra.model import load_topology
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


def test_vpnaas_without_a_key_is_refused(topology: Path) -> None:
    with pytest.raises(CloudError, match="egovinfra:vpnPsk"):
        run_preview("secondary", str(topology), config={"vpnPsk": None})
