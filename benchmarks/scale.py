"""The intranet at national scale: N sites against the two real hubs, real charon daemons.

The hubs are what the project deploys: one charon-systemd each in its own namespace, loading the
`swanctl.conf` and `strongswan.d/egovinfra.conf` that `egovinfra render --env lab` wrote for
them from a topology of N sites (the default one plus synthetic delegations, the generator of
benchmarks/render.py), with their certificates from the project's PKI. The sites are real IKE
initiators: Debian's strongSwan has no load-tester plugin, so one charon carries `--per-daemon`
sites (default 50), each site with its own WAN address, its own rendered connections (included
from the gateway's own rendered file) and its own certificate and key, as in production: the
hub sees N distinct peers. Both ends use kernel-libipsec (this kernel has no ESP), like the lab.

Certificates are issued once into the bench's PKI folder (`--pki-dir`, default
$EGOVINFRA_PKI_DIR or /var/lib/egovinfra/egsc/pki-scale) and reused by later runs; the CRLs are
signed again there when missing or due (`pki publish`). Every daemon gets what the pki role
installs, under the names its rendered variables give: certificates, key, both CA certificates
and both CRLs (the hubs check the sites with strict revocation: without a CRL they refuse all).

    .venv/bin/python benchmarks/scale.py [--sites 50,200,1000] [--json reports/benchmarks/scale.json]

Per size, three phases, figures taken from the daemons' logs (ms) and from psutil:
- bring-up: from the hubs' `swanctl --load-all` (then every site's, in parallel) to every IKE
  and CHILD_SA established on both hubs; the hubs' CPU seconds and peak resident memory;
- rekeying under load: the sites' copies of their rendered files get short lifetimes (CHILD_SA
  `--child-rekey` s, IKE_SA twice that; the hubs keep theirs), the run watches `--window`
  seconds while a sample of sites pings the hub through its tunnel; every rekey is counted, and
  in every daemon's log the failures (rekey failed, refused setups, attempts ended on COOKIEs)
  apart from the back-pressure (retransmissions, setups dropped at the half-open bound);
- re-home: the primary hub's charon is killed (SIGKILL, a crash), started again and loaded as
  its systemd unit would; time until every site's tunnel is back on it.

The load average of the machine is printed with each size: figures from a shared 2-core host.
Needs root; every namespace is named `egsc-scale-...` and removed by PID and by name.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from egovinfra.compile import Plan, compile_loaded  # noqa: E402
from egovinfra.compile.plan import Host  # noqa: E402
from egovinfra.model import load_topology  # noqa: E402
from egovinfra.pki import PkiLayout, init_pki, issue  # noqa: E402
from egovinfra.pki.crl import CrlPaths, crl_status, publish  # noqa: E402
from egovinfra.render import Tree, render_all  # noqa: E402
from egovinfra.render.roles.ipsec import certificate_name  # noqa: E402
from egovinfra.vici_sas import local_sas  # noqa: E402
from tests.support import charon as h  # noqa: E402
from tests.support.synth import DEFAULT_TOPOLOGY, synthesise  # noqa: E402

PREFIX = "egsc-scale-"
DEFAULT_SITES = 8
# Transfer links between the WAN router and the initiator namespaces (RFC 2544 benchmarking range).
TRANSFER = "198.18"

_TIME = r"^(\d\d):(\d\d):(\d\d\.\d{3}) \d+\[\w+\] "
_CHILD_UP = re.compile(_TIME + r"(?:inbound )?CHILD_SA (\S+)\{\d+\} established")
_IKE_UP = re.compile(_TIME + r"IKE_SA (\S+)\[\d+\] established between")
_IKE_REKEYED = re.compile(_TIME + r"IKE_SA (\S+)\[\d+\] rekeyed between")
# Log lines that mean something did not work, by kind (strongSwan 5.9 wording).
FAILURES = {
    "rekey failed": re.compile(
        r"rekeying IKE_SA failed|CHILD_SA rekeying failed|unable to rekey|"
        r"CHILD_SA not found after rekeying|peer didn't find the CHILD_SA"
    ),
    "refused": re.compile(
        r"received (NO_PROPOSAL_CHOSEN|TS_UNACCEPTABLE|AUTHENTICATION_FAILED|"
        r"INVALID_KE_PAYLOAD|NO_ADDITIONAL_SAS|TEMPORARY_FAILURE) notify"
    ),
    "setup failed": re.compile(r"establishing CHILD_SA \S+ failed|failed to establish CHILD_SA"),
    # A COOKIE answered five times ends the attempt for good (keyingtries does not apply).
    "gave up on cookies": re.compile(r"giving up after \d+ retries"),
}
# Back-pressure: how the daemons wait for a busy hub; a site that gives up on retransmissions
# dials again (keyingtries = 0), and dead peer detection gives up once per site at a re-home.
EVENTS = {
    "retransmits": re.compile(r"retransmit \d+ of request"),
    "gave up on retransmits": re.compile(r"giving up after \d+ retransmits"),
    "half-open limit": re.compile(r"ignoring IKE_SA setup from"),
    "cookies received": re.compile(r"IKE_SA_INIT response 0 \[ N\(COOKIE\) \]"),
    "rekey collisions": re.compile(r"rekey collision"),
}


def clock() -> float:
    """Local time in seconds since midnight, as charon's log writes it."""
    now = datetime.now()
    return now.hour * 3600 + now.minute * 60 + now.second + now.microsecond / 1e6


