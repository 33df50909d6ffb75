"""Variables of the `mail` role: Postfix and Dovecot for every administration's mail domain.

One platform hosts every ministry's domain (virtual mailbox domains); Postfix hands mail to
Dovecot over LMTP, Dovecot authenticates against the directory of its own datacenter. Every
`mail` host is active: Dovecot's replicator keeps each mailbox in two-way sync with the other
datacenter's mail host (dsync over tcp/12345, the `mail-replication` service), so whichever
one the service name points at holds the mail.
"""

from __future__ import annotations

from typing import Any

from egovinfra.compile.plan import Host, Plan
from egovinfra.render.hostvars import RenderContext, provider
from egovinfra.render.roles.nearby import host_entries, nearest
from egovinfra.render.roles.peers import allowed, sources_reaching
from egovinfra.render.tree import RenderError

REPLICATION_PORT = 12345
SMTP_PORT = 25


def _replica(plan: Plan, host: Host) -> Host | None:
    """The mail host this one keeps in sync with: the primary's, or for the primary the first other."""
    others = sorted(
        (h for h in plan.hosts if "mail" in h.roles and h.kind == "datacenter" and h.managed and h.name != host.name),
        key=lambda h: (h.scope != plan.active.name, h.name),
    )
    if not others:
        return None
    peer = others[0]
    if not allowed(list(sources_reaching(plan, peer, "tcp", REPLICATION_PORT)), host.address):
        raise RenderError(
            f"mail: no flow lets {host.name} ({host.address}) reach tcp/{REPLICATION_PORT} on "
            f"{peer.name}: mailbox replication between them could not work"
        )
    return peer


def _relay_networks(plan: Plan, host: Host) -> list[str]:
    """Datacenter zones that may hand mail to port 25 for any destination (the groupware).

    Ministry sites also reach port 25, but only to deliver to the platform's own domains;
    they send through the authenticated submission port.
    """
    zones = {f"{z.datacenter}/{z.name}": z.cidr for dc in plan.datacenters for z in dc.zones}
    reaching = sources_reaching(plan, host, "tcp", SMTP_PORT)
    return [cidr for cidr in reaching if cidr in zones.values()]


@provider("mail")
def mail_vars(ctx: RenderContext, host: Host) -> dict[str, Any] | None:
    """A mail host: its domains, mailboxes, directory and replication peer."""
    plan = ctx.plan
    directory = plan.directory
    ldap = nearest(plan, host, "directory")
    peer = _replica(plan, host)
    return {
        "mail_hostname": host.fqdn,
        "mail_listen_address": host.address,
        "mail_domains": [d.name for d in directory.domains],
        "mail_mailboxes": [{"address": p.mail, "uid": p.uid} for p in directory.people],
        "mail_relay_networks": _relay_networks(plan, host),
        "mail_ldap_uri": f"ldap://{ldap.fqdn}",
        "mail_ldap_people_dn": directory.people_dn,
        "mail_replica": f"tcp:{peer.fqdn}:{REPLICATION_PORT}" if peer else "",
        "mail_replication_port": REPLICATION_PORT,
        "mail_hosts": host_entries(*(h for h in (ldap, peer) if h is not None)),
    }
