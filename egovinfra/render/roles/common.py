"""Variables of the `common` role: identity, admin access, time, hardening."""

from __future__ import annotations

from typing import Any

from egovinfra.compile.plan import Host
from egovinfra.render.hostvars import RenderContext, provider


@provider("common")
def common_vars(ctx: RenderContext, host: Host) -> dict[str, Any] | None:
    """Every managed host gets the common base."""
    plan = ctx.plan
    return {
        "common_hostname": host.name,
        "common_fqdn": host.fqdn,
        "common_domain": plan.domain,
        # Sysctls of kernel.* and vm.* fail in lab containers (read-only /proc/sys).
        "common_kernel_sysctls": ctx.env == "production",
        "common_ssh_allow_from": [plan.pools.management],
        "common_ntp_servers": ["ntp." + plan.domain] if ctx.env == "production" else [],
    }
