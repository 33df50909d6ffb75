"""What a render would refuse, found without rendering, so that `validate` reports it first.

The role providers refuse a Plan they cannot serve (a replication pair that no flow carries,
a function nobody offers). Running them here, on every datacenter host and on one host of
each other set of roles (gateways and workstations are alike), finds every such refusal in
a few milliseconds, by the very code that the render runs.
"""

from __future__ import annotations

from egovinfra.compile.plan import Host, Plan
from egovinfra.render.assignments import ansible_roles
from egovinfra.render.hostvars import RenderContext
from egovinfra.render.inventory import host_vars
from egovinfra.render.tree import RenderError


def _representatives(plan: Plan) -> list[Host]:
    """Every datacenter host, and the first of the other hosts with each set of Ansible roles."""
    seen: set[tuple[str, ...]] = set()
    chosen: list[Host] = []
    for host in plan.hosts:
        roles = ansible_roles(host, plan)
        if host.kind == "datacenter" or roles not in seen:
            seen.add(roles)
            chosen.append(host)
    return chosen


def render_problems(plan: Plan) -> list[str]:
    """Every reason the render of `plan` would fail, in the Plan's host order, without repeats."""
    ctx = RenderContext(plan, "production")
    found: list[str] = []
    for host in _representatives(plan):
        try:
            host_vars(ctx, host)
        except RenderError as exc:
            if str(exc) not in found:
                found.append(str(exc))
    return found
