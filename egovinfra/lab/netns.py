"""Thin, idempotent wrappers over ``ip``: namespaces, veth pairs, bridges, addresses, routes.

Every call names the namespace it acts in; nothing here touches the root namespace. Veth pairs
are created from inside one namespace with the peer placed directly in another, so no
interface ever appears in the root namespace, not even briefly.
"""

from __future__ import annotations

import ctypes
import json
import os
import threading
from pathlib import Path
from typing import Any

from egovinfra.lab.errors import LabError
from egovinfra.lab.proc import run

NETNS_DIR = Path("/run/netns")


def _require(ns: str) -> str:
    if not ns or "/" in ns:
        raise LabError(f"invalid namespace name {ns!r}: lab objects never live in the root netns")
    return ns


def ip(ns: str, *args: str) -> str:
    """Run ``ip -n <ns> <args>`` and return its stdout."""
    return run(["ip", "-n", _require(ns), *args])


def ip_json(ns: str, *args: str) -> list[dict[str, Any]]:
    """Run ``ip -j -n <ns> <args>`` and parse its JSON output."""
    out = run(["ip", "-j", "-n", _require(ns), *args]).strip()
    parsed: list[dict[str, Any]] = json.loads(out) if out else []
    return parsed


def exec_argv(ns: str, argv: list[str]) -> list[str]:
    """``argv`` wrapped to run inside the namespace ``ns``."""
    return ["ip", "netns", "exec", _require(ns), *argv]


_CLONE_NEWNET = 0x40000000


def join_netns(ns: str) -> bool:
    """Move this process into the namespace ``ns`` in place (setns(2)); False when it is there
    already. Every process it starts afterwards is born inside. Replaces re-running the command
    under ``ip netns exec``, which cost a second interpreter start and every import.
    """
    path = NETNS_DIR / _require(ns)
    target, current = os.stat(path), os.stat("/proc/self/ns/net")
    if (target.st_dev, target.st_ino) == (current.st_dev, current.st_ino):
        return False
    # setns moves the calling thread only: with no other thread yet, that is the whole process.
    if threading.active_count() != 1:
        raise LabError(f"cannot enter {ns}: this process already runs other threads")
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        if ctypes.CDLL(None, use_errno=True).setns(fd, _CLONE_NEWNET) != 0:
            errno = ctypes.get_errno()
            raise LabError(f"cannot enter {ns}: {os.strerror(errno)}")
    finally:
        os.close(fd)
    return True


def list_netns() -> list[str]:
    """Names of all named network namespaces on the machine."""
    if not NETNS_DIR.is_dir():
        return []
    return sorted(p.name for p in NETNS_DIR.iterdir())


def netns_exists(ns: str) -> bool:
    """True when the named namespace exists."""
    return (NETNS_DIR / _require(ns)).exists()


def add_netns(ns: str) -> None:
    """Create the namespace (if missing) and bring its loopback up."""
    if not netns_exists(ns):
        run(["ip", "netns", "add", ns])
    ip(ns, "link", "set", "lo", "up")


def del_netns(ns: str) -> None:
    """Delete the namespace if it exists; its interfaces (and their veth peers) go with it."""
    if netns_exists(ns):
        run(["ip", "netns", "del", ns])


def link_exists(ns: str, dev: str) -> bool:
    """True when interface ``dev`` exists in ``ns``."""
    return any(link.get("ifname") == dev for link in ip_json(ns, "link", "show"))


def add_veth(ns_a: str, dev_a: str, ns_b: str, dev_b: str) -> None:
    """Create a veth pair ``dev_a`` in ``ns_a`` <-> ``dev_b`` in ``ns_b`` (if missing)."""
    if link_exists(ns_a, dev_a):
        if not link_exists(ns_b, dev_b):
            raise LabError(f"{ns_a}/{dev_a} exists but its peer {ns_b}/{dev_b} does not")
        return
    ip(ns_a, "link", "add", dev_a, "type", "veth", "peer", "name", dev_b, "netns", _require(ns_b))


def add_bridge(ns: str, name: str) -> None:
    """Create a bridge in ``ns`` (if missing) and bring it up."""
    if not link_exists(ns, name):
        ip(ns, "link", "add", name, "type", "bridge")
    link_up(ns, name)


def set_master(ns: str, dev: str, bridge: str) -> None:
    """Attach ``dev`` to ``bridge`` (both in ``ns``)."""
    ip(ns, "link", "set", dev, "master", bridge)


def link_up(ns: str, dev: str) -> None:
    """Bring interface ``dev`` up."""
    ip(ns, "link", "set", dev, "up")


def addresses(ns: str, dev: str) -> set[str]:
    """The addresses on ``dev`` as ``addr/prefixlen`` strings."""
    found: set[str] = set()
    for link in ip_json(ns, "addr", "show", "dev", dev):
        for info in link.get("addr_info", []):
            found.add(f"{info['local']}/{info['prefixlen']}")
    return found


def add_address(ns: str, dev: str, cidr: str) -> None:
    """Add ``cidr`` (``addr/prefixlen``) to ``dev`` unless it is already there."""
    if cidr not in addresses(ns, dev):
        ip(ns, "addr", "add", cidr, "dev", dev)


def replace_route(ns: str, destination: str, via: str | None = None, dev: str | None = None) -> None:
    """Install (or overwrite) a route to ``destination`` via a gateway and/or a device."""
    args = ["route", "replace", destination]
    if via is not None:
        args += ["via", via]
    if dev is not None:
        args += ["dev", dev]
    if via is None and dev is None:
        raise LabError(f"route to {destination} in {ns}: needs a gateway or a device")
    family = "-6" if ":" in destination else "-4"
    ip(ns, family, *args)


def enable_forwarding(ns: str) -> None:
    """Turn IPv4 and IPv6 forwarding on inside ``ns`` (a router namespace)."""
    run(
        exec_argv(
            ns,
            ["sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"],
        )
    )
