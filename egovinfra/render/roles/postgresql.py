"""Variables of the `postgresql` role: a primary in the active datacenter, streaming standbys.

The primary is the `database` host of the active datacenter (the topology's primary unless
`egovinfra dr` moved the service); every `database` host of a
secondary datacenter streams from it through a physical replication slot of its own, over the
inter-datacenter tunnel. pg_hba follows the policy: every prefix a flow lets reach the `postgresql`
port may log in to databases with a password; replication is accepted only from the peer database
hosts, by the flows the compiled replication names (validate refuses a pair no flow lets through).
Every TCP rule is `hostssl`, and connections without TLS are rejected first: the server presents its
intranet certificate (tlscert role) and the standbys check it with the Plan's sslmode (verify-full),
naming the primary by its FQDN while connecting to its address.
"""

from __future__ import annotations

from typing import Any

from egovinfra.compile.plan import Host, Plan, Replication
from egovinfra.compile.policy.access import sources_reaching
from egovinfra.compile.restarts import restart_order
from egovinfra.render.hostvars import RenderContext
from egovinfra.render.roles.tlscert import TLS_DIR

REPLICATION_USER = "replicator"


def slot_name(host: Host) -> str:
    """The replication slot (and application_name) of a standby: its name, in identifier form."""
    return host.name.replace("-", "_").replace(".", "_")


def _hba(plan: Plan, host: Host, replication: Replication) -> list[dict[str, str]]:
    reaching = sources_reaching(plan, host, replication.endpoint.port)
    # First match wins: a connection without TLS meets these before any password rule.
    rules = [
        {
            "type": "hostnossl",
            "database": database,
            "user": "all",
            "address": "all",
            "method": "reject",
            "comment": "no password, no query without TLS",
        }
        for database in ("replication", "all")
    ]
    rules += [
        {
            "type": "hostssl",
            "database": "replication",
            "user": REPLICATION_USER,
            "address": f"{plan.host(link.client).address}/32",
            "method": "scram-sha-256",
            "comment": f"replication from {link.client} (flow {', '.join(link.flows)})",
        }
        for link in replication.links
        if link.server == host.name
    ]
    # `all` never matches replication connections: these rules open databases only.
    rules += [
        {
            "type": "hostssl",
            "database": "all",
            "user": "all",
            "address": cidr,
            "method": "scram-sha-256",
            "comment": f"flow {', '.join(names)}",
        }
        for cidr, names in reaching.items()
    ]
    return rules


def postgresql_vars(ctx: RenderContext, host: Host) -> dict[str, Any] | None:
    """A database host: its part in the replication pair, its configuration and pg_hba."""
    plan = ctx.plan
    replication = plan.replication("database")
    primary = plan.host(replication.primary)
    is_primary = host.name == primary.name
    # A fenced datacenter's standby is gone until failback: no slot retains WAL for it and no
    # commit waits for it.
    tls = plan.tls
    standbys = sorted(slot_name(plan.host(h)) for h in replication.replicas if plan.serving(plan.host(h)))
    synchronous = plan.replication_mode == "synchronous" and bool(standbys)
    return {
        "postgresql_version": "15",
        "postgresql_role": "primary" if is_primary else "standby",
        "postgresql_primary_host": primary.name,
        # Standbys ask for the primary by its FQDN (what verify-full checks, and the passfile's key)
        # at its address (no resolver needed).
        "postgresql_primary_fqdn": primary.fqdn,
        "postgresql_primary_conninfo": (
            f"host={primary.fqdn} hostaddr={primary.address} port={replication.endpoint.port.first}"
            f" user={REPLICATION_USER} sslmode={tls.sslmode} sslrootcert={TLS_DIR}/ca.pem"
        ),
        "postgresql_ssl_min_version": tls.min_version,
        "postgresql_ssl_cert_file": f"{TLS_DIR}/fullchain.pem",
        "postgresql_ssl_key_file": f"{TLS_DIR}/key.pem",
        "postgresql_listen_addresses": ["localhost", host.address],
        "postgresql_port": replication.endpoint.port.first,
        "postgresql_replication_user": REPLICATION_USER,
        "postgresql_application_name": slot_name(host),
        # Slots live on the primary, one per standby: WAL is kept until each has it.
        "postgresql_slots": standbys if is_primary else [],
        # ANY 1: a commit waits for one standby's flush (RPO 0), whichever answers first.
        "postgresql_synchronous_standby_names": (f"ANY 1 ({', '.join(standbys)})" if synchronous else ""),
        # With no standby streaming, a synchronous primary commits alone after this many seconds
        # (replication.on_standby_loss: degrade), or waits for one (wait).
        "postgresql_degrade_watch": is_primary and synchronous and plan.on_standby_loss == "degrade",
        "postgresql_degrade_after": plan.degrade_after,
        # A standby that never comes back must not fill the primary's disk with retained WAL.
        "postgresql_max_slot_wal_keep_size": "20GB" if ctx.env == "production" else "1GB",
        "postgresql_hba": _hba(plan, host, replication),
        # A restart waits for streaming before the other server restarts (compile.restarts).
        "postgresql_restart_wait_streaming": restart_order(plan, host.name).wait_for_streaming,
    }
