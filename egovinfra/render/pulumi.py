"""Plan → Pulumi stack configuration: one `Pulumi.<stack>.yaml` per datacenter.

A stack is named after its datacenter's role when that role is unique (`primary`,
`secondary`), else after the datacenter. The files hold what the topology decides: which
datacenter and topology, the OpenStack cloud and region of the datacenter (the two may be
different clouds) and, for a secondary, the primary's stack it reads the hub address from.
Other cloud settings live in the project's defaults and in what `pulumi config set` adds,
which `egovinfra stacks` keeps when it rewrites a file.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import yaml

from egovinfra.compile.plan import Datacenter, Plan
from egovinfra.render.tree import Tree

NAMESPACE = "egovinfra"
OWNED_KEYS = (f"{NAMESPACE}:datacenter", f"{NAMESPACE}:topology", "openstack:cloud", "openstack:region")
# A self-managed backend's stacks are `organization/<project>/<stack>`; Pulumi Cloud uses the org.
DEFAULT_ORGANIZATION = "organization"
HEADER = (
    "# Rendered by `egovinfra stacks` from the topology; the keys below are regenerated.\n"
    "# Other keys (`pulumi config set ...`) are kept when the file is rendered again.\n"
)


def stack_name(plan: Plan, dc: Datacenter) -> str:
    """`primary`/`secondary` when only one datacenter has that role, else the datacenter's name."""
    roles = Counter(d.role for d in plan.datacenters)
    return dc.role if roles[dc.role] == 1 else dc.name


def stack_config(
    plan: Plan, dc: Datacenter, topology: str | None = None, organization: str = DEFAULT_ORGANIZATION
) -> dict[str, Any]:
    """The topology-owned configuration of `dc`'s stack."""
    config: dict[str, Any] = {
        f"{NAMESPACE}:datacenter": dc.name,
        f"{NAMESPACE}:topology": topology or "",
        "openstack:cloud": dc.cloud,
        "openstack:region": dc.region,
    }
    if dc.role == "secondary":
        # The secondary comes up second and reads the primary's hub address from its outputs.
        config[f"{NAMESPACE}:peerStack"] = f"{organization}/{NAMESPACE}/{stack_name(plan, plan.primary)}"
    return config


def dump_stack_file(config: dict[str, Any], other: dict[str, Any] | None = None) -> bytes:
    """A stack file's text: the header, then `config:` and any `other` top-level keys
    (`encryptionsalt`, `secretsprovider`, ... that Pulumi keeps there), sorted."""
    body = yaml.safe_dump(
        {**(other or {}), "config": config}, sort_keys=True, default_flow_style=False, allow_unicode=True
    )
    return (HEADER + body).encode()


def render_stack_config(plan: Plan, topology: str | None = None, organization: str = DEFAULT_ORGANIZATION) -> Tree:
    """`Pulumi.<stack>.yaml` for every datacenter; `topology` is the path the stack reads
    (relative to the stack folder), None for the embedded default."""
    return {
        f"Pulumi.{stack_name(plan, dc)}.yaml": dump_stack_file(stack_config(plan, dc, topology, organization))
        for dc in plan.datacenters
    }
