"""The variables provider of each Ansible role: role name → (context, host) → its variables.

An explicit table rather than registration at import: the roles' modules depend on the
render context (`hostvars`), never the reverse, so no import circle can form.
"""

from __future__ import annotations

from egovinfra.render.hostvars import VarsProvider
from egovinfra.render.roles import (
    backup,
    common,
    dns,
    fence,
    filesync,
    groupware,
    ipsec,
    ldap,
    mail,
    monitoring,
    nftables,
    packages,
    pki,
    postgresql,
    tlscert,
    web,
)

PROVIDERS: dict[str, VarsProvider] = {
    "backup": backup.backup_vars,
    "common": common.common_vars,
    "dns": dns.dns_vars,
    "fence": fence.fence_vars,
    "filesync": filesync.filesync_vars,
    "groupware": groupware.groupware_vars,
    "ipsec": ipsec.ipsec_vars,
    "ldap": ldap.ldap_vars,
    "mail": mail.mail_vars,
    "monitoring": monitoring.monitoring_vars,
    "node_exporter": monitoring.node_exporter_vars,
    "postgres_exporter": monitoring.postgres_exporter_vars,
    "bind_exporter": monitoring.bind_exporter_vars,
    "logging": monitoring.logging_vars,
    "logstore": monitoring.logstore_vars,
    "nftables": nftables.nftables_vars,
    "packages": packages.packages_vars,
    "pki": pki.pki_vars,
    "postgresql": postgresql.postgresql_vars,
    "tlscert": tlscert.tlscert_vars,
    "web": web.web_vars,
}
