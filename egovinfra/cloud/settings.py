"""Cloud settings of a stack: what the topology does not decide (flavors, images, networks).

Read from the stack's Pulumi configuration (namespace `egovinfra`); defaults live in
`stacks/datacenter/Pulumi.yaml` and here, so the preview and the real program agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import yaml

from egovinfra.cloud.errors import CloudError

SERVER_GROUP_POLICIES = ("anti-affinity", "soft-anti-affinity")

# Functions whose hosts keep data on a separate volume, and the default size in GiB.
DATA_VOLUMES: Mapping[str, int] = {"database": 100, "filestore": 500}


@dataclass(frozen=True)
class CloudSettings:
    """Everything a datacenter stack needs besides the Plan."""

    datacenter: str  # a datacenter name of the Plan, or its role (primary/secondary)
    topology: str | None = None  # topology folder; None: the embedded default
    external_network: str = "public"
    image: str = "debian-12"
    flavor: str = "m1.medium"
    key_pair: str = ""  # a Nova key pair that already exists ("": none, cloud-init installs operator_keys)
    volume_type: str = "ssd"
    flavors: Mapping[str, str] = field(default_factory=dict)  # host function → flavor
    images: Mapping[str, str] = field(default_factory=dict)  # host function → image
    volume_sizes: Mapping[str, int] = field(default_factory=lambda: dict(DATA_VOLUMES))
    server_group_policy: str = "anti-affinity"
    dns_nameservers: tuple[str, ...] = ()
    operator_keys: tuple[str, ...] = ()  # SSH public keys cloud-init installs on every instance
    operator_cidrs: tuple[str, ...] = ()  # where operators reach the bastion's floating IP from
    address_groups: bool = True  # compress rules with Neutron address groups (the address-group extension)
    peer_stack: str = ""  # the other datacenter's stack (`org/egovinfra/primary`), read for its hub's address
    pki_dir: str = ""  # where `egovinfra pki psk` wrote the tunnels' keys ("": the PKI default)

    @property
    def user_data(self) -> str | None:
        """cloud-init for every instance: the operators' keys, so the first converge needs no hand step.

        Ansible logs in as root; cloud-init gives root the same keys only with `disable_root`
        off (otherwise root's keys answer "log in as debian" and the converge fails).
        """
        if not self.operator_keys:
            return None
        body = {"disable_root": False, "ssh_authorized_keys": list(self.operator_keys)}
        return "#cloud-config\n" + yaml.safe_dump(body, sort_keys=True, width=4096)

    def flavor_of(self, functions: tuple[str, ...]) -> str:
        """The flavor of a host: the first of its functions with an override, else the default."""
        return next((self.flavors[f] for f in functions if f in self.flavors), self.flavor)

    def image_of(self, functions: tuple[str, ...]) -> str:
        """The image of a host: the first of its functions with an override, else the default."""
        return next((self.images[f] for f in functions if f in self.images), self.image)


def _mapping(value: Any, key: str, kind: type) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, kind) for v in value.values()):
        raise CloudError(f"config egovinfra:{key}: expected a mapping of host function to {kind.__name__}")
    return {str(k): v for k, v in value.items()}


def _strings(value: Any, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CloudError(f"config egovinfra:{key}: expected a list of strings")
    return tuple(value)


def settings_from_config(config: pulumi.Config) -> CloudSettings:
    """Read the stack configuration (`egovinfra:*`); wrong shapes raise CloudError."""
    defaults = CloudSettings(datacenter="")
    policy = config.get("serverGroupPolicy") or defaults.server_group_policy
    if policy not in SERVER_GROUP_POLICIES:
        raise CloudError(f"config egovinfra:serverGroupPolicy: {policy!r} is not one of {SERVER_GROUP_POLICIES}")
    sizes = {**DATA_VOLUMES, **_mapping(config.get_object("volumeSizes"), "volumeSizes", int)}
    return CloudSettings(
        datacenter=config.require("datacenter"),
        topology=config.get("topology"),
        external_network=config.get("externalNetwork") or defaults.external_network,
        image=config.get("image") or defaults.image,
        flavor=config.get("flavor") or defaults.flavor,
        key_pair=config.get("keyPair") or defaults.key_pair,
        volume_type=config.get("volumeType") or defaults.volume_type,
        flavors=_mapping(config.get_object("flavors"), "flavors", str),
        images=_mapping(config.get_object("images"), "images", str),
        volume_sizes=sizes,
        server_group_policy=policy,
        dns_nameservers=_strings(config.get_object("dnsNameservers"), "dnsNameservers"),
        operator_keys=_strings(config.get_object("operatorKeys"), "operatorKeys"),
        operator_cidrs=_strings(config.get_object("operatorCidrs"), "operatorCidrs"),
        address_groups=config.get_bool("addressGroups") is not False,
        peer_stack=config.get("peerStack") or "",
        pki_dir=config.get("pkiDir") or "",
    )
