"""Variables of the `groupware` role: SOGo (webmail, calendar, contacts) on the `groupware_app` hosts.

SOGo keeps its state (profiles, calendars, contacts, sessions) in PostgreSQL, in the `sogo`
database of the primary datacenter's server, which streams it to the secondary's standby. It
authenticates against the directory and reads and sends mail through the mail host of its own
datacenter. The primary datacenter's SOGo is active; the secondary's is installed, configured
for its own datacenter and stopped, since its database is a read-only standby until promoted:
the failover starts it (egovinfra.verify.groupware).
"""

from __future__ import annotations

from typing import Any

from egovinfra.compile.plan import Host
from egovinfra.render.hostvars import RenderContext, provider
from egovinfra.render.roles.nearby import host_entries, nearest
from egovinfra.render.roles.peers import function_peers

PORT = 20000  # the `groupware-backend` service, reached by the front ends
DATABASE = "sogo"
DATABASE_USER = "sogo"


@provider("groupware")
def groupware_vars(ctx: RenderContext, host: Host) -> dict[str, Any] | None:
    """A groupware host: where its database, directory and mail are, and whether it runs."""
    plan = ctx.plan
    databases = function_peers(plan, "database")
    db = nearest(plan, host, "database")
    ldap = nearest(plan, host, "directory")
    mail = nearest(plan, host, "mail")
    return {
        "groupware_active": host.scope == plan.active.name,
        "groupware_listen": f"{host.address}:{PORT}",
        "groupware_db_host": db.address,
        "groupware_db_primary_host": databases.primary.name,
        "groupware_db_addresses": sorted(h.address for h in (databases.primary, *databases.replicas)),
        "groupware_db_name": DATABASE,
        "groupware_db_user": DATABASE_USER,
        "groupware_ldap_uri": f"ldap://{ldap.fqdn}:389/????!StartTLS",
        "groupware_people_dn": plan.directory.people_dn,
        "groupware_imap_server": f"imap://{mail.fqdn}:143/?tls=YES",
        "groupware_smtp_server": f"smtp://{mail.fqdn}:25",
        "groupware_mail_domain": plan.domain,
        "groupware_hosts": host_entries(ldap, mail),
        # Lab hosts share two cores: fewer workers.
        "groupware_workers": 4 if ctx.env == "production" else 2,
    }
