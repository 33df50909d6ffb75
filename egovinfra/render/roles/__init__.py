"""Variables providers, one module per Ansible role. Importing this package registers them."""

from egovinfra.render.roles import (
    common,
    dns,
    fence,
    filesync,
    groupware,
    ipsec,
    ldap,
    mail,
    nftables,
    pki,
    postgresql,
    tlscert,
    web,
)

__all__ = [
    "common",
    "dns",
    "fence",
    "filesync",
    "groupware",
    "ipsec",
    "ldap",
    "mail",
    "nftables",
    "pki",
    "postgresql",
    "tlscert",
    "web",
]
