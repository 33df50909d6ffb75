"""The intranet's tunnels in the default topology, as docs/intranet.md designs them."""

from __future__ import annotations

import pytest

from egovinfra.compile import Plan, compile_plan
from egovinfra.model import load_topology
from tests.conftest import DEFAULT_TOPOLOGY

DOMAIN = "intranet.gov.cm"
SITES = ("minepat", "minfi", "minfopra", "minjustice", "minpostel", "minrex", "prc", "spm")


@pytest.fixture(scope="module")
def plan() -> Plan:
    return compile_plan(load_topology(DEFAULT_TOPOLOGY).topology)


def test_every_site_has_a_tunnel_to_each_hub_and_the_hubs_one_to_each_other(plan: Plan) -> None:
    names = {t.name for t in plan.vpn.tunnels}
    expected = {f"{s}_{dc}" for s in SITES for dc in ("yde", "dla")} | {"dc_yde_dla"}
    assert names == expected


def test_site_tunnel_ends_carry_fqdn_identities_wan_addresses_and_one_child(plan: Plan) -> None:
    tunnel = plan.vpn.tunnel("minfi_dla")
    gw, hub = tunnel.initiator, tunnel.responder
    assert (gw.host, hub.host) == ("minfi-gw", "dla-hub")
    assert (gw.local_id, gw.remote_id) == (f"gw.minfi.{DOMAIN}", f"hub.dla.{DOMAIN}")
    assert (gw.local_addr, gw.remote_addr) == ("100.64.1.10", "100.64.0.10")
    (child,) = gw.children
    # The site LAN to the Douala datacenter only: the Yaoundé supernet rides its own tunnel.
    assert (child.local_ts, child.remote_ts) == (("10.64.2.0/24",), ("10.2.0.0/16",))
    assert child.start_action == "trap|start"
    assert child.dpd_action == "restart"
    assert hub.children[0].start_action == "trap"
    assert gw.auth == hub.auth == "pubkey"


def test_hub_to_hub_carries_the_two_supernets_and_the_primary_initiates(plan: Plan) -> None:
    tunnel = plan.vpn.tunnel("dc_yde_dla")
    assert tunnel.initiator.host == "yde-hub"
    assert tunnel.initiator.initiator
    assert tunnel.responder.children[0].local_ts == ("10.2.0.0/16",)
    assert tunnel.responder.children[0].remote_ts == ("10.1.0.0/16",)


def test_crypto_and_timers_come_from_the_strong_profile(plan: Plan) -> None:
    for tunnel in plan.vpn.tunnels:
        for end in tunnel.ends:
            assert end.ike_version == 2
            assert end.ike_proposals == ("aes256gcm16-prfsha384-ecp384",)
            assert end.children[0].esp_proposals == ("aes256gcm16-ecp384",)
            assert (end.rekey_time, end.children[0].rekey_time, end.dpd_delay) == (14400, 3600, 10)


def test_vendor_edge_is_a_vendor_end_and_hubs_list_it(plan: Plan) -> None:
    end = plan.vpn.tunnel("minrex_yde").initiator
    assert (end.platform, end.vendor) == ("vendor", "juniper-srx")
    hub_peers = {c.remote_id for c in plan.vpn.connections("yde-hub")}
    assert f"gw.minrex.{DOMAIN}" in hub_peers
    assert len(plan.vpn.connections("yde-hub")) == len(SITES) + 1
    assert plan.vpn.connections("minfi-ws1") == ()
