"""Variables of the `ldap` role: the directory of civil servants, provider and syncrepl consumers.

The `directory` host of the active datacenter is the provider (the only one written to);
every other `directory` host is a read-only consumer that follows it with syncrepl over LDAPS
(tcp/636, the `replication` service), authenticated by its PKI certificate (SASL EXTERNAL):
no replication password exists. Plain LDAP with StartTLS (tcp/389) serves the back ends; the
prefixes the flows let reach it may read the people's public attributes, nothing else.
"""

from __future__ import annotations

from typing import Any

from egovinfra.compile.plan import Host, Plan
from egovinfra.render.hostvars import RenderContext, provider
from egovinfra.render.roles.nearby import acl_networks, host_entries, people
from egovinfra.render.roles.peers import allowed, function_peers, sources_reaching
from egovinfra.render.tree import RenderError

LDAPS_PORT = 636
LDAP_PORT = 389


def replica_dn(host: Host) -> str:
    """The identity slapd gives a consumer that binds with its certificate (subject CN=fqdn)."""
    return f"cn={host.fqdn}"


def _check_replication_flow(plan: Plan, provider_host: Host, consumer: Host) -> None:
    reaching = sources_reaching(plan, provider_host, "tcp", LDAPS_PORT)
    if not allowed(list(reaching), consumer.address):
        raise RenderError(
            f"ldap: no flow lets {consumer.name} ({consumer.address}) reach tcp/{LDAPS_PORT} on "
            f"{provider_host.name}: syncrepl between them could not work"
        )


@provider("ldap")
def ldap_vars(ctx: RenderContext, host: Host) -> dict[str, Any] | None:
    """A directory host: its part in the replication, ACL networks and the people to hold."""
    plan = ctx.plan
    peers = function_peers(plan, "directory")
    main = peers.primary
    is_provider = host.name == main.name
    if not is_provider:
        _check_replication_flow(plan, main, host)
    readers = list(sources_reaching(plan, host, "tcp", LDAP_PORT))
    return {
        "ldap_role": "provider" if is_provider else "consumer",
        "ldap_suffix": plan.directory.suffix,
        "ldap_people_dn": plan.directory.people_dn,
        "ldap_organization": plan.name,
        "ldap_domain_component": plan.domain.split(".", 1)[0],
        "ldap_provider_uri": f"ldaps://{main.fqdn}:{LDAPS_PORT}",
        # Consumers read everything of the provider, passwords included (they answer binds).
        "ldap_replica_dns": [replica_dn(h) for h in peers.replicas] if is_provider else [],
        "ldap_read_networks": acl_networks(readers),
        "ldap_hosts": host_entries(main) if not is_provider else [],
        "ldap_people": people(plan) if is_provider else [],
    }
