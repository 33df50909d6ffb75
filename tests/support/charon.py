"""A small harness to run strongSwan's charon-systemd inside network namespaces.

Each `Charon` has its own strongswan.conf, vici socket, swanctl folder and log under a work
folder, so several daemons run side by side without touching /etc. The kernel here has no ESP,
so the data path is strongSwan's userspace `kernel-libipsec` (needs /dev/net/tun, UDP-encapsulated
ESP: `encap = yes`). Everything is removed by PID and by namespace name, never by process name.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

CHARON = "/usr/sbin/charon-systemd"
# Crypto from the openssl plugin only (plus kdf, which builds IKE's prf+ on openssl's HMAC), so a
# proposal openssl cannot serve fails instead of falling back to another implementation.
PLUGINS = (
    "random nonce openssl kdf pem pkcs1 pkcs8 x509 pubkey constraints revocation "
    "kernel-libipsec kernel-netlink socket-default vici"
)


def missing_requirements() -> str | None:
    """Why the harness cannot run here (not root, no charon, no TUN), or None."""
    if os.geteuid() != 0:
        return "needs root"
    for tool in ("ip", "swanctl", CHARON):
        if shutil.which(tool) is None:
            return f"{tool} not installed"
    if not Path("/dev/net/tun").exists():
        return "no /dev/net/tun"
    return None


def run(cmd: Sequence[str], netns: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run `cmd` (inside `netns` when given), raising with its output when it fails."""
    full = ["ip", "netns", "exec", netns, *cmd] if netns else list(cmd)
    result = subprocess.run(full, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(full)} failed ({result.returncode}): {result.stderr}")
    return result


def namespaces(prefix: str) -> list[str]:
    """Names of the network namespaces whose name starts with `prefix`."""
    listing = run(["ip", "netns", "list"]).stdout
    return [line.split()[0] for line in listing.splitlines() if line.startswith(prefix)]


def delete_namespace(name: str) -> None:
    """Kill the processes inside namespace `name` by PID, then delete it."""
    pids = run(["ip", "netns", "pids", name]).stdout.split()
    for pid in pids:
        terminate(int(pid))
    subprocess.run(["ip", "netns", "del", name], check=False, capture_output=True)


def cleanup(prefix: str) -> None:
    """Remove every namespace (and the processes in it) left by an earlier run with `prefix`."""
    for name in namespaces(prefix):
        delete_namespace(name)


@contextmanager
def namespace(name: str) -> Iterator[str]:
    """A fresh network namespace with loopback up, deleted on exit."""
    if name in namespaces(name):
        delete_namespace(name)
    run(["ip", "netns", "add", name])
    try:
        run(["ip", "link", "set", "lo", "up"], netns=name)
        yield name
    finally:
        delete_namespace(name)


def link(ns_a: str, addr_a: str, ns_b: str, addr_b: str, ifname: str = "wan0") -> None:
    """Join two namespaces with a veth pair (`ifname` on both ends), addresses in CIDR form."""
    run(["ip", "link", "add", ifname, "netns", ns_a, "type", "veth",
         "peer", "name", ifname, "netns", ns_b])  # fmt: skip
    for ns, addr in ((ns_a, addr_a), (ns_b, addr_b)):
        run(["ip", "addr", "add", addr, "dev", ifname], netns=ns)
        run(["ip", "link", "set", ifname, "up"], netns=ns)


def lan(ns: str, addr: str) -> None:
    """Give namespace `ns` a LAN address (CIDR) on its loopback (this kernel has no dummy links)."""
    run(["ip", "addr", "add", addr, "dev", "lo"], netns=ns)


def terminate(pid: int, timeout: float = 5.0) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Path(f"/proc/{pid}").exists():
            return
        try:  # reap it when it is our child, so it does not linger as a zombie
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return
        except ChildProcessError:
            pass
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)


