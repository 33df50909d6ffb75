"""Lab hosts: an overlay of the shared rootfs per host, booted with systemd-nspawn in a netns.

This machine has no systemd as PID 1 and no system bus, hence ``--register=no --keep-unit`` and a
private tmpfs at /run/systemd/nspawn inside a private mount namespace (see LAB-NOTES.md).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from egovinfra.lab.cgroups import enter_script
from egovinfra.lab.errors import LabError
from egovinfra.lab.keys import new_keypair, write_private
from egovinfra.lab.proc import run
from egovinfra.lab.procs import starttime
from egovinfra.lab.state import ProcessRecord


@dataclass(frozen=True)
class HostDirs:
    """Per-host directories under the lab directory: overlay upper/work, mount point, log."""

    root: Path

    @property
    def upper(self) -> Path:
        """Overlay upper dir: everything the host writes."""
        return self.root / "upper"

    @property
    def work(self) -> Path:
        """Overlay work dir (same file system as ``upper``)."""
        return self.root / "work"

    @property
    def merged(self) -> Path:
        """The host's root file system as nspawn sees it."""
        return self.root / "merged"

    @property
    def console(self) -> Path:
        """The host's console output (boot messages)."""
        return self.root / "console.log"


def host_dirs(lab_dir: Path, host: str) -> HostDirs:
    """Where the host ``host`` of the lab in ``lab_dir`` keeps its files."""
    return HostDirs(lab_dir / "hosts" / host)


def mount_points() -> set[str]:
    """Mount points of the current mount namespace."""
    lines = Path("/proc/self/mountinfo").read_text().splitlines()
    return {line.split()[4] for line in lines}


def mount_overlay(rootfs: Path, dirs: HostDirs) -> None:
    """Mount the host's overlay (rootfs read-only below, the host's upper dir on top)."""
    for path in (dirs.upper, dirs.work, dirs.merged):
        path.mkdir(parents=True, exist_ok=True)
    if str(dirs.merged) in mount_points():
        return
    options = f"lowerdir={rootfs},upperdir={dirs.upper},workdir={dirs.work}"
    run(["mount", "-t", "overlay", "overlay", "-o", options, str(dirs.merged)])


def unmount(path: Path) -> None:
    """Unmount ``path`` if mounted; fall back to a lazy unmount when it is busy."""
    if str(path) not in mount_points():
        return
    try:
        run(["umount", str(path)])
    except LabError:
        run(["umount", "-l", str(path)])


def seed_host(merged: Path, hostname: str, operator_public: str) -> str:
    """Give a host its identity and let the operator in; return the host's public key.

    Writes hostname, hosts (once), a fresh machine-id, the operator's key for root and an ed25519
    host key (kept when it already exists, so a restarted host keeps its identity).
    """
    etc = merged / "etc"
    (etc / "hostname").write_text(hostname + "\n")
    hosts = etc / "hosts"
    # Only a new host gets the file: on a restart it holds what the roles added (the names of
    # the servers reached over TLS), and `lab up` must not undo a converge.
    if f"127.0.1.1\t{hostname}" not in hosts.read_text().splitlines():
        hosts.write_text(f"127.0.0.1\tlocalhost\n127.0.1.1\t{hostname}\n::1\tlocalhost ip6-localhost\n")
    machine_id = etc / "machine-id"
    if not machine_id.read_text().strip():
        machine_id.write_text(uuid.uuid4().hex + "\n")
    ssh_dir = merged / "root" / ".ssh"
    ssh_dir.mkdir(mode=0o700, exist_ok=True)
    os.chmod(ssh_dir, 0o700)
    authorized = ssh_dir / "authorized_keys"
    authorized.write_text(operator_public.strip() + "\n")
    os.chmod(authorized, 0o600)
    host_key = etc / "ssh" / "ssh_host_ed25519_key"
    host_pub = host_key.with_name(host_key.name + ".pub")
    if not (host_key.is_file() and host_pub.is_file()):
        pair = new_keypair(f"root@{hostname}")
        write_private(host_key, pair.private_openssh)
        host_pub.write_text(pair.public_openssh + "\n")
    return host_pub.read_text().strip()


def nspawn_argv(merged: Path, machine: str, hostname: str, netns: str) -> list[str]:
    """The command that boots a host: nspawn in a private mount namespace with its own tmpfs."""
    nspawn = [
        "systemd-nspawn",
        "-q",
        "-D",
        str(merged),
        "-M",
        machine,
        f"--hostname={hostname}",
        "-b",
        "--register=no",
        "--keep-unit",
        "--console=passive",
        "--link-journal=no",
        f"--network-namespace-path=/run/netns/{netns}",
        "--bind=/dev/net/tun",
        "--capability=CAP_NET_ADMIN,CAP_NET_RAW",
        "--resolv-conf=off",
        "--timezone=off",
    ]
    script = (
        enter_script(machine)
        + "; mkdir -p /run/systemd/nspawn && mount -t tmpfs none /run/systemd/nspawn && exec "
        + shlex.join(nspawn)
    )
    return ["unshare", "-m", "--propagation", "private", "sh", "-c", script]


def start_host(dirs: HostDirs, machine: str, hostname: str, netns: str) -> ProcessRecord:
    """Boot the host in the background (own session); return its PID record.

    ``unshare`` and ``sh`` exec into systemd-nspawn, so the PID returned is nspawn's.
    """
    env = dict(os.environ, SYSTEMD_NSPAWN_API_VFS_WRITABLE="network")
    with dirs.console.open("ab") as console:
        child = subprocess.Popen(
            nspawn_argv(dirs.merged, machine, hostname, netns),
            stdin=subprocess.DEVNULL,
            stdout=console,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    started = starttime(child.pid)
    if started is None or child.poll() is not None:
        raise LabError(f"{machine}: systemd-nspawn exited at once; see {dirs.console}")
    return ProcessRecord(pid=child.pid, starttime=started, machine=machine)