def _seconds(hours: str, minutes: str, seconds: str) -> float:
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


class LogWatch:
    """Reads a daemon's log as it grows: when each CHILD_SA and IKE_SA came up, rekeys, failures."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.child_up: dict[str, float] = {}  # child → last time it was established
        self.child_count: Counter[str] = Counter()
        self.ike_up: dict[str, float] = {}
        self.ike_rekeys = 0
        self.failures: Counter[str] = Counter()
        self.events: Counter[str] = Counter()
        self.examples: dict[str, str] = {}

    def mark(self) -> None:
        """Forget what was read so far: the next figures start now."""
        self.poll()
        self.child_up.clear()
        self.ike_up.clear()

    def poll(self) -> None:
        """Read what the daemon wrote since the last call."""
        if not self.path.exists():
            return
        with self.path.open("rb") as log:
            log.seek(self.offset)
            data = log.read()
        end = data.rfind(b"\n") + 1
        self.offset += end
        for line in data[:end].decode(errors="replace").splitlines():
            self._line(line)

    def _line(self, line: str) -> None:
        if m := _CHILD_UP.match(line):
            self.child_up[m.group(4)] = _seconds(*m.group(1, 2, 3))
            self.child_count[m.group(4)] += 1
        elif m := _IKE_UP.match(line):
            self.ike_up[m.group(4)] = _seconds(*m.group(1, 2, 3))
        elif _IKE_REKEYED.match(line):
            self.ike_rekeys += 1
        for kind, pattern in FAILURES.items():
            if pattern.search(line):
                self.failures[kind] += 1
                self.examples.setdefault(kind, line)
        for kind, pattern in EVENTS.items():
            if pattern.search(line):
                self.events[kind] += 1


class BenchCharon(h.Charon):
    """The harness's charon with a production-like log (level 1) and the role's rendered settings."""

    settings: Path | None = None

    def write_config(self) -> None:
        super().write_config()
        conf = self.workdir / "strongswan.conf"
        text = conf.read_text().replace("    ike = 2\n", "")
        if self.settings is not None:
            text += f"include {self.settings}\n"
        conf.write_text(text)

    def kill(self) -> None:
        """SIGKILL, as a crash: no DELETE reaches the peers; the stale socket is removed."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None
        self.socket.unlink(missing_ok=True)


@dataclass
class Usage:
    """CPU seconds and peak resident memory of a daemon over a phase."""

    cpu_s: float = 0.0
    peak_mib: float = 0.0


@dataclass
class Hub:
    """One datacenter's hub: Plan name, namespace, daemon, log and the children it must carry."""

    name: str
    ns: str
    daemon: BenchCharon
    expected: set[str]
    watch: LogWatch = field(init=False)

    def __post_init__(self) -> None:
        self.watch = LogWatch(self.daemon.log)


