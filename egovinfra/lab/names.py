"""Names of everything a lab creates, all under one prefix so orphans can be found and removed.

A lab named ``cameroon`` gets the prefix ``eg-`` plus four hex digits of the name's sha256
(``eg-1a2b``); every namespace, nspawn machine and mount of that lab starts with it.
Interface names inside a namespace must fit the kernel's 15 characters.
"""

from __future__ import annotations

import hashlib
import re

DEFAULT_FAMILY = "eg"
IFNAMSIZ = 15
_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")


def _short_hash(text: str, length: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def lab_prefix(lab_name: str, family: str = DEFAULT_FAMILY) -> str:
    """The prefix owned by the lab ``lab_name``: ``<family>-<4 hex digits>``."""
    if not _LABEL.match(lab_name) or not _LABEL.match(family):
        raise ValueError(f"lab name and family must be DNS labels: {family!r}, {lab_name!r}")
    return f"{family}-{_short_hash(lab_name, 4)}"


def mgmt_ns(prefix: str) -> str:
    """The management namespace: Ansible, testinfra and health checks run there."""
    return f"{prefix}-mgmt"


def wan_ns(prefix: str) -> str:
    """The WAN router namespace: routes WAN transport addresses only."""
    return f"{prefix}-wan"


def router_ns(prefix: str, datacenter: str) -> str:
    """A datacenter's router namespace (the Neutron router: one gateway per zone)."""
    return f"{prefix}-r-{datacenter}"


def site_ns(prefix: str, site: str) -> str:
    """A ministry site's LAN namespace, holding the LAN bridge."""
    return f"{prefix}-s-{site}"


def host_machine(prefix: str, host: str) -> str:
    """A host's nspawn machine name, also the name of its network namespace."""
    return f"{prefix}-h-{host}"


def owned(prefix: str, name: str) -> bool:
    """True when ``name`` (namespace, machine) belongs to the lab with ``prefix``."""
    return name.startswith(prefix + "-")


def ifname(*parts: str) -> str:
    """An interface name from ``parts`` joined by ``-``, hashed down when over 15 characters.

    The short form keeps the last part (usually the interface role) readable and stays unique
    by hashing the whole.
    """
    full = "-".join(parts)
    if len(full) <= IFNAMSIZ:
        return full
    tail = parts[-1][:6]
    return f"{_short_hash(full, IFNAMSIZ - len(tail) - 1)}-{tail}"
