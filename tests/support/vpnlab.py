"""The intranet in network namespaces: real charon daemons on the Plan's addresses and rendered files.

A WAN namespace routes only the WAN transport links (no LAN or datacenter prefix), so the
only way between a site and a datacenter is a tunnel. Each hub and gateway is a namespace
with its `wan0` link to the WAN, its own charon (kernel-libipsec, see tests/support/charon.py)
loading the `swanctl.conf` that `egovinfra render --env lab` wrote for it, and the credentials
the pki role would install. Optionally a datacenter namespace behind each hub (the zone router
and service addresses) and a workstation namespace behind each gateway.

Everything is named `<prefix><tag>-...` and removed by PID and by name.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from egovinfra.compile import Plan
from egovinfra.compile.plan import Host
from egovinfra.pki import PkiLayout, issue
from egovinfra.pki.crl import CrlPaths, publish
from egovinfra.render import Tree
from egovinfra.vici_sas import local_sas
from tests.support import charon as h

_CA_NAMES = ("root", "issuing")


_LOG_TIME = r"^(\d\d):(\d\d):(\d\d\.\d{3}) \d+\[\w+\] "
_ESTABLISHED = re.compile(_LOG_TIME + r"CHILD_SA (\S+)\{\d+\} established", re.MULTILINE)
_ADDED = re.compile(_LOG_TIME + r"added vici connection", re.MULTILINE)


def _seconds(hours: str, minutes: str, seconds: str) -> float:
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def log_times(daemon: h.Charon) -> tuple[float | None, dict[str, float]]:
    """From the daemon's log, in seconds since midnight: when its first connection was loaded,
    and when each CHILD_SA was last established (a swanctl call costs ~0.25 s; the log's
    millisecond timestamps measure bring-up without polling overhead)."""
    text = daemon.log.read_text(errors="replace")
    added = _ADDED.search(text)
    established = {m.group(4): _seconds(*m.group(1, 2, 3)) for m in _ESTABLISHED.finditer(text)}
    return (_seconds(*added.group(1, 2, 3)) if added else None), established


def installed_children(daemon: h.Charon) -> set[str]:
    """Names of the CHILD_SAs this daemon has installed."""
    return {c.name for ike in local_sas(daemon.socket) for c in ike.children if c.state == "INSTALLED"}


class RenderedCharon(h.Charon):
    """A charon that also reads the role's rendered strongswan.d/egovinfra.conf.

    The harness picks the plugins itself (load_modular = no), so only the charon settings of
    that file (reauthentication, retransmissions) take effect here, not its plugin `load`.
    """

    settings: Path | None = None

    def write_config(self) -> None:
        super().write_config()
        if self.settings is not None:
            conf = self.workdir / "strongswan.conf"
            conf.write_text(conf.read_text() + f"include {self.settings}\n")


@dataclass
class Node:
    """A hub or gateway: its Plan host, its namespace and its charon."""

    host: Host
    ns: str
    daemon: RenderedCharon
    expected: set[str] = field(default_factory=set)  # children that must reach INSTALLED


class VpnLab:
    """Hubs and gateways of `plan` wired through one WAN namespace."""

    def __init__(
        self,
        plan: Plan,
        tree: Tree,
        pki_dir: Path,
        workdir: Path,
        prefix: str,
        gateways: list[str],
        *,
        datacenters: bool = False,
        workstations: bool = False,
    ):
        self.plan, self.tree, self.pki_dir, self.workdir = plan, tree, pki_dir, workdir
        self.prefix = prefix
        self.gateways = gateways
        self.with_dc, self.with_ws = datacenters, workstations
        self.wan = f"{prefix}wan"
        self.nodes: dict[str, Node] = {}
        self.extra: list[str] = []  # datacenter and workstation namespaces
        self.processes: list[subprocess.Popen[bytes]] = []
        self.created: list[str] = []  # every namespace, in creation order

    # -- wiring -------------------------------------------------------------------------
    def _ns(self, name: str) -> str:
        h.run(["ip", "netns", "add", name])
        self.created.append(name)
        h.run(["ip", "link", "set", "lo", "up"], netns=name)
        return name

    def _wan_link(self, index: int, host: Host, ns: str) -> None:
        wan = host.interface("wan")
        assert wan is not None and wan.gateway is not None
        outer = f"w{index}"
        h.run(["ip", "link", "add", "wan0", "netns", ns, "type", "veth",
               "peer", "name", outer, "netns", self.wan])  # fmt: skip
        h.run(["ip", "addr", "add", wan.address, "dev", "wan0"], netns=ns)
        h.run(["ip", "link", "set", "wan0", "up"], netns=ns)
        prefix = wan.address.split("/")[1]
        h.run(["ip", "addr", "add", f"{wan.gateway}/{prefix}", "dev", outer], netns=self.wan)
        h.run(["ip", "link", "set", outer, "up"], netns=self.wan)
        h.run(["ip", "route", "add", "default", "via", wan.gateway], netns=ns)
        h.run(["sysctl", "-qw", "net.ipv4.ip_forward=1"], netns=ns)

    def _inside(self, index: int, host: Host, ns: str) -> None:
        """The hub's zone leg and datacenter, or the gateway's LAN and workstation."""
        if host.kind == "datacenter":
            dc = self.plan.datacenter(host.scope)
            leg = host.interface("zone")
            assert leg is not None
            router = dc.zone(host.zone or "").gateway
            if not self.with_dc:
                h.lan(ns, f"{dc.hub_inside}/32")
                return
            inner = self._ns(f"{self.prefix}dc{index}")
            self.extra.append(inner)
            _veth(ns, "eth0", leg.address, inner, "eth0", f"{router}/{leg.address.split('/')[1]}")
            for route in host.routes:
                h.run(["ip", "route", "add", route.destination, "via", route.via], netns=ns)
            for route in dc.router_routes:
                h.run(["ip", "route", "add", route.destination, "via", route.via], netns=inner)
            for service_host in self.plan.hosts:
                if service_host.scope == dc.name and service_host.name != host.name:
                    h.lan(inner, f"{service_host.address}/32")
            return
        lan = host.interface("lan")
        assert lan is not None
        site = next(s for s in self.plan.sites if s.gateway == host.name)
        if not (self.with_ws and site.workstations):
            h.lan(ns, f"{lan.ip}/32")
            return
        ws = self.plan.host(site.workstations[0])
        inner = self._ns(f"{self.prefix}ws{index}")
        self.extra.append(inner)
        ws_if = ws.interface("lan")
        assert ws_if is not None and ws_if.gateway is not None
        _veth(ns, "lan0", lan.address, inner, "eth0", ws_if.address)
        h.run(["ip", "route", "add", "default", "via", ws_if.gateway], netns=inner)

    def build(self) -> None:
        """Create every namespace and link; start one charon per hub and gateway."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._ns(self.wan)
        h.run(["sysctl", "-qw", "net.ipv4.ip_forward=1"], netns=self.wan)
        hubs = [dc.hub for dc in self.plan.datacenters]
        for index, name in enumerate([*hubs, *self.gateways]):
            host = self.plan.host(name)
            ns = self._ns(f"{self.prefix}{index}")
            self._wan_link(index, host, ns)
            self._inside(index, host, ns)
            daemon = RenderedCharon(netns=ns, workdir=self.workdir / name)
            daemon.settings = self.workdir / f"{name}.strongswan.conf"
            daemon.settings.write_bytes(self.tree[f"configs/{name}/etc/strongswan.d/egovinfra.conf"])
            self.nodes[name] = Node(host, ns, daemon)
        for node in self.nodes.values():
            node.expected = {
                c.name for c in self.plan.vpn.connections(node.host.name) if self._peer_running(c.remote_id)
            }
            self._start(node)

    def _peer_running(self, fqdn: str) -> bool:
        return any(n.host.fqdn == fqdn for n in self.nodes.values())

    def _start(self, node: Node) -> None:
        node.daemon.workdir.mkdir(parents=True, exist_ok=True)
        node.daemon.start()
        self.install_credentials(node)
        (node.daemon.swanctl_dir / "swanctl.conf").write_text(self.swanctl_conf(node))

    def swanctl_conf(self, node: Node) -> str:
        """The rendered swanctl.conf, with /etc/swanctl moved to this daemon's folder."""
        conf = self.tree[f"configs/{node.host.name}/etc/swanctl/swanctl.conf"].decode()
        return conf.replace("/etc/swanctl/", f"{node.daemon.swanctl_dir}/")

    def install_credentials(self, node: Node) -> None:
        """What the pki role does: certificate, key (0600), CA chain and CRLs into swanctl's folders."""
        layout = PkiLayout(self.pki_dir)
        fqdn = node.host.fqdn
        if not layout.host_current(fqdn).cert.exists():
            issue(fqdn, self.pki_dir)
        paths = layout.host_current(fqdn)
        swanctl = node.daemon.swanctl_dir
        shutil.copyfile(paths.cert, swanctl / "x509" / f"{fqdn}.pem")
        key = swanctl / "private" / f"{fqdn}.pem"
        shutil.copyfile(paths.key, key)
        key.chmod(0o600)
        for name, ca in zip(_CA_NAMES, (layout.root_ca, layout.issuing_ca), strict=True):
            shutil.copyfile(ca.cert, swanctl / "x509ca" / f"{self.plan.name}-{name}.pem")
        # Hubs check ministry gateways strictly: without a current CRL they refuse them all.
        crls = CrlPaths(self.pki_dir)
        if not crls.crl.exists():
            publish(self.pki_dir)
        (swanctl / "x509crl").mkdir(exist_ok=True)
        shutil.copyfile(crls.crl, swanctl / "x509crl" / "issuing.crl.pem")
        shutil.copyfile(crls.root_crl, swanctl / "x509crl" / "root.crl.pem")

    # -- operation ----------------------------------------------------------------------
    def load_all(self) -> None:
        """`swanctl --load-all` on every node, those that only respond first.

        An initiator whose peer has not loaded its side yet gets NO_PROPOSAL_CHOSEN and waits
        for its trap; loading responders first measures the bring-up itself.
        """

        def initiated(node: Node) -> int:
            return sum(c.initiator for c in self.plan.vpn.connections(node.host.name))

        for node in sorted(self.nodes.values(), key=initiated):
            node.daemon.swanctl("--load-all", "--noprompt")

    def missing(self) -> dict[str, set[str]]:
        """Children expected but not installed, by host."""
        out: dict[str, set[str]] = {}
        for name, node in self.nodes.items():
            if node.daemon.process is None:
                continue
            lacking = node.expected - installed_children(node.daemon)
            if lacking:
                out[name] = lacking
        return out

    def wait_installed(self, timeout: float = 60.0) -> float:
        """Seconds until every expected CHILD_SA is INSTALLED on both ends; raises on timeout."""
        started = time.monotonic()
        while True:
            lacking = self.missing()
            if not lacking:
                return time.monotonic() - started
            if time.monotonic() - started > timeout:
                raise TimeoutError(f"not installed after {timeout}s: {lacking}")
            time.sleep(0.05)

    def spawn(self, ns: str, cmd: list[str], log: Path | None = None) -> subprocess.Popen[bytes]:
        """Start `cmd` in namespace `ns` (stderr to `log`); stopped by PID when the lab closes."""
        err = log.open("wb") if log is not None else subprocess.DEVNULL
        process = subprocess.Popen(
            ["ip", "netns", "exec", ns, *cmd], stdout=subprocess.DEVNULL, stderr=err, start_new_session=True
        )
        self.processes.append(process)
        return process

    def apply_nftables(self) -> None:
        """Load each host's rendered nftables.conf (the policy compiler's) in its namespace."""
        for node in self.nodes.values():
            path = self.workdir / f"{node.host.name}.nft"
            path.write_bytes(self.tree[f"configs/{node.host.name}/etc/nftables.conf"])
            h.run(["nft", "-f", str(path)], netns=node.ns)

    def close(self) -> None:
        """Stop every charon by PID, then delete every namespace this lab made."""
        for node in self.nodes.values():
            node.daemon.stop()
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=5)
        for ns in reversed(self.created):
            if ns in h.namespaces(ns):
                h.delete_namespace(ns)


def _veth(ns_a: str, if_a: str, addr_a: str, ns_b: str, if_b: str, addr_b: str) -> None:
    h.run(["ip", "link", "add", if_a, "netns", ns_a, "type", "veth",
           "peer", "name", if_b, "netns", ns_b])  # fmt: skip
    for ns, ifname, addr in ((ns_a, if_a, addr_a), (ns_b, if_b, addr_b)):
        h.run(["ip", "addr", "add", addr, "dev", ifname], netns=ns)
        h.run(["ip", "link", "set", ifname, "up"], netns=ns)
    h.run(["sysctl", "-qw", "net.ipv4.ip_forward=1"], netns=ns_a)