class Sampler:
    """Samples the hubs' processes with psutil: CPU time used and peak RSS since `start`."""

    def __init__(self, hubs: Iterable[Hub]) -> None:
        self.hubs = list(hubs)
        self.cpu0: dict[str, float] = {}
        self.peak: dict[str, int] = {}

    @staticmethod
    def _proc(hub: Hub) -> psutil.Process:
        assert hub.daemon.process is not None
        return psutil.Process(hub.daemon.process.pid)

    def start(self) -> None:
        """Begin a phase."""
        for hub in self.hubs:
            times = self._proc(hub).cpu_times()
            self.cpu0[hub.name] = times.user + times.system
            self.peak[hub.name] = 0
        self.sample()

    def sample(self) -> None:
        """Record the current resident memory of each hub."""
        for hub in self.hubs:
            try:
                rss = self._proc(hub).memory_info().rss
            except psutil.Error:
                continue
            self.peak[hub.name] = max(self.peak.get(hub.name, 0), rss)

    def usage(self) -> dict[str, Usage]:
        """CPU seconds and peak MiB of each hub since `start`."""
        self.sample()
        out = {}
        for hub in self.hubs:
            times = self._proc(hub).cpu_times()
            out[hub.name] = Usage(
                round(times.user + times.system - self.cpu0[hub.name], 2), round(self.peak[hub.name] / 2**20, 1)
            )
        return out


@dataclass
class Result:
    """The figures of one size."""

    sites: int
    initiator_daemons: int
    tunnels: int
    load_before: tuple[float, float, float]
    hub_load_all_s: dict[str, float] = field(default_factory=dict)
    bring_up_s: float = 0.0
    bring_up_usage: dict[str, Usage] = field(default_factory=dict)
    rekey_window_s: float = 0.0
    child_rekeys: int = 0
    ike_rekeys: int = 0
    rekey_usage: dict[str, Usage] = field(default_factory=dict)
    ping_sent: int = 0
    ping_lost: int = 0
    rehome_hub: str = ""
    rehome_s: float = 0.0
    rehome_after_load_s: float = 0.0
    rehome_usage: dict[str, Usage] = field(default_factory=dict)
    not_installed: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # phase → hub → children
    rehome_failures: dict[str, int] = field(default_factory=dict)
    rehome_events: dict[str, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    events: dict[str, int] = field(default_factory=dict)
    examples: dict[str, str] = field(default_factory=dict)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)


def ensure_pki(plan: Plan, base: Path, fqdns: Iterable[str]) -> PkiLayout:
    """The bench's PKI for `plan`: CAs and one certificate per identity, issued once and cached,
    and current CRLs (signed again, as `pki publish` does, when missing or due)."""
    pki_dir = base / plan.name
    layout = PkiLayout(pki_dir)
    if not layout.root_ca.cert.exists():
        init_pki(plan.name, plan.domain, pki_dir)
    for fqdn in fqdns:
        if not layout.host_current(fqdn).cert.exists():
            issue(fqdn, pki_dir)
    status = crl_status(pki_dir)
    if status is None or status.due:
        publish(pki_dir)
    return layout


def _batch(ns: str | None, commands: list[str]) -> None:
    """Many `ip` commands in one process (thousands of addresses and routes)."""
    full = ["ip", *(["-n", ns] if ns else []), "-batch", "-"]
    result = subprocess.run(full, input="\n".join(commands) + "\n", capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(full)} failed: {result.stderr}")


def pki_vars(tree: Tree, host: str) -> dict[str, Any]:
    """The pki role's variables rendered for `host` (file names only, no key material)."""
    data = YAML(typ="safe").load(tree[f"inventory/host_vars/{host}.yml"])
    return {k: v for k, v in data.items() if k.startswith("pki_")}


