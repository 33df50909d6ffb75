"""Address arithmetic on the stdlib's `ipaddress`: the n-th subnet of a pool, the n-th address
of a subnet, overlaps among many prefixes.

The Plan needs random access by id for thousands of sites: a subnet is built from its pool's
first address and an offset, never by walking the pool's subnets.
"""

from __future__ import annotations

from functools import cache
from ipaddress import IPv4Address, IPv4Network


@cache
def parse_net(text: str) -> IPv4Network:
    """`10.0.0.0/16` (already validated by the schema)."""
    return IPv4Network(text)


@cache
def parse_ip(text: str) -> IPv4Address:
    """An IPv4 address (already validated by the schema)."""
    return IPv4Address(text)


def containing(addr: IPv4Address, prefixlen: int) -> IPv4Network:
    """The /prefixlen that holds `addr`."""
    return IPv4Network((addr, prefixlen), strict=False)


def halves(net: IPv4Network) -> tuple[IPv4Network, IPv4Network]:
    """The two halves (a /32 is its own two halves)."""
    if net.prefixlen >= 32:
        return net, net
    low, high = net.subnets(prefixlen_diff=1)
    return low, high


def subnet_count(pool: IPv4Network, prefix: int) -> int:
    """How many /prefix subnets `pool` holds."""
    return 1 << (prefix - pool.prefixlen) if prefix >= pool.prefixlen else 0


def nth_subnet(pool: IPv4Network, prefix: int, index: int) -> IPv4Network | None:
    """The `index`-th /prefix inside `pool`, or None when the pool is exhausted."""
    if not 0 <= index < subnet_count(pool, prefix):
        return None
    return IPv4Network((int(pool.network_address) + (index << (32 - prefix)), prefix))


def nth_address(net: IPv4Network, index: int) -> IPv4Address | None:
    """The `index`-th address of `net`, or None outside it."""
    return net.network_address + index if 0 <= index < net.num_addresses else None


def usable(net: IPv4Network, addr: IPv4Address) -> bool:
    """Inside `net` and neither its network nor broadcast address (a /31 uses both)."""
    if addr not in net:
        return False
    return net.prefixlen >= 31 or net.network_address < addr < net.broadcast_address


def find_overlaps(prefixes: list[tuple[IPv4Network, object]]) -> list[tuple[object, object]]:
    """Pairs of owners whose prefixes overlap, by one sort and one scan (n log n)."""
    ordered = sorted(prefixes, key=lambda p: (p[0].network_address, p[0].prefixlen))  # the wider first
    found: list[tuple[object, object]] = []
    reach_last: IPv4Address | None = None
    reach_owner: object = None
    for net, owner in ordered:
        if reach_last is not None and net.network_address <= reach_last:
            found.append((reach_owner, owner))
        if reach_last is None or net.broadcast_address > reach_last:
            reach_last, reach_owner = net.broadcast_address, owner
    return found
