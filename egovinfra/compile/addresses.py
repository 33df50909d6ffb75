"""Address arithmetic on integers: the n-th subnet of a pool, the n-th address of a subnet.

netaddr's subnet generators walk from the start; the Plan needs random access by id
for thousands of sites, so this works on integers and builds netaddr objects once.
"""

from __future__ import annotations

from netaddr import IPAddress, IPNetwork


def nth_subnet(pool: IPNetwork, prefix: int, index: int) -> IPNetwork | None:
    """The `index`-th /prefix inside `pool`, or None when the pool is exhausted."""
    if prefix < pool.prefixlen or index < 0:
        return None
    size = 1 << (32 - prefix)
    first = int(pool.first) + index * size
    if first + size - 1 > int(pool.last):
        return None
    return IPNetwork(f"{IPAddress(first)}/{prefix}")


def subnet_count(pool: IPNetwork, prefix: int) -> int:
    """How many /prefix subnets `pool` holds."""
    return 1 << (prefix - pool.prefixlen) if prefix >= pool.prefixlen else 0


def nth_address(net: IPNetwork, index: int) -> IPAddress | None:
    """The `index`-th address of `net`, or None outside it."""
    value = int(net.first) + index
    return IPAddress(value) if int(net.first) <= value <= int(net.last) else None


def usable(net: IPNetwork, addr: IPAddress) -> bool:
    """Inside `net` and neither its network nor broadcast address (a /31 uses both)."""
    if not int(net.first) <= int(addr) <= int(net.last):
        return False
    if net.prefixlen >= 31:
        return True
    return int(net.first) < int(addr) < int(net.last)


def contains(outer: IPNetwork, inner: IPNetwork) -> bool:
    """`inner` lies entirely inside `outer`."""
    return int(outer.first) <= int(inner.first) and int(inner.last) <= int(outer.last)


def find_overlaps(prefixes: list[tuple[IPNetwork, object]]) -> list[tuple[object, object]]:
    """Pairs of owners whose prefixes overlap, by one sort and one scan (n log n)."""
    ordered = sorted(prefixes, key=lambda p: (int(p[0].first), -int(p[0].last)))
    found: list[tuple[object, object]] = []
    reach_last = -1
    reach_owner: object = None
    for net, owner in ordered:
        if int(net.first) <= reach_last:
            found.append((reach_owner, owner))
        if int(net.last) > reach_last:
            reach_last, reach_owner = int(net.last), owner
    return found
