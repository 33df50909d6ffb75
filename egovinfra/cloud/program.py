"""The Pulumi program of `stacks/datacenter`: configuration → Plan → one datacenter's resources."""

from __future__ import annotations

from pathlib import Path

import pulumi

from egovinfra.cloud.openstack.datacenter import DatacenterStack, select_datacenter
from egovinfra.cloud.settings import CloudSettings, settings_from_config
from egovinfra.compile import Plan, compile_loaded
from egovinfra.model import load_topology

CONFIG_NAMESPACE = "egovinfra"


def load_plan(settings: CloudSettings) -> Plan:
    """The Plan of the configured topology (relative paths from the stack's folder)."""
    return compile_loaded(load_topology(Path(settings.topology) if settings.topology else None))


def deploy(plan: Plan, settings: CloudSettings) -> DatacenterStack:
    """Declare the configured datacenter of `plan` and export its outputs."""
    stack = DatacenterStack(plan, select_datacenter(plan, settings.datacenter), settings)
    for key, value in stack.outputs.items():
        pulumi.export(key, value)
    return stack


def main() -> None:
    """Entry point of `stacks/datacenter/__main__.py`."""
    settings = settings_from_config(pulumi.Config(CONFIG_NAMESPACE))
    deploy(load_plan(settings), settings)
