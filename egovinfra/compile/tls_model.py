"""TLS between the platform's own hosts, as the Plan holds it (built by `egovinfra.compile.tls`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# How a client protects a session: TLS from the first byte, or a clear greeting that must switch
# to TLS before anything else is sent (StartTLS; libpq's SSLRequest is the same idea).
TlsStart = Literal["implicit", "starttls"]


@dataclass(frozen=True, slots=True)
class Transport:
    """How the platform's clients reach one named port: URL scheme and how TLS starts."""

    port: str  # the named port of the topology's services (ldap, ldaps, postgresql)
    scheme: str  # the URL scheme clients write (ldap, ldaps, postgresql)
    start: TlsStart


@dataclass(frozen=True, slots=True)
class Tls:
    """TLS inside the datacenters: every client checks the server's chain and name."""

    transports: tuple[Transport, ...] = ()
    # libpq's check: encrypted, chained to the intranet CA, and the name asked for is in the
    # certificate (replication and the groupware alike).
    sslmode: str = "verify-full"
    min_version: str = "TLSv1.2"
    # The name groupware hosts give their own datacenter's database server (an /etc/hosts entry
    # on each), also carried by every database server's certificate so that verify-full holds.
    database_alias: str = ""
