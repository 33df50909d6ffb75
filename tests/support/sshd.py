"""A real sshd in a network namespace, run from the lab image (this machine has no sshd of its own).

The daemon runs chrooted into an overlay of the image's rootfs (its sshd, its libraries, its
privilege separation user), in a private mount namespace that vanishes with it; host key,
root's authorized key and the configuration are written into the overlay's upper folder.
`expose` bind-mounts files of this machine (e.g. a charon's vici socket) at paths inside it.
The daemon is stopped by PID.
"""

from __future__ import annotations

import shlex
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from egovinfra.lab.image import DEFAULT_CACHE_DIR
from tests.support.charon import terminate

ROOTFS = DEFAULT_CACHE_DIR / "rootfs"

# As the common role renders it for every host but the bastion: keys only, no forwarding (which
# in OpenSSH 9.2 refuses stream-local forwards too: what reads a socket must relay it otherwise).
CONFIG = """\
ListenAddress {address}
HostKey /etc/ssh/test_host_ed25519_key
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AllowTcpForwarding no
X11Forwarding no
AllowAgentForwarding no
PidFile none
"""


def missing_requirements() -> str | None:
    """Why no sshd can run here (no lab image), or None."""
    if not (ROOTFS / "usr/sbin/sshd").exists():
        return f"no lab image at {ROOTFS} (built by `egovinfra lab up`)"
    return None


@dataclass(frozen=True)
class Sshd:
    """A running sshd: where it listens, the client key root logs in with, its known_hosts."""

    address: str
    key: Path
    known_hosts: Path
    log: Path


def _keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)


@contextmanager
def sshd(netns: str, address: str, workdir: Path, expose: Mapping[Path, str]) -> Iterator[Sshd]:
    """sshd listening on `address` in `netns`; `expose` maps files here to paths inside its root."""
    upper, work, merged = workdir / "upper", workdir / "work", workdir / "merged"
    for folder in (upper / "etc/ssh", upper / "root/.ssh", upper / "run/sshd", work, merged):
        folder.mkdir(parents=True, exist_ok=True)
    (upper / "root/.ssh").chmod(0o700)
    _keygen(upper / "etc/ssh/test_host_ed25519_key")
    _keygen(workdir / "client")
    (upper / "root/.ssh/authorized_keys").write_text((workdir / "client.pub").read_text())
    (upper / "etc/ssh/sshd_config.test").write_text(CONFIG.format(address=address))
    known_hosts = workdir / "known_hosts"
    host_key = (upper / "etc/ssh/test_host_ed25519_key.pub").read_text().split()
    known_hosts.write_text(f"{address} {host_key[0]} {host_key[1]}\n")
    binds = []
    for source, target in expose.items():
        (upper / target.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
        (upper / target.lstrip("/")).touch()
        binds.append(f"mount --bind {shlex.quote(str(source))} {shlex.quote(str(merged / target.lstrip('/')))}")
    script = " && ".join([
        f"mount -t overlay overlay -o lowerdir={ROOTFS},upperdir={upper},workdir={work} {merged}",
        *binds,
        f"exec chroot {merged} /usr/sbin/sshd -D -e -f /etc/ssh/sshd_config.test",
    ])  # fmt: skip
    log = workdir / "sshd.log"
    with log.open("w") as stderr:
        # ip netns exec, unshare, sh and chroot all exec: the PID is sshd's own
        process = subprocess.Popen(
            ["ip", "netns", "exec", netns, "unshare", "-m", "--propagation", "private", "sh", "-c", script],
            stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr, start_new_session=True,
        )  # fmt: skip
    try:
        _wait_listening(process, netns, address, log)
        yield Sshd(address, workdir / "client", known_hosts, log)
    finally:
        terminate(process.pid)
        process.wait(timeout=5)


def _wait_listening(process: subprocess.Popen[bytes], netns: str, address: str, log: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sshd in {netns} exited: {log.read_text()}")
        listening = subprocess.run(
            ["ip", "netns", "exec", netns, "ss", "-Htln", f"src {address}:22"],
            capture_output=True,
            text=True,
            check=False,
        )
        if listening.stdout.strip():
            return
        time.sleep(0.05)
    raise RuntimeError(f"sshd in {netns} not listening after 10 s: {log.read_text()}")
