"""TLS between the platform's own hosts: how each client reaches a server's named port.

Every connection inside and between the datacenters carries TLS: a plain LDAP port is used
only with StartTLS, PostgreSQL only with `hostssl` and libpq's verify-full. The scheme of each
named port is data here, once; renderers build URLs from it and never choose a scheme.
"""

from __future__ import annotations

from egovinfra.compile.plan import Endpoint, Host
from egovinfra.compile.tls_model import Tls, TlsStart, Transport

# The named ports the platform's own clients use, by scheme and how TLS starts on them.
_SCHEMES: dict[str, tuple[str, TlsStart]] = {
    "ldap": ("ldap", "starttls"),
    "ldaps": ("ldaps", "implicit"),
    "postgresql": ("postgresql", "starttls"),
    # Dovecot's replication (doveadm): `tcps:` in mail_replica is doveadm over TLS.
    "doveadm": ("tcps", "implicit"),
}
# The groupware's name for its datacenter's database: a label under the intranet domain, so that
# the CA's name constraints let the database certificates carry it.
DATABASE_ALIAS_LABEL = "groupware-db"


def compile_tls(domain: str, endpoints: tuple[Endpoint, ...]) -> Tls:
    """The transports of the named ports this deployment has, and the database alias."""
    names = {e.name for e in endpoints}
    transports = tuple(
        Transport(port=name, scheme=scheme, start=start)
        for name, (scheme, start) in sorted(_SCHEMES.items())
        if name in names
    )
    return Tls(transports=transports, database_alias=f"{DATABASE_ALIAS_LABEL}.{domain}")


def certificate_names(tls: Tls, host: Host) -> tuple[str, ...]:
    """The DNS names beside its FQDN that a host's TLS certificate carries."""
    return (tls.database_alias,) if "database" in host.roles and tls.database_alias else ()
