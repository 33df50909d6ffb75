"""Tags and metadata naming the deployment and the topology on every resource that takes them.

A transformation on the datacenter component reaches every child, so no component can forget
them. Neutron and Nova take `tags` (strings); Cinder takes `metadata`. Rules, interfaces,
routes, server groups and VPNaaS objects have neither; their names start with the datacenter.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

TAGGED = frozenset(
    {
        "openstack:networking/network:Network",
        "openstack:networking/subnet:Subnet",
        "openstack:networking/router:Router",
        "openstack:networking/port:Port",
        "openstack:networking/secGroup:SecGroup",
        "openstack:networking/floatingIp:FloatingIp",
        "openstack:compute/instance:Instance",
    }
)
WITH_METADATA = frozenset({"openstack:blockstorage/volume:Volume", "openstack:compute/instance:Instance"})


def labels(deployment: str, topology: str, datacenter: str) -> dict[str, str]:
    """What every resource says about where it comes from."""
    return {"egovinfra-deployment": deployment, "egovinfra-topology": topology, "egovinfra-datacenter": datacenter}


def tagging(values: Mapping[str, str]) -> pulumi.ResourceTransformation:
    """A transformation adding `values` as `key=value` tags, or as metadata where tags do not exist."""
    tags = [f"{k}={v}" for k, v in sorted(values.items())]

    def transform(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
        props: dict[str, Any] = dict(args.props)
        if args.type_ in TAGGED:
            props["tags"] = [*(props.get("tags") or []), *tags]
        if args.type_ in WITH_METADATA:
            props["metadata"] = {**values, **(props.get("metadata") or {})}
        if props == args.props:
            return None
        return pulumi.ResourceTransformationResult(props, args.opts)

    return transform