def install_certificate(daemon: h.Charon, layout: PkiLayout, host: Host) -> None:
    """The host's certificate and key (0600), under the name the pki and ipsec roles give it."""
    paths = layout.host_current(host.fqdn)
    swanctl = daemon.swanctl_dir
    (swanctl / "x509" / certificate_name(host)).write_bytes(paths.cert.read_bytes())
    key = swanctl / "private" / certificate_name(host)
    key.write_bytes(paths.key.read_bytes())
    key.chmod(0o600)


def install_trust(daemon: h.Charon, layout: PkiLayout, pki: dict[str, Any]) -> None:
    """The root and issuing CAs' certificates and CRLs, as the pki role installs them."""
    crls = CrlPaths(layout.base)
    root_ca, issuing_ca = pki["pki_ca_names"]
    root_crl, issuing_crl = pki["pki_crl_names"]
    swanctl = daemon.swanctl_dir
    for source, dest in (
        (layout.root_ca.cert, swanctl / "x509ca" / root_ca),
        (layout.issuing_ca.cert, swanctl / "x509ca" / issuing_ca),
        (crls.root_crl, swanctl / "x509crl" / root_crl),
        (crls.crl, swanctl / "x509crl" / issuing_crl),
    ):
        dest.write_bytes(source.read_bytes())


def short_lifetimes(conf: str, ike_rekey: int, child_rekey: int, margin: int) -> str:
    """A site's rendered swanctl.conf with the bench's short lifetimes (connection, then child level).

    strongSwan's hard limits default to 10 % past the rekey time: 6 s at a 60 s rekey, less than
    one retransmission sequence, where production has 24 min (IKE) and 6 min (CHILD). The bench
    keeps `margin` seconds between rekey and expiry, so a slow rekey counts as slow, not as lost,
    and production's jitter of 10 % of the rekey time (strongSwan's default there).
    """
    conf = re.sub(
        r"(?m)^( {8})rekey_time = \d+s$",
        rf"\g<1>rekey_time = {ike_rekey}s\n\g<1>over_time = {margin}s\n\g<1>rand_time = {ike_rekey // 10}s",
        conf,
    )
    return re.sub(
        r"(?m)^( {16})rekey_time = \d+s$",
        rf"\g<1>rekey_time = {child_rekey}s\n\g<1>life_time = {child_rekey + margin}s\n"
        rf"\g<1>rand_time = {child_rekey // 10}s",
        conf,
    )


