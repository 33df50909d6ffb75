"""Variables of the `groupware` role: SOGo (webmail, calendar, contacts) on the `groupware_app` hosts.

SOGo keeps its state (profiles, calendars, contacts, sessions) in PostgreSQL, in the `sogo`
database of the active datacenter's server, which streams it to the secondary's standby. It
authenticates against the directory and reads and sends mail through the mail host of its own
datacenter. The active datacenter's SOGo runs (the operational state); the other's is installed, configured
for its own datacenter and stopped, since its database is a read-only standby until promoted:
the failover starts it (egovinfra.verify.groupware).
"""

from __future__ import annotations

from typing import Any

from egovinfra.compile.plan import Host, Plan
from egovinfra.render.hostvars import RenderContext
from egovinfra.render.roles.nearby import host_entries
from egovinfra.render.roles.tlscert import TLS_DIR


def ldap_url(plan: Plan, server: Host) -> str:
    """SOGo's URL of a directory server: the `ldap` port, with SOGo's StartTLS mark when it needs one."""
    starttls = "/????!StartTLS" if plan.transport("ldap").start == "starttls" else ""
    return plan.uri("ldap", server) + starttls


DATABASE = "sogo"
DATABASE_USER = "sogo"


def groupware_vars(ctx: RenderContext, host: Host) -> dict[str, Any] | None:
    """A groupware host: where its database, directory and mail are, and whether it runs."""
    plan = ctx.plan
    databases = plan.replication("database")
    db = plan.server(host.name, "database")
    ldap = plan.server(host.name, "directory")
    mail = plan.server(host.name, "mail")
    return {
        "groupware_active": host.scope == plan.active.name,
        "groupware_timezone": plan.timezone,
        # sogod on the loopback, nginx with the host's certificate on the `groupware` port.
        "groupware_listen": f"127.0.0.1:{plan.port('groupware')}",
        "groupware_front_listen": f"{host.address}:{plan.port('groupware')}",
        "groupware_front_name": host.fqdn,
        "groupware_tls_dir": TLS_DIR,
        # How SOGo names its database: an /etc/hosts name on each groupware host, for its own
        # datacenter's server. SOGo writes it into every folder it creates
        # (sogo_folder_info.c_location, replicated with the rest); an address there would send the
        # secondary's SOGo to the lost primary after a failover, a name resolves locally. Every
        # database certificate carries it, so that libpq's verify-full holds in both datacenters.
        "groupware_db_host": plan.tls.database_alias,
        "groupware_db_sslmode": plan.tls.sslmode,
        "groupware_db_sslrootcert": f"{TLS_DIR}/ca.pem",
        "groupware_db_port": plan.port("postgresql"),
        "groupware_db_primary_host": databases.primary,
        "groupware_db_addresses": sorted(plan.host(h).address for h in databases.members),
        "groupware_db_name": DATABASE,
        "groupware_db_user": DATABASE_USER,
        "groupware_ldap_uri": ldap_url(plan, ldap),
        "groupware_people_dn": plan.directory.people_dn,
        "groupware_imap_server": f"imap://{mail.fqdn}:{plan.port('imap')}/?tls=YES",
        "groupware_smtp_server": f"smtp://{mail.fqdn}:{plan.port('smtp')}",
        "groupware_mail_domain": plan.domain,
        "groupware_hosts": [*host_entries(ldap, mail), {"fqdn": plan.tls.database_alias, "address": db.address}],
        # Lab hosts share two cores: fewer workers.
        "groupware_workers": 4 if ctx.env == "production" else 2,
    }
