"""The intranet with real charon daemons: two ministry sites, both hubs and a WAN.

Built from the default topology's Plan and the files `egovinfra render --env lab` writes:
each gateway and hub loads its rendered swanctl.conf and nftables.conf (the policy
compiler's ruleset), with certificates from the intranet PKI. A workstation sits behind each
gateway and a datacenter namespace (zone router and service addresses) behind each hub. The
WAN namespace routes only WAN transport links.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from egovinfra.compile import Plan, compile_plan
from egovinfra.model import load_topology
from egovinfra.pki import PkiLayout, init_pki
from egovinfra.render import render_all
from tests.conftest import DEFAULT_TOPOLOGY, ROOT
from tests.support import charon as h
from tests.support.vpnlab import Node, VpnLab, installed_children

pytestmark = pytest.mark.root
PREFIX = "egv-net-"
SITES = ("minfi", "minpostel")  # the two sites of the default topology with a workstation
HTTPS = 443


@pytest.fixture(scope="module")
def plan() -> Plan:
    return compile_plan(load_topology(DEFAULT_TOPOLOGY).topology)


@pytest.fixture(scope="module")
def pki_dir(plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("pki") / plan.name
    init_pki(plan.name, plan.domain, base)
    return base


@pytest.fixture(scope="module")
def lab(plan: Plan, pki_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[VpnLab]:
    reason = h.missing_requirements()
    if reason:
        pytest.skip(reason)
    h.cleanup(PREFIX)
    tree = render_all(plan, "lab")
    vpn = VpnLab(
        plan,
        tree,
        pki_dir,
        tmp_path_factory.mktemp("net"),
        PREFIX,
        [f"{s}-gw" for s in SITES],
        datacenters=True,
        workstations=True,
    )
    try:
        vpn.build()
        vpn.apply_nftables()
        _serve_https(vpn)
        vpn.load_all()
        elapsed = vpn.wait_installed(timeout=30)
        print(
            f"\nall {sum(len(n.expected) for n in vpn.nodes.values())} child SA ends "
            f"installed {elapsed:.2f} s after swanctl --load-all"
        )
        yield vpn
    finally:
        vpn.close()


def _serve_https(lab: VpnLab) -> None:
    """A TCP listener on each datacenter's groupware front end (port 443: a flow allows it)."""
    for index, ns in enumerate(ns for ns in lab.extra if ns.startswith(f"{PREFIX}dc")):
        dc = lab.plan.datacenters[index]
        web = lab.plan.host(f"{dc.name}-web")
        lab.spawn(ns, ["python3", "-m", "http.server", str(HTTPS), "--bind", web.address])
    time.sleep(0.5)


def _workstation(lab: VpnLab, site: str) -> str:
    index = list(lab.nodes).index(f"{site}-gw")
    return f"{PREFIX}ws{index}"


def _reach(lab: VpnLab, site: str, dc: str, timeout: float = 3.0) -> bool:
    """Whether the site's workstation opens TCP 443 on the datacenter's web front end."""
    web = lab.plan.host(f"{dc}-web").address
    script = f"exec 3<>/dev/tcp/{web}/{HTTPS}"
    result = subprocess.run(
        ["ip", "netns", "exec", _workstation(lab, site), "timeout", str(timeout), "bash", "-c", script],
        capture_output=True, check=False,
    )  # fmt: skip
    return result.returncode == 0


class Capture:
    """tcpdump on every WAN interface, read back as one line per packet."""

    def __init__(self, lab: VpnLab, path: Path) -> None:
        self.path = path
        log = path.with_suffix(".log")
        tcpdump = ["tcpdump", "-i", "any", "-nn", "--immediate-mode", "-U", "-w", str(path), "ip"]
        self.process = lab.spawn(lab.wan, tcpdump, log)
        deadline = time.monotonic() + 15
        while "listening on" not in log.read_text(errors="replace"):  # capturing from now on
            assert time.monotonic() < deadline, f"tcpdump did not start: {log.read_text()}"
            time.sleep(0.05)

    def stop(self) -> list[str]:
        time.sleep(0.5)  # the last replies reach the WAN interfaces
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=5)
        out = subprocess.run(["tcpdump", "-nn", "-r", str(self.path)], capture_output=True,
                             text=True, check=True).stdout  # fmt: skip
        return out.splitlines()


def _not_ike(lines: list[str]) -> list[str]:
    """Packets that are neither IKE (UDP 500) nor UDP-encapsulated ESP/IKE (UDP 4500)."""
    return [line for line in lines if not any(f".{port} > " in line or f".{port}: " in line for port in (500, 4500))]


def test_all_tunnels_installed(lab: VpnLab) -> None:
    for site in SITES:
        gw = lab.nodes[f"{site}-gw"].daemon
        assert installed_children(gw) == {f"{site}_yde", f"{site}_dla"}
    assert "dc_yde_dla" in installed_children(lab.nodes["yde-hub"].daemon)


