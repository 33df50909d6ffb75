"""The Vagrantfile: the Plan's machines and networks, isolated, deterministic."""

from __future__ import annotations

import ipaddress
import json
import re

from egovinfra.cli.topology_cmds import load_plan
from egovinfra.render.vagrant import vagrantfile


def machines(text: str) -> dict[str, dict[str, object]]:
    data = re.search(r"<<~'JSON'\)\n(.*?)\nJSON\n", text, re.S)
    assert data is not None
    return {m["name"]: m for m in json.loads(data.group(1))["machines"]}


def test_every_managed_host_with_its_addresses() -> None:
    plan = load_plan(None)
    found = machines(vagrantfile(plan))
    for host in plan.hosts:
        if not host.managed:
            assert host.name not in found
            continue
        ips = {i["ip"] for i in found[host.name]["interfaces"]}  # type: ignore[attr-defined]
        assert ips == {i.ip for i in host.interfaces}


def test_wan_router_holds_only_transport_addresses() -> None:
    plan = load_plan(None)
    wan = ipaddress.ip_network(plan.pools.wan)
    router = machines(vagrantfile(plan))["wan-router"]
    addresses = [ipaddress.ip_address(i["ip"]) for i in router["interfaces"]]  # type: ignore[attr-defined]
    assert addresses and all(a in wan for a in addresses)


def test_networks_are_isolated_and_output_is_stable() -> None:
    plan = load_plan(None)
    text = vagrantfile(plan)
    assert 'libvirt__forward_mode: "none"' in text
    assert text == vagrantfile(load_plan(None))
