"""Public WAN addresses: outside the WAN pool, dialled by the peers, admitted by the hubs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from egovinfra.compile import compile_plan
from egovinfra.compile.plan import Plan
from egovinfra.errors import EgovinfraError
from egovinfra.model import load_topology
from tests.conftest import DEFAULT_TOPOLOGY


def _with(tmp_path: Path, *, site: str = "", datacenter: str = "") -> Plan:
    topology = tmp_path / "t"
    shutil.copytree(DEFAULT_TOPOLOGY, topology)
    if site:
        minfi = topology / "sites" / "minfi.yaml"
        minfi.write_text(minfi.read_text() + f"public_address: {site}\n")
    if datacenter:
        text = (topology / "topology.yaml").read_text()
        (topology / "topology.yaml").write_text(
            text.replace("    role: secondary\n", f"    role: secondary\n    public_address: {datacenter}\n", 1)
        )
    return compile_plan(load_topology(topology).topology)


def test_the_lab_keeps_its_wan_pool() -> None:
    plan = compile_plan(load_topology(DEFAULT_TOPOLOGY).topology)
    assert all(dc.ike_sources == (plan.pools.wan,) and dc.public_address is None for dc in plan.datacenters)
    assert all(s.ike_address == s.wan.endpoint_address for s in plan.sites)


def test_public_addresses_are_dialled_and_admitted(tmp_path: Path) -> None:
    plan = _with(tmp_path, site="192.0.2.10", datacenter="203.0.113.5")
    yde, dla = plan.datacenter("yde"), plan.datacenter("dla")
    assert yde.ike_sources == ("192.0.2.10/32", "203.0.113.5/32", plan.pools.wan)  # other sites: still the pool
    assert dla.ike_sources == ("192.0.2.10/32", plan.pools.wan)
    minfi = plan.vpn.tunnel("minfi_dla")
    assert minfi.initiator.remote_addr == "203.0.113.5"  # the gateway dials the hub's public address
    assert minfi.responder.remote_addr == "192.0.2.10"  # the hub expects the gateway's
    site = next(s for s in plan.sites if s.name == "minfi")
    assert minfi.initiator.local_addr == site.wan.endpoint_address  # NAT in front: it binds its own


def test_a_public_address_inside_the_wan_pool_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EgovinfraError, match="inside the WAN pool"):
        _with(tmp_path, datacenter="100.64.0.77")


@pytest.mark.parametrize("key", ["cloud", "region"])
def test_a_blank_cloud_or_region_is_refused_where_it_is_written(tmp_path: Path, key: str) -> None:
    topology = tmp_path / "t"
    shutil.copytree(DEFAULT_TOPOLOGY, topology)
    text = (topology / "topology.yaml").read_text()
    (topology / "topology.yaml").write_text(
        text.replace("    role: secondary\n", f'    role: secondary\n    {key}: ""\n', 1)
    )
    line = text.splitlines().index("    role: secondary") + 2
    with pytest.raises(EgovinfraError, match=rf"topology\.yaml:{line}: datacenters\.dla\.{key}: "):
        load_topology(topology)
