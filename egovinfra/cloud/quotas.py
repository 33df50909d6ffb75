"""What a datacenter stack needs from the project's quotas, against OpenStack's defaults.

Defaults are those of a fresh project: Neutron's `[quotas]` (security_group 10,
security_group_rule 100, port 500, floatingip 50, network 100, subnet 100, router 10), Nova's
`[quota]` (instances 10, server_groups 10, server_group_members 10) and Cinder's (volumes 10,
gigabytes 1000). Clouds often raise them; the table says which to ask for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from egovinfra.cloud.preview import Preview

# quota name → (the resource types that count against it, the OpenStack default)
QUOTAS: Mapping[str, tuple[tuple[str, ...], int]] = {
    "neutron security_group": (("openstack:networking/secGroup:SecGroup",), 10),
    "neutron security_group_rule": (("openstack:networking/secGroupRule:SecGroupRule",), 100),
    "neutron port": (("openstack:networking/port:Port",), 500),
    "neutron floatingip": (("openstack:networking/floatingIp:FloatingIp",), 50),
    "neutron network": (("openstack:networking/network:Network",), 100),
    "neutron subnet": (("openstack:networking/subnet:Subnet",), 100),
    "neutron router": (("openstack:networking/router:Router",), 10),
    "nova instances": (("openstack:compute/instance:Instance",), 10),
    "nova server_groups": (("openstack:compute/serverGroup:ServerGroup",), 10),
    "cinder volumes": (("openstack:blockstorage/volume:Volume",), 10),
}
# Each group's own default egress rules are deleted after creation (delete_default_rules),
# but Neutron counts them while they exist: two per group (IPv4 and IPv6).
DEFAULT_RULES_PER_GROUP = 2


@dataclass(frozen=True)
class QuotaNeed:
    """One quota: what the stack uses and what a default project allows."""

    quota: str
    needed: int
    default: int

    @property
    def exceeded(self) -> bool:
        """True when a project with default quotas cannot hold the stack."""
        return self.needed > self.default


def quota_needs(preview: Preview) -> list[QuotaNeed]:
    """Every quota the stack draws on, in a fixed order."""
    counts = preview.counts()
    out = []
    for quota, (types, default) in QUOTAS.items():
        needed = sum(counts[t] for t in types)
        if quota == "neutron security_group_rule":
            needed += DEFAULT_RULES_PER_GROUP * counts["openstack:networking/secGroup:SecGroup"]
        out.append(QuotaNeed(quota, needed, default))
    gigabytes = sum(int(r.inputs.get("size", 0)) for r in preview.of_type("openstack:blockstorage/volume:Volume"))
    out.append(QuotaNeed("cinder gigabytes", gigabytes, 1000))
    return out