class ScaleLab:
    """Two hubs and N sites carried by a few initiator daemons, wired through a WAN namespace."""

    def __init__(self, plan: Plan, tree: Tree, layout: PkiLayout, work: Path, args: argparse.Namespace) -> None:
        self.plan, self.tree, self.layout, self.work, self.args = plan, tree, layout, work, args
        self.sites = [s for s in plan.sites if plan.host(s.gateway).managed]
        self.carried = {
            plan.host(x).fqdn for x in [*(s.gateway for s in self.sites), *(d.hub for d in plan.datacenters)]
        }
        self.created: list[str] = []
        self.hubs: list[Hub] = []
        self.initiators: list[tuple[str, BenchCharon, list[str]]] = []  # ns, daemon, gateways
        self.pings: list[subprocess.Popen[str]] = []
        self.initiator_watches: list[LogWatch] = []
        # The first rekeys must not begin before the last site is up (1,000 sites: 47-85 s here).
        self.child_rekey = args.child_rekey or (60 if len(self.sites) < 500 else 120)

    def _ns(self, name: str) -> str:
        h.run(["ip", "netns", "add", name])
        self.created.append(name)
        h.run(["ip", "link", "set", "lo", "up"], netns=name)
        h.run(["sysctl", "-qw", "net.ipv4.ip_forward=1"], netns=name)
        return name

    def _conf(self, host: str, daemon: h.Charon) -> str:
        conf = self.tree[f"configs/{host}/etc/swanctl/swanctl.conf"].decode()
        return conf.replace("/etc/swanctl/", f"{daemon.swanctl_dir}/")

    def build(self) -> None:
        """Namespaces, links, addresses; the daemons started, nothing loaded yet."""
        wan = self._ns(f"{PREFIX}wan")
        for index, dc in enumerate(self.plan.datacenters):
            ns = self._ns(f"{PREFIX}hub{index}")
            host = self.plan.host(dc.hub)
            h.run(["ip", "link", "add", "wan0", "netns", ns, "type", "veth", "peer", "name", f"h{index}", "netns", wan])
            length = dc.wan.cidr.split("/")[1]
            _batch(
                ns,
                [
                    f"addr add {dc.wan.endpoint_address}/{length} dev wan0",
                    "link set wan0 up",
                    f"route add default via {dc.wan.provider_address}",
                    f"addr add {dc.hub_inside}/32 dev lo",
                ],
            )
            _batch(wan, [f"addr add {dc.wan.provider_address}/{length} dev h{index}", f"link set h{index} up"])
            daemon = BenchCharon(netns=ns, workdir=self.work / host.name)
            daemon.workdir.mkdir(parents=True)
            daemon.settings = daemon.workdir / "egovinfra.conf"
            daemon.settings.write_bytes(self.tree[f"configs/{host.name}/etc/strongswan.d/egovinfra.conf"])
            daemon.start()
            install_certificate(daemon, self.layout, host)
            install_trust(daemon, self.layout, pki_vars(self.tree, host.name))
            (daemon.swanctl_dir / "swanctl.conf").write_text(self._conf(host.name, daemon))
            # A vendor edge's tunnels are not carried here (no strongSwan at that site).
            expected = {c.name for c in self.plan.vpn.connections(host.name) if c.remote_id in self.carried}
            self.hubs.append(Hub(host.name, ns, daemon, expected))
        per = self.args.per_daemon
        groups = [self.sites[i : i + per] for i in range(0, len(self.sites), per)]
        for index, group in enumerate(groups):
            ns = self._ns(f"{PREFIX}i{index}")
            inner, outer = (
                f"{TRANSFER}.{index // 64}.{(index % 64) * 4 + 1}",
                f"{TRANSFER}.{index // 64}.{(index % 64) * 4 + 2}",
            )
            h.run(["ip", "link", "add", "wan0", "netns", ns, "type", "veth", "peer", "name", f"i{index}", "netns", wan])
            cmds = [f"addr add {inner}/30 dev wan0", "link set wan0 up", f"route add default via {outer}"]
            cmds += [f"addr add {s.wan.endpoint_address}/32 dev wan0" for s in group]
            cmds += [f"addr add {s.lan_gateway}/32 dev lo" for s in group]
            _batch(ns, cmds)
            routes = [f"addr add {outer}/30 dev i{index}", f"link set i{index} up"]
            routes += [f"route add {s.wan.endpoint_address}/32 via {inner}" for s in group]
            _batch(wan, routes)
            daemon = BenchCharon(netns=ns, workdir=self.work / f"initiator{index}")
            daemon.workdir.mkdir(parents=True)
            first = self.plan.host(group[0].gateway).name
            daemon.settings = daemon.workdir / "egovinfra.conf"
            daemon.settings.write_bytes(self.tree[f"configs/{first}/etc/strongswan.d/egovinfra.conf"])
            daemon.start()
            install_trust(daemon, self.layout, pki_vars(self.tree, first))
            sites_dir = daemon.swanctl_dir / "sites"
            sites_dir.mkdir()
            includes = []
            for site in group:
                gateway = self.plan.host(site.gateway)
                install_certificate(daemon, self.layout, gateway)
                conf = short_lifetimes(
                    self._conf(gateway.name, daemon), 2 * self.child_rekey, self.child_rekey, self.args.margin
                )
                (sites_dir / f"{gateway.name}.conf").write_text(conf)
                includes.append(f"include {sites_dir / gateway.name}.conf")
            (daemon.swanctl_dir / "swanctl.conf").write_text("\n".join(includes) + "\n")
            self.initiators.append((ns, daemon, [s.gateway for s in group]))

    def load_hubs(self) -> dict[str, float]:
        """`swanctl --load-all` on each hub, the responding (secondary) ones first; seconds each took.

        The primary hub initiates the hub-to-hub tunnel as it loads: a secondary that has not
        loaded yet would answer NO_PROPOSAL_CHOSEN (the keeper's case, docs/intranet.md).
        """
        took = {}
        for hub in sorted(self.hubs, key=lambda hub: hub.name == self.plan.primary.hub):
            started = time.monotonic()
            hub.daemon.swanctl("--load-all", "--noprompt", timeout=600)
            took[hub.name] = round(time.monotonic() - started, 2)
        return took

    def load_sites(self) -> None:
        """`swanctl --load-all` in every initiator daemon, in parallel (the sites are independent)."""
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda i: i[1].swanctl("--load-all", "--noprompt", timeout=600), self.initiators))

    def wait_up(self, hubs: list[Hub], since: float, sampler: Sampler, timeout: float) -> float:
        """Seconds from `since` to the last expected CHILD_SA established on `hubs` (their logs)."""
        deadline = time.monotonic() + timeout
        while True:
            sampler.sample()
            missing = 0
            for hub in hubs:
                hub.watch.poll()
                missing += len(hub.expected - hub.watch.child_up.keys())
            if not missing:
                break
            if time.monotonic() > deadline:
                example = sorted(c for hub in hubs for c in hub.expected - hub.watch.child_up.keys())[:5]
                raise TimeoutError(f"{missing} CHILD_SAs still missing after {timeout}s, e.g. {example}")
            time.sleep(0.5)
        last = max(max(hub.watch.child_up[c] for c in hub.expected) for hub in hubs)
        return round(last - since, 2)

    def not_installed(self, settle: float = 10.0) -> dict[str, list[str]]:
        """Expected CHILD_SAs not INSTALLED on each hub (vici, not the log).

        A CHILD_SA caught between an IKE_SA rekey and the move of its children, or while it is
        rekeyed, is not listed as INSTALLED for a moment: one missing is asked again for up to
        `settle` seconds before it counts.
        """
        deadline = time.monotonic() + settle
        while True:
            out = {}
            for hub in self.hubs:
                sas = local_sas(hub.daemon.socket, timeout=120)
                installed = {c.name for ike in sas for c in ike.children if c.state == "INSTALLED"}
                missing = sorted(hub.expected - installed)
                if missing:
                    out[hub.name] = missing
            if not out or time.monotonic() > deadline:
                return out
            time.sleep(1)

    def keep_logs(self, dest: Path) -> None:
        """Copy every daemon's log to `dest` (to read after the namespaces are gone)."""
        dest.mkdir(parents=True, exist_ok=True)
        for daemon in [*(hub.daemon for hub in self.hubs), *(d for _ns, d, _g in self.initiators)]:
            if daemon.log.exists():
                shutil.copyfile(daemon.log, dest / f"{daemon.workdir.name}.log")

    def start_pings(self, count: int, seconds: float) -> None:
        """Ping the primary hub's inside address from `count` sites' LANs, through their tunnels."""
        target = self.plan.primary.hub_inside
        step = max(1, len(self.sites) // count)
        by_gateway = {gw: ns for ns, _daemon, gws in self.initiators for gw in gws}
        for site in self.sites[::step][:count]:
            cmd = [
                "ip",
                "netns",
                "exec",
                by_gateway[site.gateway],
                "ping",
                "-q",
                "-n",
                "-i",
                "0.2",
                "-w",
                str(int(seconds)),
                "-I",
                site.lan_gateway,
                target,
            ]
            self.pings.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))

    def ping_results(self) -> tuple[int, int]:
        """(sent, lost) over every ping started by `start_pings`."""
        sent = lost = 0
        for process in self.pings:
            out, _ = process.communicate(timeout=120)
            m = re.search(r"(\d+) packets transmitted, (\d+) received", out)
            if m:
                sent += int(m.group(1))
                lost += int(m.group(1)) - int(m.group(2))
        self.pings.clear()
        return sent, lost

    def all_watches(self) -> list[LogWatch]:
        """A log watch for every daemon: the hubs', then one per initiator (created once)."""
        if not self.initiator_watches:
            self.initiator_watches = [LogWatch(daemon.log) for _ns, daemon, _gws in self.initiators]
        return [*(hub.watch for hub in self.hubs), *self.initiator_watches]

    def close(self) -> None:
        """Stop every process this bench started, by PID, then delete its namespaces."""
        for process in self.pings:
            if process.poll() is None:
                process.kill()
                process.wait()
        for _ns, daemon, _gws in self.initiators:
            daemon.stop()
        for hub in self.hubs:
            hub.daemon.stop()
        for ns in reversed(self.created):
            h.delete_namespace(ns)


