"""Per-host Ansible variables computed from the Plan.

Each Ansible role has one provider (egovinfra.render.providers): a pure function (plan, host,
env) → the role's variables for that host (role-prefixed), or None when the role does not apply.
The inventory writes the result to host_vars/, and the offline renderer feeds the very
same dict to the roles' templates, so the two can never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from egovinfra.compile.plan import Host, Plan

Environment = Literal["production", "lab"]


@dataclass(frozen=True)
class RenderContext:
    """What a provider may read: the Plan and the target environment.

    `host_vars` are computed once per host and context: the inventory and the offline
    renderer both need them.
    """

    plan: Plan
    env: Environment
    computed: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False, repr=False)


VarsProvider = Callable[[RenderContext, Host], dict[str, Any] | None]


def host_identity(ctx: RenderContext, host: Host) -> dict[str, Any]:
    """Facts about the host itself that every role may use."""
    return {
        "ansible_host": host.mgmt_address,
        "egovinfra_fqdn": host.fqdn,
        "egovinfra_kind": host.kind,
        "egovinfra_scope": host.scope,
        "egovinfra_zone": host.zone,
        "egovinfra_functions": list(host.roles),
        "egovinfra_address": host.address,
        "egovinfra_interfaces": [
            {
                "name": i.name,
                "kind": i.kind,
                "address": i.address,
                "network": i.network,
                "gateway": i.gateway,
                "segment": i.segment,
            }
            for i in host.interfaces
        ],
        "egovinfra_routes": [{"destination": r.destination, "via": r.via} for r in host.routes],
    }
