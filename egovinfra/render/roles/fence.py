"""Variables of the `fence` role: what a datacenter host records of the operational state,
and whom it asks at boot before it serves.

The witnesses of a host are the DNS servers of the other datacenters: they answer the `_dr`
record (`dr_record`) from the same state, so a datacenter that was lost and returns learns
there whether a failover happened meanwhile.
"""

from __future__ import annotations

from typing import Any

from egovinfra.compile.plan import Host, Plan
from egovinfra.render.hostvars import RenderContext

RECORD = "_dr"  # the TXT record's name in the intranet zone
GATED_FUNCTIONS = ("database", "dns", "directory", "mail", "groupware_app", "groupware_web", "filestore")
WAIT_SECONDS = 120  # how long a returning host looks for a witness before it stays fenced


def dr_record(plan: Plan) -> str:
    """The `_dr` TXT record's text: the serving datacenter and the generation of that choice."""
    return f"active={plan.active.name} generation={plan.generation}"


def gated(host: Host) -> tuple[str, ...]:
    """The functions of `host` whose units serve, and so wait for the fence."""
    return tuple(f for f in host.roles if f in GATED_FUNCTIONS) if host.kind == "datacenter" else ()


def fence_vars(ctx: RenderContext, host: Host) -> dict[str, Any] | None:
    """A datacenter host that serves: its record of the state and its witnesses."""
    plan = ctx.plan
    functions = gated(host)
    if not functions:
        return None
    witnesses = sorted(
        h.address for h in plan.hosts if "dns" in h.roles and h.kind == "datacenter" and h.scope != host.scope
    )
    return {
        "fence_functions": list(functions),
        "fence_state": {
            "datacenter": host.scope,
            "active": plan.active.name,
            "generation": plan.generation,
            "record": f"{RECORD}.{plan.domain}",
            "witnesses": witnesses,
            "wait_seconds": WAIT_SECONDS,
        },
    }
