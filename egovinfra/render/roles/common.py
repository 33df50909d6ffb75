"""Variables of the `common` role: identity, admin access, time, logs, sysctls, updates."""

from __future__ import annotations

from typing import Any

from egovinfra.compile.access import lab_controller
from egovinfra.compile.backup import BACKUP_USER
from egovinfra.compile.plan import Host
from egovinfra.compile.ssh import sshd_ports
from egovinfra.render.hostvars import RenderContext


def common_vars(ctx: RenderContext, host: Host) -> dict[str, Any] | None:
    """Every managed host gets the common base."""
    plan = ctx.plan
    production = ctx.env == "production"
    access = plan.access.of(host.name)
    return {
        "common_hostname": host.name,
        "common_fqdn": host.fqdn,
        "common_domain": plan.domain,
        # Sysctls of kernel.* and vm.* fail in lab containers (read-only /proc/sys).
        "common_kernel_sysctls": production,
        # sshd listens for Ansible, and for borg on a repository host (the topology's `backup-ssh`).
        "common_ssh_ports": list(sshd_ports(plan, host)),
        # sshd accepts logins only from the out-of-band management network.
        "common_ssh_allow_from": [plan.pools.management],
        # The topology's administrators with an account here, and where sshd accepts them from:
        # the bastion takes them from the management network, every other host from the bastion.
        "common_admin_users": [
            {"name": a.login, "comment": a.name, "ssh_keys": list(a.keys)}
            for a in (plan.access.administrator(login) for login in access.accounts)
        ],
        "common_ssh_admins_from": list(access.admins_from),
        # Root over ssh: nowhere once administrators exist, except from the lab's own controller
        # (its fault injection and measurements); from the management network while none exist.
        "common_ssh_root_from": _root_from(ctx),
        # Service accounts, each from its own hosts only: borg from the hosts that back up here.
        "common_ssh_allow_users": sorted(
            f"{BACKUP_USER}@{plan.host(job.source).address}"
            for job in plan.backups.jobs
            if job.repository == host.name and job.kind != "postgresql"
        ),
        # Only the bastion relays administrators' connections (ProxyJump).
        "common_ssh_tcp_forwarding": "bastion" in host.roles,
        # Lab containers share the machine's clock and cannot set it: no time sources there.
        "common_ntp_servers": ["ntp." + plan.domain] if production else [],
        # Lab hosts live on one machine's disk: keep their journals small.
        "common_journald_max_use": "1G" if production else "64M",
        # Lab hosts have no route to a mirror: periodic apt runs would only fail.
        "common_unattended_upgrades": production,
    }


def _root_from(ctx: RenderContext) -> list[str]:
    if ctx.env == "lab":
        return [f"{lab_controller(ctx.plan)}/32"]
    return [] if not ctx.plan.access.root_login else [ctx.plan.pools.management]
