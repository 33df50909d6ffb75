"""The lab's IPsec suite expects selectors from the intent; on the default topology and on
generated ones, the VPN compiler must agree with it."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings

from egovinfra.compile import compile_loaded
from egovinfra.model import load_topology
from egovinfra.model.problems import TopologyError
from tests.infra.test_ipsec import intended_selectors, intended_tunnels
from tests.support.topogen import deployments


def test_the_compiled_tunnels_carry_the_intended_selectors() -> None:
    plan = compile_loaded(load_topology(None))
    tunnels = intended_tunnels(plan)
    assert len(tunnels) == len(plan.sites) * len(plan.datacenters) + 1
    for tunnel in tunnels:
        for end in tunnel.ends:
            local = sorted({ts for child in end.children for ts in child.local_ts})
            remote = sorted({ts for child in end.children for ts in child.remote_ts})
            assert (local, remote) == intended_selectors(plan, tunnel, end.host), f"{tunnel.name}@{end.host}"


def test_a_site_gateway_carries_its_lan_to_the_hubs_block() -> None:
    plan = compile_loaded(load_topology(None))
    site, dc = plan.sites[0], plan.datacenters[0]
    tunnel = next(t for t in intended_tunnels(plan) if {e.host for e in t.ends} == {site.gateway, dc.hub})
    assert intended_selectors(plan, tunnel, site.gateway) == ([site.lan], [dc.supernet])
    assert intended_selectors(plan, tunnel, dc.hub) == ([dc.supernet], [site.lan])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(deployments())
def test_generated_topologies_carry_the_intended_selectors(raw: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "topology.yaml"
        path.write_text(yaml.safe_dump(raw, sort_keys=False))
        try:
            plan = compile_loaded(load_topology(path))
        except TopologyError:
            return  # refused topologies are test_validate_render's
    for tunnel in intended_tunnels(plan):
        for end in tunnel.ends:
            local = sorted({ts for child in end.children for ts in child.local_ts})
            remote = sorted({ts for child in end.children for ts in child.remote_ts})
            assert (local, remote) == intended_selectors(plan, tunnel, end.host), f"{tunnel.name}@{end.host}"
