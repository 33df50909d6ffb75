"""Pulumi logical names: stable (no list positions), unique in a stack, readable in a preview."""

from __future__ import annotations

import re

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")

# Every component type of this package, as the engine and the policy pack see it.
PACKAGE = "egovinfra:openstack"


def logical(*parts: object) -> str:
    """`yde-app-ingress-tcp-443` from ("yde", "app", "ingress", "tcp", 443); CIDR slashes become `_`."""
    return "-".join(_UNSAFE.sub("_", str(p)) for p in parts if p is not None and p != "")


def component_type(name: str) -> str:
    """The Pulumi type token of one of our components: `egovinfra:openstack:ZoneNetwork`."""
    return f"{PACKAGE}:{name}"
