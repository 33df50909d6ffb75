"""strongSwan itself parses the swanctl.conf rendered for every gateway of the default topology.

Each hub's and gateway's rendered file is loaded with `swanctl --load-all` into a charon
running in its own namespace, next to certificates from the intranet PKI, as the ipsec role's
validation step does on a host.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from egovinfra.compile import Plan, compile_plan
from egovinfra.model import load_topology
from egovinfra.pki import init_pki
from egovinfra.render import Tree, render_all
from tests.conftest import DEFAULT_TOPOLOGY
from tests.support import charon as h
from tests.support.vpnlab import VpnLab

pytestmark = pytest.mark.root
PREFIX = "egv-load-"


@pytest.fixture(scope="module")
def plan() -> Plan:
    return compile_plan(load_topology(DEFAULT_TOPOLOGY).topology)


@pytest.fixture(scope="module")
def lab(plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Iterator[VpnLab]:
    reason = h.missing_requirements()
    if reason:
        pytest.skip(reason)
    h.cleanup(PREFIX)
    pki_dir = tmp_path_factory.mktemp("pki") / plan.name
    init_pki(plan.name, plan.domain, pki_dir)
    tree: Tree = render_all(plan, "lab")
    gateways = [s.gateway for s in plan.sites if plan.host(s.gateway).managed]
    vpn = VpnLab(plan, tree, pki_dir, tmp_path_factory.mktemp("vpn"), PREFIX, gateways)
    try:
        vpn.build()
        yield vpn
    finally:
        vpn.close()


def test_every_rendered_swanctl_conf_loads_into_charon(lab: VpnLab, plan: Plan) -> None:
    assert len(lab.nodes) == 2 + 7
    for name, node in lab.nodes.items():
        result = node.daemon.swanctl("--load-all", "--noprompt")
        out = result.stdout  # stderr holds swanctl's own plugin noise
        expected = len(plan.vpn.connections(name))
        assert f"successfully loaded {expected} connections, 0 unloaded" in out, out
        assert "failed" not in out, out
        assert re.search(r"loaded certificate from '.*/x509/" + re.escape(node.host.fqdn), out), out
        # charon holds them as written: IKEv2, the strong proposal, our identity.
        conns = node.daemon.swanctl("--list-conns").stdout
        assert conns.count("IKEv2") == expected
        assert conns.count(f"local public key authentication:\n    id: {node.host.fqdn}") == expected


def test_a_broken_file_is_refused_by_charon(lab: VpnLab, tmp_path: Path) -> None:
    """What the role's `validate:` relies on: a file strongSwan rejects never gets installed."""
    node = lab.nodes["minfi-gw"]
    good = (node.daemon.swanctl_dir / "swanctl.conf").read_text()
    bad = tmp_path / "bad.conf"
    bad.write_text(good.replace("aes256gcm16-ecp384", "aes256gcm16-ecp384-notanalgorithm", 1))
    result = node.daemon.swanctl("--load-conns", "--file", str(bad), check=False)
    assert result.returncode != 0
    assert "invalid value for: esp_proposals" in result.stdout + result.stderr
