"""Which Ansible roles converge which host: one table, read by the inventory and the offline renderer."""

from __future__ import annotations

from egovinfra.compile.plan import Host, Plan
from egovinfra.render.roles.fence import gated

# Function roles of the Plan → Ansible roles, in play order. `packages` (every package of the
# host's roles, in one step), `common` and `nftables` go on every managed host; the rest follow
# what the host does.
_BY_FUNCTION: dict[str, tuple[str, ...]] = {
    "vpn_hub": ("pki", "ipsec"),
    "site_gateway": ("pki", "ipsec"),
    "database": ("tlscert", "postgresql", "backup"),
    "filestore": ("filesync", "backup"),
    "backup_repository": ("backup",),
    "dns": ("dns",),
    "directory": ("tlscert", "ldap", "backup"),
    "mail": ("tlscert", "mail", "backup"),
    "groupware_app": ("tlscert", "groupware"),
    "groupware_web": ("tlscert", "web"),
    "bastion": ("sessionlog",),
    "monitoring": ("monitoring",),
    "logs": ("tlscert", "logstore"),
}
BASE_ROLES = ("packages", "common", "nftables")
# When the deployment has monitoring hosts: the exporters of every host, by what it does.
_WATCHED: dict[str, tuple[str, ...]] = {"database": ("postgres_exporter",), "dns": ("bind_exporter",)}


def ansible_roles(host: Host, plan: Plan) -> tuple[str, ...]:
    """The Ansible roles that converge `host`, in order; none for unmanaged (vendor) hosts."""
    if not host.managed:
        return ()
    extra = [r for fn in host.roles for r in _BY_FUNCTION.get(fn, ())]
    # The fence goes before every role whose units it gates.
    fence = ("fence",) if gated(host) else ()
    # The platform's own hosts are watched and ship their logs; ministries' workstations are not.
    platform = host.kind == "datacenter" or "site_gateway" in host.roles
    watched: list[str] = []
    if platform and plan.monitoring.servers:
        watched = ["node_exporter", *(r for fn in host.roles for r in _WATCHED.get(fn, ()))]
    logs = ("logging",) if platform and plan.monitoring.log_servers else ()
    return tuple(dict.fromkeys([*BASE_ROLES, *fence, *extra, *watched, *logs]))
