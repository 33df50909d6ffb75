"""Rendered IPsec configuration: every gateway gets one, both ends mirror, no key material."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from egovinfra.compile import Plan, compile_plan
from egovinfra.compile.vpn.proposals import agreed
from egovinfra.model import load_topology
from egovinfra.pki.store import PkiLayout
from egovinfra.render import Tree, render_all
from tests.conftest import DEFAULT_TOPOLOGY, ROOT
from tests.support.swanctl_conf import parse_settings

SWANCTL = "etc/swanctl/swanctl.conf"
MANAGED_GATEWAYS = ("minepat", "minfi", "minfopra", "minjustice", "minpostel", "prc", "spm")


@pytest.fixture(scope="module")
def plan() -> Plan:
    return compile_plan(load_topology(DEFAULT_TOPOLOGY).topology)


@pytest.fixture(scope="module")
def lab(plan: Plan) -> Tree:
    return render_all(plan, "lab")


@pytest.fixture(scope="module")
def production(plan: Plan) -> Tree:
    return render_all(plan, "production")


def _connections(tree: Tree, host: str) -> dict[str, Any]:
    conf = parse_settings(tree[f"configs/{host}/{SWANCTL}"].decode())
    return conf["connections"]  # type: ignore[no-any-return]


def test_every_hub_and_managed_gateway_has_a_swanctl_conf(lab: Tree) -> None:
    expected = {"yde-hub", "dla-hub"} | {f"{s}-gw" for s in MANAGED_GATEWAYS}
    have = {p.split("/")[1] for p in lab if p.endswith(SWANCTL)}
    assert have == expected
    # Each hub terminates one tunnel per site (the vendor edge too) and the hub-to-hub one.
    assert len(_connections(lab, "yde-hub")) == 8 + 1


def test_rendered_ends_mirror_each_other(lab: Tree, plan: Plan) -> None:
    """Read back from the files, so the template cannot undo what the check proved."""
    checked = 0
    for tunnel in plan.vpn.tunnels:
        hosts = [end.host for end in tunnel.ends if end.platform == "strongswan"]
        if len(hosts) != 2:
            continue
        a = _connections(lab, hosts[0])[tunnel.name]
        b = _connections(lab, hosts[1])[tunnel.name]
        assert (a["local_addrs"], a["remote_addrs"]) == (b["remote_addrs"], b["local_addrs"])
        assert (a["local"]["id"], a["remote"]["id"]) == (b["remote"]["id"], b["local"]["id"])
        assert a["version"] == b["version"] == "2"
        assert agreed(tuple(a["proposals"].split(",")), tuple(b["proposals"].split(",")), "ike")
        ca, cb = a["children"][tunnel.name], b["children"][tunnel.name]
        assert (ca["local_ts"], ca["remote_ts"]) == (cb["remote_ts"], cb["local_ts"])
        assert agreed(tuple(ca["esp_proposals"].split(",")), tuple(cb["esp_proposals"].split(",")), "esp")
        # Exactly one end brings the tunnel up; the other only traps.
        assert {ca["start_action"], cb["start_action"]} == {"trap|start", "trap"}
        checked += 1
    assert checked == 2 * len(MANAGED_GATEWAYS) + 1


def test_lab_uses_libipsec_with_udp_encapsulation(lab: Tree, production: Tree) -> None:
    lab_conn = _connections(lab, "minfi-gw")["minfi_yde"]
    prod_conn = _connections(production, "minfi-gw")["minfi_yde"]
    assert lab_conn["encap"] == "yes"
    assert prod_conn["encap"] == "no"
    lab_charon = parse_settings(lab["configs/minfi-gw/etc/strongswan.d/egovinfra.conf"].decode())
    prod_charon = parse_settings(production["configs/minfi-gw/etc/strongswan.d/egovinfra.conf"].decode())
    assert lab_charon["charon"]["plugins"]["kernel-libipsec"]["load"] == "2"
    assert prod_charon["charon"]["plugins"]["kernel-libipsec"]["load"] == "no"


def test_vendor_edge_gets_a_peer_summary_and_no_strongswan_config(lab: Tree) -> None:
    assert f"configs/minrex-gw/{SWANCTL}" not in lab
    summary = yaml.safe_load(lab["configs/minrex-gw/ipsec-peers.yml"])
    assert summary["vendor"] == "juniper-srx"
    assert {t["peer_identity"] for t in summary["tunnels"]} == {"hub.yde.intranet.gov.cm", "hub.dla.intranet.gov.cm"}
    yde = next(t for t in summary["tunnels"] if t["name"] == "minrex_yde")
    assert yde["children"][0]["remote_networks"] == ["10.1.0.0/16"]
    assert yde["ike"]["version"] == 2


def test_no_key_material_in_the_rendered_tree(lab: Tree, production: Tree) -> None:
    for tree in (lab, production):
        for path, content in tree.items():
            assert b"PRIVATE KEY" not in content, path
            assert b"secret =" not in content, path


def test_inventory_names_credentials_by_path_only(lab: Tree) -> None:
    hv = yaml.safe_load(lab["inventory/host_vars/minfi-gw.yml"])
    pki = {k: v for k, v in hv.items() if k.startswith("pki_")}
    assert pki == {
        "pki_identity": "gw.minfi.intranet.gov.cm",
        "pki_certificate_name": "gw.minfi.intranet.gov.cm.pem",
        "pki_ca_names": ["cameroon-egov-root.pem", "cameroon-egov-issuing.pem"],
        "pki_crl_names": ["cameroon-egov-root.crl.pem", "cameroon-egov-issuing.crl.pem"],
        "pki_psk_tunnels": [],
    }
    assert hv["ipsec_certificate"] == pki["pki_certificate_name"]


def test_pki_role_reads_the_pki_library_layout_and_keeps_keys_0600() -> None:
    role = ROOT / "roles" / "pki"
    defaults = yaml.safe_load((role / "defaults" / "main.yml").read_text())
    layout = PkiLayout(Path("/B"))
    fqdn = "gw.x.intranet.gov.example"

    def expand(template: str) -> str:
        return template.replace("{{ pki_controller_dir }}", "/B").replace("{{ pki_identity }}", fqdn)

    assert expand(defaults["pki_source_cert"]) == str(layout.host_current(fqdn).cert)
    assert expand(defaults["pki_source_key"]) == str(layout.host_current(fqdn).key)
    assert expand(defaults["pki_source_root_ca"]) == str(layout.root_ca.cert)
    assert expand(defaults["pki_source_issuing_ca"]) == str(layout.issuing_ca.cert)
    tasks = yaml.safe_load((role / "tasks" / "main.yml").read_text())
    key_task = next(t for t in tasks if "private/" in str(t.get("ansible.builtin.copy", {})))
    assert key_task["ansible.builtin.copy"]["mode"] == "0600"
    assert key_task["no_log"] is True
    folders = next(t for t in tasks if "ansible.builtin.file" in t)["loop"]
    assert {"name": "private", "mode": "0700"} in folders
