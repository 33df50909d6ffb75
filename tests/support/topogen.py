"""Hypothesis strategies for topologies across the schema's limits (ids, counts, prefix lengths).

Pools are fixed and large (a /10 each, management a /9); prefix lengths, ids, zone indices,
host ids and workstation counts are drawn up to the largest value the pools hold, so the
generated topologies sit on the edges of the address plan as often as inside it.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from egovinfra.compile.functions import NEEDS_PORTS
from egovinfra.model.schema import MAX_SITE_PREFIX, MAX_WORKSTATIONS

POOLS = {
    "datacenters": "10.0.0.0/10",
    "sites": "10.64.0.0/10",
    "wan": "100.64.0.0/10",
    "management": "10.128.0.0/9",
}
POOL_PREFIX = 10
WAN_RESERVED = 64
EDGES = ("linux", "linux", "juniper-srx", "cisco-asa", "paloalto", "fortinet")
ALL_ROLES = ("groupware_web", "groupware_app", "mail", "database", "directory", "dns", "filestore", "bastion")


def _capacity(prefix: int) -> int:
    return 1 << (prefix - POOL_PREFIX)


@st.composite
def datacenter(draw: st.DrawFn, dc_id: int, role: str, dp: int, zp: int, roles: tuple[str, ...]) -> dict[str, Any]:
    """One datacenter: a hub and hosts of `roles`, on zones drawn up to the datacenter's capacity."""
    max_index = min(_capacity(zp) // _capacity(dp) - 1, 4095)
    indices = draw(st.lists(st.integers(0, max_index), min_size=1, max_size=3, unique=True))
    zones = {f"z{i}": {"index": index} for i, index in enumerate(indices)}
    max_host = min((1 << (32 - zp)) - 2, 65000)
    ids = st.integers(2, max_host)
    hosts: dict[str, Any] = {}
    taken: set[tuple[str, int]] = set()
    for i, function in enumerate(("vpn_hub", *roles)):
        zone = draw(st.sampled_from(sorted(zones)))
        host_id = draw(ids.filter(lambda n, z=zone: (z, n) not in taken))
        taken.add((zone, host_id))
        hosts[f"h{i}"] = {"zone": zone, "id": host_id, "roles": [function]}
    return {"id": dc_id, "role": role, "zones": zones, "hosts": hosts}


@st.composite
def topologies(draw: st.DrawFn, roles: tuple[str, ...] = ()) -> dict[str, Any]:
    """A raw topology (the mapping `topology.yaml` would hold) whose ids all fit the pools."""
    dp = draw(st.integers(POOL_PREFIX + 2, 24))  # room for two datacenter ids from 1
    zp = draw(st.integers(max(dp, 16), 28))
    sp = draw(st.integers(16, MAX_SITE_PREFIX))
    wp = draw(st.integers(24, 31))
    dc_ids = draw(
        st.lists(st.integers(1, min(_capacity(dp) - 1, WAN_RESERVED - 1)), min_size=2, max_size=2, unique=True)
    )
    max_site = min(_capacity(sp) - 1, _capacity(wp) - WAN_RESERVED - 1, (1 << 22) // 32 - 1)
    site_ids = draw(st.lists(st.integers(1, max_site), max_size=5, unique=True))
    return {
        "name": "gen",
        "domain": "intranet.example.org",
        "addressing": {
            **POOLS,
            "datacenter_prefix": dp,
            "zone_prefix": zp,
            "site_prefix": sp,
            "wan_prefix": wp,
            "wan_reserved": WAN_RESERVED,
        },
        "datacenters": {
            "pri": draw(datacenter(dc_ids[0], "primary", dp, zp, roles)),
            "sec": draw(datacenter(dc_ids[1], "secondary", dp, zp, roles)),
        },
        "sites": {
            f"s{site_id}": {
                "id": site_id,
                "title": f"Site {site_id}",
                "workstations": draw(st.integers(0, MAX_WORKSTATIONS)),
            }
            for site_id in site_ids
        },
    }


def frozen(raw: Any) -> Any:
    """`raw` with lists as tuples, as the loader hands YAML sequences to the strict schema."""
    if isinstance(raw, dict):
        return {k: frozen(v) for k, v in raw.items()}
    if isinstance(raw, list | tuple):
        return tuple(frozen(v) for v in raw)
    return raw


# A named service per function, with the names its configuration reads (the compiler's own
# table: the generator feeds the property "validate passes ⇒ render succeeds", it is no oracle).
NAMED_PORTS = NEEDS_PORTS


@st.composite
def deployments(draw: st.DrawFn) -> dict[str, Any]:
    """A topology with functions, services (some ports named, some missing) and flows (some missing).

    Many are invalid on purpose: the property under test is that validate refuses them.
    """
    roles = tuple(draw(st.lists(st.sampled_from(ALL_ROLES), max_size=len(ALL_ROLES), unique=True)))
    raw = draw(topologies(roles))
    if roles and not draw(st.integers(0, 3)):  # now and then a second host of one function in the primary datacenter
        hosts = raw["datacenters"]["pri"]["hosts"]
        zone = hosts["h0"]["zone"]
        used = {h["id"] for h in hosts.values() if h["zone"] == zone}
        free = next(n for n in range(2, 65000) if n not in used)
        hosts["extra"] = {"zone": zone, "id": free, "roles": [draw(st.sampled_from(roles))]}
    services: dict[str, Any] = {}
    for function in roles:
        if function in NAMED_PORTS and draw(st.integers(0, 7)):  # now and then a function's service is missing
            ports = {name: f"tcp/{draw(st.integers(1024, 65535))}" for name in NAMED_PORTS[function]}
            services[function.replace("_", "-")] = {"ports": ports, "roles": [function]}
    raw["services"] = services
    zones = sorted({z for dc in raw["datacenters"].values() for z in dc["zones"]})
    flows: dict[str, Any] = {}
    if services and draw(st.integers(0, 4)):  # now and then the datacenters may not talk
        flows["datacenters"] = {"from": {"zones": zones}, "to": sorted(services)}
    if services and raw["sites"] and draw(st.booleans()):
        # now and then a name as long as a DNS label allows, which a vendor edge must spell in its terms
        name = draw(st.sampled_from(["sites", "sites-" + "x" * 40, "s" * 63]))
        flows[name] = {"from": {"sites": "all"}, "to": [draw(st.sampled_from(sorted(services)))]}
    for site in raw["sites"].values():
        site["edge"] = draw(st.sampled_from(EDGES))
    raw["flows"] = flows
    return raw
