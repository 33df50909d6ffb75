"""How the failover drill's client finds the database: a stub resolver, run on the client host.

The writer (see `failover.py`) imports this file next to it, with Debian's python3 and
python3-dnspython from the lab image. It asks the intranet's DNS servers in the order clients
list them, 1 s each, with no cache, so the drill measures what a client sees after a failover.
"""

from __future__ import annotations

from collections.abc import Sequence

import dns.exception
import dns.message
import dns.query
import dns.rdatatype

TIMEOUT = 1.0


def resolve(name: str, servers: Sequence[str], port: int = 53) -> str | None:
    """The first IPv4 address of ``name`` from the first server that gives one, or None.

    A server that does not answer within TIMEOUT, answers garbage or has no A record is skipped.
    """
    query = dns.message.make_query(name, dns.rdatatype.A)
    for server in servers:
        try:
            answer = dns.query.udp(query, server, timeout=TIMEOUT, port=port)
        except (dns.exception.DNSException, OSError):
            continue
        for rrset in answer.answer:
            if rrset.rdtype == dns.rdatatype.A:
                return str(next(iter(rrset)).address)
    return None
