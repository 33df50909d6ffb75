"""Stack outputs (what OpenStack really gave) → variables for the Ansible inventory.

`pulumi stack output --json` of a datacenter stack is checked against the Plan first: a
port whose address differs from the Plan means the stack or the inventory is stale, and
merging it would point Ansible at the wrong machines.

The way in: the bastion is reached at its floating IP and every other host of the datacenter
through it (ProxyJump to the host's mgmt0 address, which only the bastion can reach); the
bastion's sshd also admits the operators' prefixes the stack opened.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from egovinfra.cloud.errors import CloudError
from egovinfra.compile.plan import Plan


@dataclass(frozen=True)
class CloudInventory:
    """An inventory source with the cloud's facts, and notes for the operator."""

    datacenter: str
    data: dict[str, Any]  # Ansible YAML inventory: all → hosts / children
    notes: tuple[str, ...]


def _get(data: Mapping[str, Any], key: str, where: str) -> Any:
    if not isinstance(data, Mapping) or key not in data:
        raise CloudError(
            f"stack outputs: {where}{key} is missing (is this `pulumi stack output --json` "
            "of a stacks/datacenter stack?)"
        )
    return data[key]


def cloud_inventory(plan: Plan, outputs: Mapping[str, Any]) -> CloudInventory:
    """Check `outputs` against `plan` and turn them into inventory variables."""
    name = _get(outputs, "datacenter", "")
    try:
        dc = plan.datacenter(name)
    except KeyError:
        raise CloudError(f"stack outputs: datacenter {name!r} is not in the topology {plan.name}") from None
    problems: list[str] = []
    hosts: dict[str, dict[str, Any]] = {}
    for host_name, facts in sorted(_get(outputs, "hosts", "").items()):
        try:
            host = plan.host(host_name)
        except KeyError:
            problems.append(f"{host_name}: in the stack but not in the Plan")
            continue
        planned = {i.name: i.ip for i in host.interfaces}
        for iface, addresses in sorted(_get(facts, "ports", f"hosts.{host_name}.").items()):
            if list(addresses) != [planned.get(iface)]:
                problems.append(f"{host_name} {iface}: the cloud gave {addresses}, the Plan says {planned.get(iface)}")
        hosts[host_name] = {"egovinfra_cloud_instance_id": _get(facts, "instance_id", f"hosts.{host_name}.")}
    bastions: dict[str, str] = dict(outputs.get("bastions") or {})
    for bastion, address in sorted(bastions.items()):
        if bastion in hosts:
            hosts[bastion].update(
                ansible_host=address, common_ssh_allow_extra=list(outputs.get("operator_cidrs") or [])
            )
    jump = next(iter(sorted(bastions.values())), None)
    if jump is not None:
        for host_name, host_vars in hosts.items():
            if host_name not in bastions:
                host_vars["ansible_ssh_common_args"] = f"-o ProxyJump={{{{ ansible_user }}}}@{jump}"
    if problems:
        raise CloudError(
            "stack outputs disagree with the Plan (run `pulumi up` or render again):\n  " + "\n  ".join(problems)
        )
    vpn = _get(outputs, "vpn", "")
    public = _get(vpn, "public_address", "vpn.")
    notes = []
    if public != dc.wan.endpoint_address:
        notes.append(
            f"{dc.name}: the intranet reaches this datacenter at {public}, but the Plan (and so "
            f"every peer's configuration) says {dc.wan.endpoint_address}; set "
            f"datacenters.{dc.name}.wan_address: {public} in the topology and render again"
        )
    group = f"dc_{dc.name}".replace("-", "_")
    data = {
        "all": {
            "hosts": hosts,
            "children": {
                group: {"vars": {"egovinfra_vpn_public_address": public, "egovinfra_vpn_backend": dc.vpn_backend}}
            },
            # Every host may need another datacenter's hub address (gateways, the other hub).
            "vars": {f"egovinfra_hub_public_address_{dc.name}".replace("-", "_"): public},
        }
    }
    return CloudInventory(dc.name, data, tuple(notes))
