"""The platform's CrossGuard policies as plain functions, so tests can call them directly.

Each check takes objects shaped like pulumi-policy's (`resource_type`, `name`, `props`,
and `parent` for stack checks) plus the pack's configuration, and returns the violations
as messages. `__main__.py` wraps them into the pack; importing this module starts nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

SEC_GROUP = "openstack:networking/secGroup:SecGroup"
SEC_GROUP_RULE = "openstack:networking/secGroupRule:SecGroupRule"
INSTANCE = "openstack:compute/instance:Instance"
VOLUME = "openstack:blockstorage/volume:Volume"
IKE_POLICY = "openstack:vpnaas/ikePolicy:IkePolicy"
IPSEC_POLICY = "openstack:vpnaas/ipSecPolicy:IpSecPolicy"

ANYWHERE = frozenset({"0.0.0.0/0", "::/0"})

# Strong VPNaaS values (docs/crypto.md): AES-GCM or AES-256, SHA-2, ECP or MODP >= 3072.
STRONG_ENCRYPTION = frozenset({"aes-256-gcm-16", "aes-256-gcm-12", "aes-128-gcm-16", "aes-256"})
STRONG_AUTH = frozenset({"sha256", "sha384", "sha512"})
STRONG_PFS = frozenset({"group15", "group16", "group19", "group20", "group21", "group31"})
# What OpenStack picks when a value is left out: the reason every value must be explicit.
NEUTRON_DEFAULTS = {"ikeVersion": "v1", "authAlgorithm": "sha1", "encryptionAlgorithm": "aes-128", "pfs": "group5"}

DEFAULTS: Mapping[str, Any] = {"dmzZone": "dmz", "publishedPorts": ["tcp/443"], "volumeType": "ssd"}


class Resource(Protocol):
    """What a check reads of a resource (pulumi-policy's args and PolicyResource have it)."""

    @property
    def resource_type(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def props(self) -> Mapping[str, Any]: ...


class StackResource(Resource, Protocol):
    """A resource seen by a stack check, with its parent."""

    @property
    def parent(self) -> StackResource | None: ...


@dataclass(frozen=True)
class Violation:
    """A violation of a stack check, with the resource it concerns."""

    resource: str
    message: str


def _setting(config: Mapping[str, Any], key: str) -> Any:
    return config.get(key, DEFAULTS[key])


def _published(rule: Mapping[str, Any], published: Iterable[str]) -> bool:
    proto, low, high = rule.get("protocol"), rule.get("portRangeMin"), rule.get("portRangeMax")
    for spec in published:
        p, _, port = spec.partition("/")
        if p == proto and low is not None and high is not None and int(low) == int(high) == int(port):
            return True
    return False


def no_open_ingress(resources: Sequence[StackResource], config: Mapping[str, Any]) -> list[Violation]:
    """No ingress from anywhere, except the DMZ group's published ports.

    A rule without any remote accepts every source, the same as 0.0.0.0/0.
    """
    dmz_suffix = f"-{_setting(config, 'dmzZone')}"
    out: list[Violation] = []
    for r in resources:
        if r.resource_type != SEC_GROUP_RULE or r.props.get("direction") != "ingress":
            continue
        p = r.props
        remotes = [p.get("remoteIpPrefix"), p.get("remoteGroupId"), p.get("remoteAddressGroupId")]
        if p.get("remoteIpPrefix") not in ANYWHERE and any(remotes):
            continue
        group = r.parent if r.parent is not None and r.parent.resource_type == SEC_GROUP else None
        group_name = str(group.props.get("name", group.name)) if group is not None else ""
        if group_name.endswith(dmz_suffix) and _published(p, _setting(config, "publishedPorts")):
            continue
        out.append(
            Violation(
                r.name,
                f"ingress from anywhere ({p.get('protocol')} "
                f"{p.get('portRangeMin')}-{p.get('portRangeMax')}) in "
                f"{group_name or 'a group outside the DMZ'}; only the DMZ's "
                "published ports may be open to all",
            )
        )
    return out


def instance_in_server_group(resource: Resource, config: Mapping[str, Any]) -> list[str]:
    """Every instance is scheduled in a server group (anti-affinity spreads redundant hosts)."""
    if resource.resource_type != INSTANCE:
        return []
    hints = resource.props.get("schedulerHints") or []
    if any(h.get("group") for h in hints):
        return []
    return [f"instance {resource.name} is in no server group (schedulerHints.group)"]


def data_volume_type(resource: Resource, config: Mapping[str, Any]) -> list[str]:
    """Data volumes use the configured volume type."""
    if resource.resource_type != VOLUME:
        return []
    wanted = _setting(config, "volumeType")
    got = resource.props.get("volumeType")
    if got == wanted:
        return []
    return [f"volume {resource.name} has type {got!r}, data volumes must be {wanted!r}"]


def vpnaas_strong_crypto(resource: Resource, config: Mapping[str, Any]) -> list[str]:
    """VPNaaS policies: IKEv2, strong algorithms, every value explicit (no Neutron default)."""
    kind = resource.resource_type
    if kind not in (IKE_POLICY, IPSEC_POLICY):
        return []
    p = resource.props
    rules: dict[str, frozenset[str]] = {
        "encryptionAlgorithm": STRONG_ENCRYPTION,
        "authAlgorithm": STRONG_AUTH,
        "pfs": STRONG_PFS,
    }
    if kind == IKE_POLICY:
        rules["ikeVersion"] = frozenset({"v2"})
    out: list[str] = []
    for key, allowed in rules.items():
        value = p.get(key)
        if value is None:
            out.append(f"{resource.name}: {key} is not set, so OpenStack uses {NEUTRON_DEFAULTS[key]!r}")
        elif value not in allowed:
            out.append(f"{resource.name}: {key} {value!r} is not allowed ({', '.join(sorted(allowed))})")
    if not p.get("lifetimes"):
        out.append(f"{resource.name}: lifetimes are not set; the Plan's rekey times must be explicit")
    return out


RESOURCE_CHECKS = (instance_in_server_group, data_volume_type, vpnaas_strong_crypto)
