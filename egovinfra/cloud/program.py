"""The Pulumi program of `stacks/datacenter`: configuration → Plan → one datacenter's resources."""

from __future__ import annotations

from pathlib import Path

import pulumi

from egovinfra.cloud.errors import CloudError
from egovinfra.cloud.openstack.datacenter import DatacenterStack, select_datacenter
from egovinfra.cloud.openstack.tags import labels, tagging
from egovinfra.cloud.settings import CloudSettings, settings_from_config
from egovinfra.compile import Plan, compile_loaded
from egovinfra.compile.plan import Datacenter
from egovinfra.model import load_topology
from egovinfra.pki import PkiError, resolve_pki_dir
from egovinfra.pki.psk import read_psk

CONFIG_NAMESPACE = "egovinfra"


def load_plan(settings: CloudSettings) -> Plan:
    """The Plan of the configured topology (relative paths from the stack's folder)."""
    return compile_loaded(load_topology(Path(settings.topology) if settings.topology else None))


def tunnel_keys(plan: Plan, dc: Datacenter, settings: CloudSettings) -> dict[str, pulumi.Output[str]]:
    """The VPNaaS hub's pre-shared keys as Pulumi secrets, from the files the peers read too."""
    if dc.vpn_backend != "vpnaas":
        return {}
    base = resolve_pki_dir(plan.name, Path(settings.pki_dir) if settings.pki_dir else None)
    try:
        return {c.name: pulumi.Output.secret(read_psk(base, c.name)) for c in plan.vpn.connections(dc.hub)}
    except PkiError as exc:
        raise CloudError(str(exc)) from None


def peer_hub_address(plan: Plan, dc: Datacenter, settings: CloudSettings) -> pulumi.Output[str] | None:
    """The other hub's public address from its stack, when the Plan does not know it."""
    others = [o for o in plan.datacenters if o.name != dc.name]
    if not settings.peer_stack or all(o.public_address for o in others):
        return None
    vpn = pulumi.StackReference(settings.peer_stack).get_output("vpn")
    return vpn.apply(lambda v: str(v["public_address"]))


def deploy(plan: Plan, settings: CloudSettings) -> DatacenterStack:
    """Declare the configured datacenter of `plan` and export its outputs."""
    dc = select_datacenter(plan, settings.datacenter)
    deployment = f"{pulumi.get_project()}/{pulumi.get_stack()}"
    stack = DatacenterStack(
        plan,
        dc,
        settings,
        psks=tunnel_keys(plan, dc, settings),
        peer_hub=peer_hub_address(plan, dc, settings),
        opts=pulumi.ResourceOptions(transformations=[tagging(labels(deployment, plan.name, dc.name))]),
    )
    for key, value in stack.outputs.items():
        pulumi.export(key, value)
    return stack


def main() -> None:
    """Entry point of `stacks/datacenter/__main__.py`."""
    settings = settings_from_config(pulumi.Config(CONFIG_NAMESPACE))
    deploy(load_plan(settings), settings)
