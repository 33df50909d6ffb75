"""A previewed stack as rows for people: type, name and the inputs worth reviewing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from egovinfra.cloud.preview import SECRET_INPUTS, Preview, Recorded

# The inputs a reviewer looks at, by resource type; components show none.
KEY_INPUTS: Mapping[str, tuple[str, ...]] = {
    "openstack:networking/network:Network": ("name", "tags"),
    "openstack:networking/addressGroupV2:AddressGroupV2": ("addresses",),
    "openstack:networking/subnet:Subnet": ("cidr", "gatewayIp", "noGateway", "allocationPools"),
    "openstack:networking/router:Router": ("externalNetworkId",),
    "openstack:networking/routerInterface:RouterInterface": ("subnetId",),
    "openstack:networking/routerRoute:RouterRoute": ("destinationCidr", "nextHop"),
    "openstack:networking/secGroup:SecGroup": ("deleteDefaultRules",),
    "openstack:networking/secGroupRule:SecGroupRule": (
        "direction",
        "protocol",
        "portRangeMin",
        "portRangeMax",
        "remoteIpPrefix",
        "remoteAddressGroupId",
    ),
    "openstack:networking/port:Port": ("fixedIps", "securityGroupIds", "allowedAddressPairs"),
    "openstack:networking/floatingIp:FloatingIp": ("pool", "address"),
    "openstack:networking/floatingIpAssociate:FloatingIpAssociate": ("portId",),
    "openstack:compute/serverGroup:ServerGroup": ("policies",),
    "openstack:compute/instance:Instance": ("flavorName", "imageName", "keyPair", "schedulerHints", "userData"),
    "openstack:compute/volumeAttach:VolumeAttach": ("instanceId", "volumeId"),
    "openstack:blockstorage/volume:Volume": ("size", "volumeType"),
    "openstack:vpnaas/ikePolicy:IkePolicy": ("ikeVersion", "encryptionAlgorithm", "authAlgorithm", "pfs", "lifetimes"),
    "openstack:vpnaas/ipSecPolicy:IpSecPolicy": (
        "transformProtocol",
        "encapsulationMode",
        "encryptionAlgorithm",
        "authAlgorithm",
        "pfs",
        "lifetimes",
    ),
    "openstack:vpnaas/service:Service": ("routerId",),
    "openstack:vpnaas/endpointGroup:EndpointGroup": ("type", "endpoints"),
    "openstack:vpnaas/siteConnection:SiteConnection": ("peerAddress", "peerId", "localId", "initiator", "dpds", "psk"),
}


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Mapping):
        return ",".join(f"{k}={_text(v)}" for k, v in sorted(value.items()))
    if isinstance(value, (list, tuple)):
        return " ".join(_text(v) for v in value)
    return str(value)


def key_inputs(resource: Recorded) -> dict[str, Any]:
    """The reviewed inputs of a resource; secrets masked."""
    keys = KEY_INPUTS.get(resource.type, ())
    return {
        k: "[secret]" if k in SECRET_INPUTS else resource.inputs[k] for k in keys if resource.inputs.get(k) is not None
    }


def short_type(token: str) -> str:
    """`openstack:networking/port:Port` → `networking.Port`; our components keep their name."""
    package, module, kind = [*token.split(":"), "", ""][:3]
    if package == "openstack":
        return f"{module.split('/', 1)[0]}.{kind}"
    return f"component.{kind}"


def preview_rows(preview: Preview) -> list[dict[str, Any]]:
    """One row per resource, sorted by type then name (registration order is not stable)."""
    rows = [
        {
            "type": short_type(r.type),
            "token": r.type,
            "name": r.name,
            "inputs": " ".join(f"{k}={_text(v)}" for k, v in key_inputs(r).items()),
            "values": key_inputs(r),
        }
        for r in preview.resources
    ]
    return sorted(rows, key=lambda row: (row["type"], row["name"]))