@dataclass
class Charon:
    """One charon-systemd daemon running in a namespace, configured from `workdir`."""

    netns: str
    workdir: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def socket(self) -> Path:
        """The daemon's vici socket."""
        return self.workdir / "charon.vici"

    @property
    def swanctl_dir(self) -> Path:
        """The swanctl folder (swanctl.conf, x509/, x509ca/, private/) this daemon loads."""
        return self.workdir / "swanctl"

    @property
    def log(self) -> Path:
        """The daemon's log file."""
        return self.workdir / "charon.log"

    def write_config(self) -> None:
        """Write this daemon's strongswan.conf and empty swanctl folders."""
        for sub in ("x509", "x509ca", "x509crl", "private"):
            (self.swanctl_dir / sub).mkdir(parents=True, exist_ok=True)
        (self.workdir / "strongswan.conf").write_text(
            "charon-systemd {\n"
            "  load_modular = no\n"
            f"  load = {PLUGINS}\n"
            "  journal { default = -1 }\n"
            "  filelog { main {\n"
            f"    path = {self.log}\n"
            "    time_format = %H:%M:%S\n"
            "    time_add_ms = yes\n"
            "    flush_line = yes\n"
            "    default = 1\n"
            "    ike = 2\n"
            "  } }\n"
            f"  plugins {{ vici {{ socket = unix://{self.socket} }} }}\n"
            "}\n"
        )

    def start(self, timeout: float = 10.0) -> None:
        """Start the daemon in its namespace and wait until its vici socket answers."""
        self.write_config()
        self.socket.unlink(missing_ok=True)  # a stale socket would look ready
        env = {**os.environ, "STRONGSWAN_CONF": str(self.workdir / "strongswan.conf")}
        # `ip netns exec` execs the daemon, so this PID is charon's own.
        self.process = subprocess.Popen(
            ["ip", "netns", "exec", self.netns, CHARON],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"charon in {self.netns} exited: {self.tail_log()}")
            if self.socket.exists() and self.answers():
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"charon in {self.netns} not ready after {timeout}s: {self.tail_log()}")

    def stop(self) -> None:
        """Stop the daemon by PID and remove the socket SIGTERM leaves behind."""
        if self.process is not None and self.process.poll() is None:
            terminate(self.process.pid)
            self.process.wait(timeout=5)
        self.process = None
        self.socket.unlink(missing_ok=True)

    def answers(self) -> bool:
        """True when the daemon replies on its vici socket."""
        return self.swanctl("--version", "--daemon", check=False).returncode == 0

    def swanctl(self, *args: str, check: bool = True, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        """Run swanctl against this daemon (its socket and its swanctl folder)."""
        env = {**os.environ, "SWANCTL_DIR": str(self.swanctl_dir)}
        result = subprocess.run(
            ["swanctl", *args, "--uri", f"unix://{self.socket}"],
            env=env, capture_output=True, text=True, check=False, timeout=timeout,
        )  # fmt: skip
        if check and result.returncode != 0:
            output = result.stdout + result.stderr
            raise RuntimeError(f"swanctl {' '.join(args)} failed: {output}\n{self.tail_log()}")
        return result

    def install_credentials(self, cert: Path, key: Path, cas: Sequence[Path]) -> None:
        """Copy a host certificate, its key (0600) and the CA certificates to the swanctl folder."""
        shutil.copyfile(cert, self.swanctl_dir / "x509" / "host.pem")
        key_copy = self.swanctl_dir / "private" / "host.pem"
        shutil.copyfile(key, key_copy)
        key_copy.chmod(0o600)
        for index, ca in enumerate(cas):
            shutil.copyfile(ca, self.swanctl_dir / "x509ca" / f"ca{index}.pem")

    def load(self, swanctl_conf: str) -> None:
        """Write swanctl.conf and load credentials and connections into the daemon."""
        (self.swanctl_dir / "swanctl.conf").write_text(swanctl_conf)
        self.swanctl("--load-all", "--noprompt")

    def tail_log(self, lines: int = 30) -> str:
        """The end of the daemon's log, for error messages."""
        if not self.log.exists():
            return "(no log)"
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def charon(netns: str, workdir: Path) -> Iterator[Charon]:
    """A running charon in `netns`, stopped on exit."""
    workdir.mkdir(parents=True, exist_ok=True)
    daemon = Charon(netns=netns, workdir=workdir)
    daemon.start()
    try:
        yield daemon
    finally:
        daemon.stop()
