"""Machine limits a lab needs before its hosts boot.

Every booted host runs systemd, journald, logind and friends as root, each holding inotify
instances; the kernel's per-user default (128) runs out at about 20 hosts and systemd then
stalls silently. The lab raises the limit to what it needs, and says so.
"""

from __future__ import annotations

from pathlib import Path

MAX_INSTANCES = Path("/proc/sys/fs/inotify/max_user_instances")
# Measured on a booted lab host (systemd, journald, logind, dbus, sshd) with headroom for the
# services roles start later.
INOTIFY_PER_HOST = 16
HEADROOM = 128


def inotify_in_use() -> int:
    """Inotify instances open on the machine (all users: an upper bound for root's share)."""
    count = 0
    # Not psutil: its open_files() lists regular files only (0 of 3 inotify fds, measured) and
    # num_fds() does not say which kind; the kind shows only in the /proc/PID/fd link.
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            for fd in fd_dir.iterdir():
                if fd.readlink().name == "anon_inode:inotify":
                    count += 1
        except OSError:
            continue
    return count


def inotify_needed(hosts: int, in_use: int) -> int:
    """The max_user_instances a lab of ``hosts`` needs, rounded up to a multiple of 512."""
    raw = in_use + hosts * INOTIFY_PER_HOST + HEADROOM
    return -(-raw // 512) * 512


def ensure_inotify(hosts: int) -> str | None:
    """Raise fs.inotify.max_user_instances when too low for ``hosts``; describe any change."""
    current = int(MAX_INSTANCES.read_text())
    needed = inotify_needed(hosts, inotify_in_use())
    if current >= needed:
        return None
    MAX_INSTANCES.write_text(f"{needed}\n")
    return f"raised fs.inotify.max_user_instances {current} → {needed}"