def test_sites_reach_both_datacenters_and_the_wan_sees_only_ike_and_esp_in_udp(lab: VpnLab, tmp_path: Path) -> None:
    capture = Capture(lab, tmp_path / "wan.pcap")
    for site in SITES:
        for dc in ("yde", "dla"):
            assert _reach(lab, site, dc), f"{site} cannot reach {dc}"
    lines = capture.stop()
    assert any(".4500 > " in line for line in lines), "no encapsulated ESP seen"
    assert _not_ike(lines) == []
    for line in lines:  # no site or datacenter address ever shows on the WAN
        assert " 10." not in line, line


def test_primary_hub_lost_blocks_its_path_without_cleartext_and_the_secondary_still_serves(
    lab: VpnLab, tmp_path: Path
) -> None:
    hub = lab.nodes["yde-hub"].daemon
    assert hub.process is not None
    capture = Capture(lab, tmp_path / "failover.pcap")
    os.kill(hub.process.pid, signal.SIGKILL)  # no DELETE sent to the peers: a crash
    hub.process.wait(timeout=5)
    hub.process = None
    try:
        for site in SITES:
            assert not _reach(lab, site, "yde"), f"{site} still reaches the lost primary"
            assert _reach(lab, site, "dla"), f"{site} lost the secondary"
        lines = capture.stop()
        assert any(".4500 > " in line for line in lines), "no traffic to the secondary seen"
        assert _not_ike(lines) == []
        for line in lines:
            assert " 10." not in line, line
    finally:
        hub.start()
        lab.install_credentials(lab.nodes["yde-hub"])
        hub.swanctl("--load-all", "--noprompt")
    # The gateways keep retrying (keyingtries = 0, trap|start): the primary's tunnels return.
    lab.wait_installed(timeout=90)
    for site in SITES:
        assert _reach(lab, site, "yde")


def test_pki_rotate_replaces_a_gateway_certificate_and_its_tunnels_come_back(lab: VpnLab, pki_dir: Path) -> None:
    node = lab.nodes["minfi-gw"]
    fqdn = node.host.fqdn
    old_cert = PkiLayout(pki_dir).host_current(fqdn).cert.read_bytes()
    # A hub killed earlier leaves a stale IKE SA here until dead peer detection clears it; it
    # cannot be reauthenticated, so the SAs to replace are counted once each connection has one.
    _wait_one_sa_per_connection(node, timeout=90)
    before = _ike_ids(node)
    # The test's CA keys have no passphrase: the machine's own vault password is not theirs.
    env = {**os.environ, "EGOVINFRA_VAULT_PASSWORD_FILE": str(pki_dir.parent / "no-vault.pass")}
    env.pop("EGOVINFRA_PKI_PASSPHRASE", None)
    rotated = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "egovinfra"), "pki", "rotate", fqdn, "--pki-dir", str(pki_dir)],
        capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip
    assert rotated.returncode == 0, rotated.stderr
    new_cert = PkiLayout(pki_dir).host_current(fqdn).cert.read_bytes()
    assert new_cert != old_cert
    # What a converge does: the pki role installs the new pair, and its handler reloads the
    # credentials and reauthenticates every established IKE SA.
    lab.install_credentials(node)
    node.daemon.swanctl("--load-creds", "--noprompt")
    for ike_id in before:
        node.daemon.swanctl("--rekey", "--reauth", "--ike-id", ike_id)
    # `swanctl --rekey` only queues the reauthentication: wait for it, not for the old SAs.
    deadline = time.monotonic() + 30
    after = _ike_ids(node)
    while not after.isdisjoint(before) and time.monotonic() < deadline:
        time.sleep(0.2)
        after = _ike_ids(node)
    assert after.isdisjoint(before), "the IKE SAs were not re-established"
    lab.wait_installed(timeout=30)
    assert _reach(lab, "minfi", "yde")
    assert _reach(lab, "minfi", "dla")
    # The hubs authenticated the new certificate: its key is the only one the gateway holds.
    installed = (node.daemon.swanctl_dir / "x509" / f"{fqdn}.pem").read_bytes()
    assert installed == new_cert
    hub_log = lab.nodes["yde-hub"].daemon.log.read_text()
    assert f"authentication of '{fqdn}' with ECDSA" in hub_log


def _wait_one_sa_per_connection(node: Node, timeout: float) -> None:
    """Until no connection of `node` has two established IKE SAs; raises on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        listing = node.daemon.swanctl("--list-sas").stdout
        names = re.findall(r"^(\S+): #\d+, ESTABLISHED", listing, re.MULTILINE)
        if names and len(names) == len(set(names)):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"duplicate IKE SAs after {timeout}s: {sorted(names)}")
        time.sleep(0.5)


def _ike_ids(node: Node) -> set[str]:
    """Unique ids of the node's established IKE SAs."""
    listing = node.daemon.swanctl("--list-sas").stdout
    return set(re.findall(r"^\S+: #(\d+), ESTABLISHED", listing, re.MULTILINE))
