"""Variables of the `tlscert` role: the intranet CA on the groupware's servers, and their TLS certificate.

Names only, never key material: the role copies the files from the controller's PKI directory
(issuing the certificate there first if the host has none) at converge time.
"""

from __future__ import annotations

from typing import Any

from egovinfra.compile.plan import Host
from egovinfra.compile.tls import certificate_names
from egovinfra.render.hostvars import RenderContext

# The role's folder on the host: ca.pem, cert.pem, fullchain.pem, key.pem.
TLS_DIR = "/etc/egovinfra/tls"

# Functions that serve TLS: the local group that must read the key (slapd drops root; the
# daemons' packages, and so their users, come with the host's packages, before any role).
_SERVERS = {
    "directory": "openldap",
    "database": "postgres",
    "mail": "root",
    "groupware_web": "root",
    "groupware_app": "root",
    "logs": "root",
}
# The units that read the certificate: a renewed one is theirs at once (reload where the
# daemon re-reads it, else a restart; units that do not run yet are left alone).
_UNITS = {
    "directory": ("slapd",),
    "database": ("postgresql@15-main",),
    "mail": ("postfix", "dovecot"),
    "groupware_web": ("nginx",),
    "groupware_app": ("nginx",),
}


def tlscert_vars(ctx: RenderContext, host: Host) -> dict[str, Any] | None:
    """The host's certificate identity (its FQDN), or only the CA for a TLS client."""
    served = [_SERVERS[f] for f in host.roles if f in _SERVERS]
    return {
        "tlscert_identity": host.fqdn,
        # The host's service names beside its FQDN (the database alias the groupware verifies).
        "tlscert_alt_names": list(certificate_names(ctx.plan.tls, host)),
        "tlscert_server": bool(served),
        "tlscert_key_group": served[0] if served else "root",
        "tlscert_units": sorted({u for f in host.roles for u in _UNITS.get(f, ())}),
    }