def tally(lab: ScaleLab) -> tuple[dict[str, int], dict[str, int], dict[str, str]]:
    """Failures and events so far in every daemon's log (hubs and initiators), with an example line."""
    failures: Counter[str] = Counter()
    events: Counter[str] = Counter()
    examples: dict[str, str] = {}
    for watch in lab.all_watches():
        watch.poll()
        failures.update(watch.failures)
        events.update(watch.events)
        for kind, line in watch.examples.items():
            examples.setdefault(kind, line)
    return dict(failures), dict(events), examples


def run_size(n_sites: int, args: argparse.Namespace, work: Path) -> Result:
    """Bring-up, rekeying under load and re-home for a topology of `n_sites` sites."""
    topo = synthesise(work / "topology", n_sites - DEFAULT_SITES) if n_sites > DEFAULT_SITES else DEFAULT_TOPOLOGY
    plan = compile_loaded(load_topology(topo))
    tree = render_all(plan, "lab")
    managed = [plan.host(s.gateway) for s in plan.sites if plan.host(s.gateway).managed]
    layout = ensure_pki(
        plan, args.pki_dir, [plan.host(dc.hub).fqdn for dc in plan.datacenters] + [g.fqdn for g in managed]
    )
    lab = ScaleLab(plan, tree, layout, work / "lab", args)
    result = Result(
        sites=len(plan.sites),
        initiator_daemons=-(-len(managed) // args.per_daemon),
        tunnels=2 * len(managed) + len(plan.secondaries),
        load_before=os.getloadavg(),
    )
    try:
        lab.build()
        sampler = Sampler(lab.hubs)
        # Bring-up: the hubs load, then every site; the clock starts at the hubs' load.
        sampler.start()
        started = clock()
        result.hub_load_all_s = lab.load_hubs()
        lab.load_sites()
        result.bring_up_s = lab.wait_up(lab.hubs, started, sampler, args.timeout)
        result.bring_up_usage = sampler.usage()
        result.not_installed["bring-up"] = lab.not_installed()
        # Rekeying under load: the sites' short lifetimes, pings through a sample of tunnels.
        before = {hub.name: sum(hub.watch.child_count.values()) for hub in lab.hubs}
        ike_before = sum(hub.watch.ike_rekeys for hub in lab.hubs)
        sampler.start()
        window_start = time.monotonic()
        lab.start_pings(args.pings, args.window)
        while time.monotonic() - window_start < args.window:
            sampler.sample()
            for hub in lab.hubs:
                hub.watch.poll()
            time.sleep(1)
        result.ping_sent, result.ping_lost = lab.ping_results()
        result.rekey_window_s = round(time.monotonic() - window_start, 1)
        for hub in lab.hubs:
            hub.watch.poll()
        result.child_rekeys = sum(sum(hub.watch.child_count.values()) - before[hub.name] for hub in lab.hubs)
        result.ike_rekeys = sum(hub.watch.ike_rekeys for hub in lab.hubs) - ike_before
        result.rekey_usage = sampler.usage()
        result.not_installed["rekeying"] = lab.not_installed()
        result.failures, result.events, result.examples = tally(lab)
        # Re-home: the primary hub's charon crashes, its unit starts it again and loads.
        hub = lab.hubs[0]
        result.rehome_hub = hub.name
        hub.watch.mark()
        killed = clock()
        hub.daemon.kill()
        hub.daemon.start()
        sampler.start()
        loaded = clock()
        hub.daemon.swanctl("--load-all", "--noprompt", timeout=600)
        result.rehome_s = lab.wait_up([hub], killed, sampler, args.timeout)
        result.rehome_after_load_s = round(result.rehome_s - (loaded - killed), 2)
        result.rehome_usage = {hub.name: sampler.usage()[hub.name]}
        result.not_installed["re-home"] = lab.not_installed()
        # Each site's dead peer detection giving up on the crashed hub is the expected way back.
        failures, events, _ = tally(lab)
        result.rehome_failures = dict(Counter(failures) - Counter(result.failures))
        result.rehome_events = dict(Counter(events) - Counter(result.events))
    finally:
        if args.keep_logs or any(result.not_installed.values()) or sys.exc_info()[0] is not None:
            lab.keep_logs(args.keep_logs or Path(f"/var/lib/egovinfra/egsc/scale-logs/{n_sites}"))
        lab.close()
        result.load_after = os.getloadavg()
    return result


def _usage(usage: dict[str, Usage]) -> str:
    return " ".join(f"{u.cpu_s:.1f}s/{u.peak_mib:.0f}MiB" for u in usage.values())


def report(result: Result) -> None:
    """Print one size's figures."""
    r = result
    print(
        f"\n== {r.sites} sites, {r.tunnels} tunnels, {r.initiator_daemons} initiator daemons; "
        f"load average {r.load_before[0]:.2f} before, {r.load_after[0]:.2f} after"
    )
    print(f"  hubs' load-all                  {r.hub_load_all_s}")
    print(f"  bring-up, all SAs on both hubs  {r.bring_up_s:.1f} s   hubs cpu/peak {_usage(r.bring_up_usage)}")
    print(
        f"  rekeying, {r.rekey_window_s:.0f} s window           {r.child_rekeys} CHILD_SA, {r.ike_rekeys} IKE_SA "
        f"rekeys on the hubs; hubs cpu/peak {_usage(r.rekey_usage)}; ping {r.ping_lost}/{r.ping_sent} lost"
    )
    print(
        f"  re-home after killing {r.rehome_hub}: {r.rehome_s:.1f} s from the kill "
        f"({r.rehome_after_load_s:.1f} s after its load-all); cpu/peak {_usage(r.rehome_usage)}"
    )
    print(f"  failures before the kill: {r.failures or 'none'}; back-pressure {r.events}")
    print(f"  during re-home: failures {r.rehome_failures or 'none'}; back-pressure {r.rehome_events}")
    for phase, hubs in r.not_installed.items():
        for hub, children in hubs.items():
            print(f"  NOT INSTALLED after {phase} on {hub}: {len(children)}, e.g. {children[:3]}")
    for kind, line in r.examples.items():
        print(f"    e.g. {kind}: {line}")


def main() -> None:
    """Run each size and print (and optionally save) the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sites", default="50,200,1000", help="comma-separated site counts")
    parser.add_argument("--per-daemon", type=int, default=50, help="sites carried by one initiator charon")
    parser.add_argument(
        "--child-rekey",
        type=int,
        default=0,
        help="the sites' CHILD_SA rekey time, s (IKE_SA: twice); 0: 60, from 500 sites 120",
    )
    parser.add_argument("--margin", type=int, default=60, help="seconds from a rekey to its hard expiry")
    parser.add_argument("--window", type=float, default=150, help="seconds of rekeying watched")
    parser.add_argument("--pings", type=int, default=10, help="sites that ping the hub during the window")
    parser.add_argument("--timeout", type=float, default=900)
    default_pki = Path(os.environ.get("EGOVINFRA_PKI_DIR", "/var/lib/egovinfra/egsc/pki-scale"))
    parser.add_argument("--pki-dir", type=Path, default=default_pki, help="cached CAs and site certificates")
    parser.add_argument("--keep-logs", type=Path, help="copy the daemons' logs here (always on a failure)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    reason = h.missing_requirements()
    if reason:
        sys.exit(f"cannot run: {reason}")
    h.cleanup(PREFIX)
    results = []
    for n_sites in (int(s) for s in args.sites.split(",")):
        with tempfile.TemporaryDirectory(prefix=PREFIX) as tmp:
            result = run_size(n_sites, args, Path(tmp))
        report(result)
        results.append(result)
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")


if __name__ == "__main__":
    main()
