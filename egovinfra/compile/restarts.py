"""How a converge restarts a replicated daemon: one datacenter at a time.

Both hubs' charon, both PostgreSQL servers or both slapd restarting in the same task would cut
every ministry's tunnels, the writes or the logins at the same moment. The roles restart such a
daemon one host at a time (`throttle: 1`), and a restarted host waits until it is part of its
replication again before the next one goes: a hub brings its datacenter link back up, a
database server waits for streaming to resume. The wait is only asked for while the peer is in
service: in a fenced datacenter there is nobody to wait for (a converge during a failover must
finish in minutes).
"""

from __future__ import annotations

from dataclasses import dataclass

from egovinfra.compile.plan import Plan


@dataclass(frozen=True)
class RestartOrder:
    """What a converge waits for after restarting `host`'s replicated daemons."""

    host: str
    # (connection, child) the restarted hub initiates again before the other hub restarts.
    tunnels_to_bring_up: tuple[tuple[str, str], ...]
    # PostgreSQL: wait until streaming runs again (a standby in service on the other side).
    wait_for_streaming: bool


def restart_order(plan: Plan, host: str) -> RestartOrder:
    """The restart order of `host` (empty waits for a host that replicates nothing)."""
    tunnels: list[tuple[str, str]] = []
    for tunnel in plan.vpn.tunnels:
        if tunnel.kind != "datacenter":
            continue
        for end, other in ((tunnel.initiator, tunnel.responder), (tunnel.responder, tunnel.initiator)):
            if end.host == host and end.platform == "strongswan" and plan.serving(plan.host(other.host)):
                tunnels.append((end.name, end.children[0].name))
    streaming = False
    if any(r.function == "database" for r in plan.replications):
        replication = plan.replication("database")
        members = (replication.primary, *replication.replicas)
        if host in members:
            streaming = any(plan.serving(plan.host(m)) for m in members if m != host)
    return RestartOrder(host, tuple(tunnels), streaming)
