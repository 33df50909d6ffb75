"""charon's scale settings: derived from the tunnels each host ends, rendered as computed."""

from __future__ import annotations

from ipaddress import IPv4Network
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from egovinfra.compile import Plan, compile_loaded
from egovinfra.compile.vpn.model import ChildSa, Connection
from egovinfra.compile.vpn.tuning import DEFAULT_COOKIE_THRESHOLD, HALF_OPEN_LIMIT, daemon_tuning
from egovinfra.model import load_topology
from egovinfra.render import render_all
from tests.support.swanctl_conf import parse_settings
from tests.support.synth import synthesise

SETTINGS = "etc/strongswan.d/egovinfra.conf"


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return compile_loaded(load_topology(synthesise(tmp_path_factory.mktemp("topo") / "t", 300)))


def test_a_hub_is_sized_for_its_sites(large: Plan) -> None:
    for dc in large.datacenters:
        tuning = large.vpn.tuning(dc.hub)
        carried = len(large.vpn.connections(dc.hub))
        assert tuning.ike_sas == carried
        size = tuning.ikesa_table_size
        assert size & (size - 1) == 0
        assert carried <= size < 2 * carried
        assert 1 <= tuning.ikesa_table_segments <= size
        # A bounded number of handshakes at once, however many sites dial, and no COOKIE
        # demanded from a site before that bound.
        assert tuning.init_limit_half_open == HALF_OPEN_LIMIT
        assert tuning.cookie_threshold >= len(large.sites) > tuning.init_limit_half_open


def test_site_tunnel_policies_are_hashed_on_a_hub(large: Plan) -> None:
    """Each site tunnel's selectors reach the thresholds, and the remote bits tell sites apart."""
    for dc in large.datacenters:
        tuning = large.vpn.tuning(dc.hub)
        sites = {t.name for t in large.vpn.tunnels if t.kind == "site"}
        site_children = [c for conn in large.vpn.connections(dc.hub) if conn.name in sites for c in conn.children]
        remotes = set()
        for child in site_children:
            assert all(IPv4Network(ts).prefixlen >= tuning.spd_local_bits for ts in child.local_ts)
            assert all(IPv4Network(ts).prefixlen >= tuning.spd_remote_bits for ts in child.remote_ts)
            remotes |= {
                IPv4Network(f"{ts.split('/')[0]}/{tuning.spd_remote_bits}", strict=False) for ts in child.remote_ts
            }
        assert len(remotes) == len(site_children)


def test_a_gateway_keeps_a_small_daemon(large: Plan) -> None:
    gateway = next(large.host(s.gateway) for s in large.sites if large.host(s.gateway).managed)
    tuning = large.vpn.tuning(gateway.name)
    assert tuning.ike_sas == len(large.datacenters)
    assert tuning.ikesa_table_size <= 2
    assert tuning.cookie_threshold == DEFAULT_COOKIE_THRESHOLD
    assert tuning.init_limit_half_open == 2 * DEFAULT_COOKIE_THRESHOLD


def test_rendered_settings_are_the_plans(large: Plan, tmp_path: Path) -> None:
    tree = render_all(large, "production")
    for host in (large.primary.hub, large.sites[-1].gateway):
        tuning = large.vpn.tuning(host)
        charon = parse_settings(tree[f"configs/{host}/{SETTINGS}"].decode())["charon"]
        assert int(charon["ikesa_table_size"]) == tuning.ikesa_table_size
        assert int(charon["ikesa_table_segments"]) == tuning.ikesa_table_segments
        assert int(charon["cookie_threshold"]) == tuning.cookie_threshold
        assert int(charon["init_limit_half_open"]) == tuning.init_limit_half_open
        ipv4 = charon["plugins"]["kernel-netlink"]["spdh_thresh"]["ipv4"]
        assert (int(ipv4["lbits"]), int(ipv4["rbits"])) == (tuning.spd_local_bits, tuning.spd_remote_bits)


def _connection(index: int, remote: str) -> Connection:
    child = ChildSa(f"c{index}", ("10.1.0.0/16",), (remote,), ("aes256gcm16-ecp384",), 3600, "trap", "clear", "none")
    return Connection(
        f"c{index}", "hub", "strongswan", "", "100.64.0.1", f"100.64.1.{index % 250}", "hub", f"gw{index}",
        "pubkey", 2, ("aes256gcm16-prfsha384-ecp384",), 14400, 10, False, (child,),
    )  # fmt: skip


@given(st.lists(st.integers(16, 30), min_size=1, max_size=300))
def test_tuning_invariants(prefixes: list[int]) -> None:
    connections = tuple(_connection(i, f"10.{64 + i // 256}.{i % 256}.0/{p}") for i, p in enumerate(prefixes))
    tuning = daemon_tuning("hub", connections)
    n = len(connections)
    assert tuning.ikesa_table_size >= n
    assert tuning.ikesa_table_size < max(2 * n, 2)
    assert tuning.cookie_threshold >= max(n, DEFAULT_COOKIE_THRESHOLD)
    assert min(n, HALF_OPEN_LIMIT) <= tuning.init_limit_half_open <= HALF_OPEN_LIMIT
    # The remote threshold is a prefix length some selectors have, and no other has more of them.
    assert tuning.spd_remote_bits in prefixes
    assert all(prefixes.count(p) <= prefixes.count(tuning.spd_remote_bits) for p in prefixes)
    assert tuning.spd_local_bits == 16
