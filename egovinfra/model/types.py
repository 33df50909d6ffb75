"""Scalar types of the topology format, validated where they are read."""

from __future__ import annotations

import re
from ipaddress import IPv4Address, IPv4Network, ip_address, ip_network
from typing import Annotated

from pydantic import AfterValidator, Field

DNS_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def _dns_label(value: str) -> str:
    if not DNS_LABEL.match(value):
        raise ValueError(
            f"{value!r} is not a DNS label (lower-case letters, digits and inner hyphens, 1-63 characters)"
        )
    return value


def _domain(value: str) -> str:
    labels = value.rstrip(".").split(".")
    if len(labels) < 2 or len(value) > 253 or not all(DNS_LABEL.match(x) for x in labels):
        raise ValueError(f"{value!r} is not a DNS domain of two or more labels")
    return value.rstrip(".")


def _cidr(value: str) -> str:
    try:
        net = ip_network(value, strict=False)
    except ValueError:
        raise ValueError(f"{value!r} is not an IP prefix such as 10.0.0.0/16") from None
    if "/" not in value:
        raise ValueError(f"{value!r} has no prefix length")
    if net.network_address != ip_address(value.split("/", 1)[0]):
        raise ValueError(f"{value!r} has host bits set; did you mean {net}?")
    if not isinstance(net, IPv4Network):
        raise ValueError(f"{value!r}: only IPv4 pools are supported")
    return str(net)


def _address(value: str) -> str:
    try:
        addr = ip_address(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an IPv4 address") from None
    if not isinstance(addr, IPv4Address):
        raise ValueError(f"{value!r}: only IPv4 addresses are supported")
    return str(addr)


DnsLabel = Annotated[str, AfterValidator(_dns_label)]
Domain = Annotated[str, AfterValidator(_domain)]
Cidr = Annotated[str, AfterValidator(_cidr)]
Address = Annotated[str, AfterValidator(_address)]
Id = Annotated[int, Field(ge=1, le=1_000_000)]
