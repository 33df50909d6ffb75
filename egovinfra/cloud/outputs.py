"""Stack outputs (what OpenStack really gave) → variables for the Ansible inventory, and the
public address of the datacenter's hub (which `egovinfra stack-outputs` records in the cloud
state file, so that the compiler has every peer dial it).

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
from ipaddress import IPv4Address
from typing import Any

from egovinfra.cloud.errors import CloudError
from egovinfra.compile.plan import Plan


@dataclass(frozen=True)
class CloudInventory:
    """An inventory source with the cloud's facts, and the address the cloud gave the hub."""

    datacenter: str
    data: dict[str, Any]  # Ansible YAML inventory: all → hosts / children
    public_address: str  # the hub's floating IP, or the VPNaaS router's gateway address


_KINDS: dict[type, str] = {str: "a string", list: "a list", Mapping: "an object"}


def _get(data: Mapping[str, Any], key: str, where: str, kind: type = object) -> Any:
    """`data[key]`, checked to be of `kind`: the file is input, not trusted to be Pulumi's."""
    if not isinstance(data, Mapping) or key not in data:
        raise CloudError(
            f"stack outputs: {where}{key} is missing (is this `pulumi stack output --json` "
            "of a stacks/datacenter stack?)"
        )
    value = data[key]
    if not isinstance(value, kind):
        raise CloudError(f"stack outputs: {where}{key} should be {_KINDS[kind]}, not {type(value).__name__}")
    return value


def cloud_inventory(plan: Plan, outputs: Mapping[str, Any]) -> CloudInventory:
    """Check `outputs` against `plan` and turn them into inventory variables."""
    name = _get(outputs, "datacenter", "", str)
    try:
        dc = plan.datacenter(name)
    except KeyError:
        raise CloudError(f"stack outputs: datacenter {name!r} is not in the topology {plan.name}") from None
    problems: list[str] = []
    hosts: dict[str, dict[str, Any]] = {}
    for host_name, facts in sorted(_get(outputs, "hosts", "", Mapping).items()):
        try:
            host = plan.host(host_name)
        except KeyError:
            problems.append(f"{host_name}: in the stack but not in the Plan")
            continue
        planned = {i.name: i.ip for i in host.interfaces}
        for iface, addresses in sorted(_get(facts, "ports", f"hosts.{host_name}.", Mapping).items()):
            if not isinstance(addresses, list) or addresses != [planned.get(iface)]:
                problems.append(f"{host_name} {iface}: the cloud gave {addresses}, the Plan says {planned.get(iface)}")
        hosts[host_name] = {"egovinfra_cloud_instance_id": _get(facts, "instance_id", f"hosts.{host_name}.", str)}
    bastions = {
        str(k): str(v) for k, v in (_get(outputs, "bastions", "", Mapping) if "bastions" in outputs else {}).items()
    }
    for bastion, address in sorted(bastions.items()):
        if bastion in hosts:
            hosts[bastion].update(
                ansible_host=address,
                common_ssh_allow_extra=[str(c) for c in (outputs.get("operator_cidrs") or []) if isinstance(c, str)],
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
    public = _get(vpn, "public_address", "vpn.", str)
    try:
        public = str(IPv4Address(public))
    except ValueError:
        raise CloudError(f"stack outputs: vpn.public_address should be an IPv4 address, not {public!r}") from None
    group = f"dc_{dc.name}".replace("-", "_")
    data = {"all": {"hosts": hosts, "children": {group: {"vars": {"egovinfra_vpn_backend": dc.vpn_backend}}}}}
    return CloudInventory(dc.name, data, public)
