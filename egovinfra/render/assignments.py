"""Which Ansible roles converge which host: one table, read by the inventory and the offline renderer."""

from __future__ import annotations

from egovinfra.compile.plan import Host
from egovinfra.render.roles.fence import gated

# Function roles of the Plan → Ansible roles, in play order. `common` and `nftables` go on
# every managed host; the rest follow what the host does.
_BY_FUNCTION: dict[str, tuple[str, ...]] = {
    "vpn_hub": ("pki", "ipsec"),
    "site_gateway": ("pki", "ipsec"),
    "database": ("postgresql", "backup"),
    "filestore": ("filesync", "backup"),
    "backup_repository": ("backup",),
    "dns": ("dns",),
    "directory": ("tlscert", "ldap", "backup"),
    "mail": ("tlscert", "mail", "backup"),
    "groupware_app": ("tlscert", "groupware"),
    "groupware_web": ("tlscert", "web"),
}
BASE_ROLES = ("common", "nftables")


def ansible_roles(host: Host) -> tuple[str, ...]:
    """The Ansible roles that converge `host`, in order; none for unmanaged (vendor) hosts."""
    if not host.managed:
        return ()
    extra = [r for fn in host.roles for r in _BY_FUNCTION.get(fn, ())]
    # The fence goes before every role whose units it gates.
    fence = ("fence",) if gated(host) else ()
    return tuple(dict.fromkeys([*BASE_ROLES, *fence, *extra]))
