"""Variables of the `packages` role: every Debian package of the host's roles, installed first."""

from __future__ import annotations

from typing import Any

from egovinfra.compile.packages import host_packages
from egovinfra.compile.plan import Host
from egovinfra.render.assignments import ansible_roles
from egovinfra.render.hostvars import RenderContext


def packages_vars(ctx: RenderContext, host: Host) -> dict[str, Any] | None:
    """The union of the packages of the roles that converge `host` (the lab's ESP is userspace)."""
    return {"packages_names": list(host_packages(ansible_roles(host, ctx.plan), libipsec=ctx.env == "lab"))}
