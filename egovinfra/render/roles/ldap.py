"""Variables of the `ldap` role: the directory of civil servants, provider and syncrepl consumers.

The `directory` host of the active datacenter is the provider (the only one written to);
every other `directory` host is a read-only consumer that follows it with syncrepl over LDAPS
(the `ldaps` port, carried by the `replication` service), authenticated by its PKI certificate (SASL EXTERNAL):
no replication password exists. Plain LDAP with StartTLS (the `ldap` port) serves the back ends; the
prefixes the flows let reach it may read the people's public attributes, nothing else.
"""

from __future__ import annotations

from typing import Any

from egovinfra.compile.plan import Host
from egovinfra.compile.policy.access import sources_reaching
from egovinfra.render.hostvars import RenderContext
from egovinfra.render.roles.nearby import acl_networks, host_entries, people


def replica_dn(host: Host) -> str:
    """The identity slapd gives a consumer that binds with its certificate (subject CN=fqdn)."""
    return f"cn={host.fqdn}"


def ldap_vars(ctx: RenderContext, host: Host) -> dict[str, Any] | None:
    """A directory host: its part in the replication, ACL networks and the people to hold."""
    plan = ctx.plan
    replication = plan.replication("directory")
    main = plan.host(replication.primary)
    is_provider = host.name == main.name
    readers = list(sources_reaching(plan, host, plan.endpoint("ldap").port))
    return {
        "ldap_role": "provider" if is_provider else "consumer",
        "ldap_suffix": plan.directory.suffix,
        "ldap_people_dn": plan.directory.people_dn,
        "ldap_organization": plan.name,
        "ldap_domain_component": plan.domain.split(".", 1)[0],
        "ldap_provider_uri": plan.uri(replication.endpoint.name, main),
        # What slapd listens on: StartTLS for the back ends, LDAPS for replication.
        "ldap_listeners": [
            f"{plan.transport(n).scheme}://:{plan.port(n)}/" for n in ("ldap", replication.endpoint.name)
        ],
        # Consumers read everything of the provider, passwords included (they answer binds).
        "ldap_replica_dns": [replica_dn(plan.host(h)) for h in replication.replicas] if is_provider else [],
        "ldap_read_networks": acl_networks(readers),
        "ldap_hosts": host_entries(main) if not is_provider else [],
        "ldap_people": people(plan) if is_provider else [],
        "ldap_disabled_dn": plan.directory.disabled_dn,
        "ldap_removal_grace_days": plan.directory.removal_grace_days,
    }
