"""The platform's CrossGuard policies as plain functions, so tests can call them directly.

Each check takes objects shaped like pulumi-policy's (`resource_type`, `name`, `props`,
and `urn`, `parent` for stack checks) plus the pack's configuration, and returns the
violations as messages (stack checks: with the URN of the resource they concern).
`pack.py` wraps them into policies and `__main__.py` into the pack; importing this module
starts nothing.

During a preview, values the cloud has not assigned yet (the id of a group created in the
same run) are unknown; pulumi-policy raises UnknownValueError when one is read, which would
skip a whole stack check. `_read` turns such a value into UNKNOWN: set, value not known yet.
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

UNKNOWN = object()  # a value the engine will know after `pulumi up`


def _read(props: Mapping[str, Any], key: str) -> Any:
    """props[key], None when absent, UNKNOWN when pulumi-policy cannot know it during preview."""
    try:
        return props.get(key)
    except Exception as exc:  # pulumi_policy.proxy.UnknownValueError; the module does not import it
        if type(exc).__name__ == "UnknownValueError":
            return UNKNOWN
        raise


class Resource(Protocol):
    """What a check reads of a resource (pulumi-policy's args and PolicyResource have it)."""

    @property
    def resource_type(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def props(self) -> Mapping[str, Any]: ...


class StackResource(Resource, Protocol):
    """A resource seen by a stack check, with its URN and parent."""

    @property
    def urn(self) -> str: ...

    @property
    def parent(self) -> StackResource | None: ...


@dataclass(frozen=True)
class Violation:
    """A violation of a stack check: the resource's name and URN (the engine shows it), and why."""

    resource: str
    urn: str
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
        prefix = _read(p, "remoteIpPrefix")
        remotes = [prefix, _read(p, "remoteGroupId"), _read(p, "remoteAddressGroupId")]
        if prefix not in ANYWHERE and any(x is not None for x in remotes):
            continue  # a known prefix, or a group (known or not yet created): not "anywhere"
        group = r.parent if r.parent is not None and r.parent.resource_type == SEC_GROUP else None
        group_name = str(group.props.get("name", group.name)) if group is not None else ""
        if group_name.endswith(dmz_suffix) and _published(p, _setting(config, "publishedPorts")):
            continue
        out.append(
            Violation(
                r.name,
                r.urn,
                f"ingress from anywhere ({p.get('protocol')} "
                f"{p.get('portRangeMin')}-{p.get('portRangeMax')}) in "
                f"{group_name or 'a group outside the DMZ'}; only the DMZ's "
                "published ports may be open to all",
            )
        )
    return out


def _function(instance: StackResource) -> str:
    metadata = _read(instance.props, "metadata")
    if not isinstance(metadata, Mapping):
        return ""
    return str(metadata.get("egovinfra_functions", "")).split(",", 1)[0]


def redundant_instances_spread(resources: Sequence[StackResource], config: Mapping[str, Any]) -> list[Violation]:
    """Instances of a host function that has several in the stack each carry a server-group hint
    (anti-affinity spreads them); a function with one instance needs no group."""
    instances = [r for r in resources if r.resource_type == INSTANCE]
    by_function: dict[str, list[StackResource]] = {}
    for r in instances:
        by_function.setdefault(_function(r), []).append(r)
    out: list[Violation] = []
    for function, members in sorted(by_function.items()):
        if not function or len(members) < 2:
            continue
        for r in members:
            hints = _read(r.props, "schedulerHints")
            if hints is UNKNOWN or any(_read(h, "group") for h in hints or []):
                continue
            out.append(
                Violation(
                    r.name,
                    r.urn,
                    f"instance {r.name} is one of {len(members)} {function} instances and in no server group",
                )
            )
    return out


def data_volume_type(resource: Resource, config: Mapping[str, Any]) -> list[str]:
    """Data volumes use the configured volume type."""
    if resource.resource_type != VOLUME:
        return []
    wanted = _setting(config, "volumeType")
    got = _read(resource.props, "volumeType")
    if got in (wanted, UNKNOWN):
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
        value = _read(p, key)
        if value is UNKNOWN:
            continue
        if value is None:
            out.append(f"{resource.name}: {key} is not set, so OpenStack uses {NEUTRON_DEFAULTS[key]!r}")
        elif value not in allowed:
            out.append(f"{resource.name}: {key} {value!r} is not allowed ({', '.join(sorted(allowed))})")
    if not p.get("lifetimes"):
        out.append(f"{resource.name}: lifetimes are not set; the Plan's rekey times must be explicit")
    return out


RESOURCE_CHECKS = (data_volume_type, vpnaas_strong_crypto)
STACK_CHECKS = (no_open_ingress, redundant_instances_spread)
