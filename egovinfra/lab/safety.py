"""Guards that keep the lab off the machine's own network.

Before anything is created, the lab's address ranges are compared with the addresses of the
machine's root namespace; an overlap is refused, because a lab route to such a range could
shadow or reach a real network. After the network stage the root namespace's interface list is
compared with a snapshot taken before: the lab must not have added anything there.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable

from egovinfra.lab.errors import LabError
from egovinfra.lab.proc import run

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPInterface = ipaddress.IPv4Interface | ipaddress.IPv6Interface


def machine_addresses() -> list[IPInterface]:
    """Addresses (with prefix) configured in the root namespace, read with ``ip -j addr``."""
    found: list[IPInterface] = []
    for link in json.loads(run(["ip", "-j", "addr", "show"]) or "[]"):
        for info in link.get("addr_info", []):
            found.append(ipaddress.ip_interface(f"{info['local']}/{info['prefixlen']}"))
    return found


def overlaps(lab_ranges: Iterable[IPNetwork], machine: Iterable[IPInterface]) -> list[str]:
    """Describe every lab range that overlaps a machine address's network (pure function).

    Loopback and link-local networks are ignored: every namespace has its own, they never
    route between namespaces.
    """
    conflicts: list[str] = []
    own = [a for a in machine if not (a.is_loopback or a.is_link_local)]
    for lab in lab_ranges:
        for addr in own:
            if addr.version == lab.version and addr.network.overlaps(lab):
                conflicts.append(f"lab range {lab} overlaps {addr} on this machine")
    return conflicts


def refuse_overlaps(lab_ranges: Iterable[IPNetwork]) -> None:
    """Raise LabError listing every overlap between lab ranges and the machine's addresses."""
    conflicts = overlaps(lab_ranges, machine_addresses())
    if conflicts:
        raise LabError(
            "refusing to build the lab:\n  " + "\n  ".join(conflicts) + "\n  (change the topology's addressing pools)"
        )


def root_links() -> frozenset[str]:
    """Names of the interfaces in the root namespace."""
    return frozenset(link["ifname"] for link in json.loads(run(["ip", "-j", "link", "show"]) or "[]"))


def check_root_untouched(before: frozenset[str], lab_devices: Iterable[str]) -> None:
    """Raise LabError when one of ``lab_devices`` appeared in the root namespace since ``before``.

    Only the lab's own interface names count: other software on the machine may add
    interfaces of its own at the same time.
    """
    added = (root_links() - before) & set(lab_devices)
    if added:
        raise LabError(f"lab interfaces appeared in the root namespace: {', '.join(sorted(added))}")
