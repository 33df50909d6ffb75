"""Variables of the `mail` role: Postfix and Dovecot for every administration's mail domain.

One platform hosts every ministry's domain (virtual mailbox domains); Postfix hands mail to
Dovecot over LMTP, Dovecot authenticates against the directory of its own datacenter. Every
`mail` host is active: Dovecot's replicator keeps each mailbox in two-way sync with the other
datacenter's mail host (dsync over the `doveadm` port, the `mail-replication` service), so whichever
one the service name points at holds the mail.
"""

from __future__ import annotations

from typing import Any

from egovinfra.compile.plan import Host, Plan
from egovinfra.compile.policy.access import sources_reaching
from egovinfra.render.hostvars import RenderContext
from egovinfra.render.roles.nearby import host_entries
from egovinfra.render.roles.tlscert import TLS_DIR


def _relay_networks(plan: Plan, host: Host) -> list[str]:
    """Datacenter zones that may hand mail to port 25 for any destination (the groupware).

    Ministry sites also reach port 25, but only to deliver to the platform's own domains;
    they send through the authenticated submission port.
    """
    zones = {f"{z.datacenter}/{z.name}": z.cidr for dc in plan.datacenters for z in dc.zones}
    reaching = sources_reaching(plan, host, plan.endpoint("smtp").port)
    return [cidr for cidr in reaching if cidr in zones.values()]


def mail_vars(ctx: RenderContext, host: Host) -> dict[str, Any] | None:
    """A mail host: its domains, mailboxes, directory and replication peer."""
    plan = ctx.plan
    directory = plan.directory
    ldap = plan.server(host.name, "directory")
    replication = plan.replication("mail")
    peer_name = replication.peer_of(host.name)
    peer = plan.host(peer_name) if peer_name else None
    port = replication.endpoint.port.first
    service = plan.names.front("mail")
    return {
        "mail_hostname": host.fqdn,
        # Every mail host may be the one `mail.<domain>` points at: each carries its certificate.
        "mail_service_identity": service,
        "mail_service_tls_dir": f"{TLS_DIR}/{service}",
        "mail_listen_address": host.address,
        "mail_domains": [d.name for d in directory.domains],
        "mail_mailboxes": [{"address": p.mail, "uid": p.uid} for p in directory.people],
        "mail_relay_networks": _relay_networks(plan, host),
        "mail_ldap_uri": plan.uri("ldap", ldap),
        # Dovecot's `tls = yes`: StartTLS on the plain port before any bind.
        "mail_ldap_starttls": plan.transport("ldap").start == "starttls",
        "mail_ldap_people_dn": directory.people_dn,
        # doveadm over TLS (the peer's certificate checked against the intranet CA): the doveadm
        # secret authenticates inside it.
        "mail_replica": f"{plan.transport(replication.endpoint.name).scheme}:{peer.fqdn}:{port}" if peer else "",
        "mail_replication_tls": plan.transport(replication.endpoint.name).start == "implicit",
        "mail_replication_port": port,
        "mail_smtp_port": plan.port("smtp"),
        "mail_submission_port": plan.port("submission"),
        "mail_imap_port": plan.port("imap"),
        "mail_imaps_port": plan.port("imaps"),
        "mail_hosts": host_entries(*(h for h in (ldap, peer) if h is not None)),
    }
