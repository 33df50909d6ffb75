"""Variables of the monitoring roles: the exporters on every host, Prometheus and Alertmanager.

Every value comes from the Plan's `monitoring` (compile.monitoring): targets, ports,
thresholds. The lab takes the topology's `lab_waits` (faults injected on purpose), production
its `waits`; nothing else differs.
"""

from __future__ import annotations

from typing import Any

from egovinfra.compile.monitoring_model import Target
from egovinfra.compile.plan import Host
from egovinfra.render.hostvars import RenderContext

# The textfile collector's folder: Debian's default, where every role writes its metrics.
TEXTFILE_DIR = "/var/lib/prometheus/node-exporter"
# The intranet CA bundle the tlscert role installs.
TLS_CA = "/etc/egovinfra/tls/ca.pem"


def _listen(ctx: RenderContext, host: Host, port_name: str) -> str:
    return f"{host.address}:{ctx.plan.monitoring.port(port_name)}"


def node_exporter_vars(ctx: RenderContext, host: Host) -> dict[str, Any] | None:
    """The node exporter on the host's service address, and the tunnels whose SAs it reports."""
    connections = [c.name for c in ctx.plan.vpn.connections(host.name) if c.platform == "strongswan"]
    return {
        "node_exporter_listen": _listen(ctx, host, "node-exporter"),
        "node_exporter_ipsec_connections": connections,
        "node_exporter_interval": ctx.plan.monitoring.scrape_interval,
        "node_exporter_textfile_dir": TEXTFILE_DIR,
        # The IPsec certificates (pki role) and the TLS ones (tlscert role), CAs included.
        "node_exporter_certificates": [
            "/etc/swanctl/x509/*.pem",
            "/etc/swanctl/x509ca/*.pem",
            "/etc/egovinfra/tls/cert.pem",
            TLS_CA,
        ],
    }


def postgres_exporter_vars(ctx: RenderContext, host: Host) -> dict[str, Any] | None:
    """The PostgreSQL exporter of a database host."""
    return {"postgres_exporter_listen": _listen(ctx, host, "postgres-exporter")}


def bind_exporter_vars(ctx: RenderContext, host: Host) -> dict[str, Any] | None:
    """The BIND exporter of a DNS host."""
    address, port = ctx.plan.monitoring.bind_statistics_listen
    return {
        "bind_exporter_listen": _listen(ctx, host, "bind-exporter"),
        "bind_exporter_stats_url": f"http://{address}:{port}/",
    }


def _targets(targets: tuple[Target, ...]) -> list[dict[str, str]]:
    return [{"instance": t.host, "scope": t.scope, "address": t.address, "tls_name": t.tls_name} for t in targets]


def monitoring_vars(ctx: RenderContext, host: Host) -> dict[str, Any] | None:
    """Prometheus, Alertmanager (one cluster across the datacenters) and the blackbox exporter."""
    plan = ctx.plan
    mon = plan.monitoring
    waits = mon.lab_waits if ctx.env == "lab" else mon.waits
    peers = [plan.host(name) for name in mon.servers]
    return {
        "monitoring_datacenter": host.scope,
        "monitoring_blackbox_listen": mon.blackbox_listen,
        "monitoring_ca_file": TLS_CA,
        "monitoring_domain": plan.domain,
        "monitoring_address": host.address,
        "monitoring_prometheus_port": mon.port("prometheus"),
        "monitoring_alertmanager_port": mon.port("alertmanager"),
        "monitoring_cluster_port": mon.port("alertmanager-cluster"),
        # Both Prometheus send to both Alertmanagers; the pair deduplicates by gossip.
        "monitoring_alertmanagers": [f"{p.address}:{mon.port('alertmanager')}" for p in peers],
        "monitoring_cluster_peers": [
            f"{p.address}:{mon.port('alertmanager-cluster')}" for p in peers if p.name != host.name
        ],
        "monitoring_scrape_interval": f"{mon.scrape_interval}s",
        "monitoring_retention": f"{mon.retention_days}d",
        "monitoring_jobs": [{"name": j.name, "targets": _targets(j.targets)} for j in mon.jobs],
        "monitoring_probes": [
            {"module": p.module, "service": p.service, "targets": _targets(p.targets)} for p in mon.probes if p.targets
        ],
        # Each backup the Plan expects: one that never reported a success has no age to alert on.
        "monitoring_backups": [
            {"kind": job.kind, "datacenter": job.datacenter}
            for job in sorted(plan.backups.jobs, key=lambda j: (j.kind, j.datacenter))
        ],
        "monitoring_rules": {
            "tunnel_down_for": f"{waits.tunnel_down}s",
            "standby_for": f"{waits.standby}s",
            "service_down_for": f"{waits.service_down}s",
            "degraded_for": f"{waits.degraded}s",
            "standby_lag_bytes": mon.standby_lag_bytes,
            "certificate_seconds": mon.certificate_days * 86400,
            "backup_max_age_seconds": mon.backup_max_age_hours * 3600,
            "disk_used_ratio": mon.disk_used_percent / 100,
            # Files rewritten every scrape interval are stale after four missed runs.
            "stale_seconds": 4 * mon.scrape_interval,
        },
    }


def logging_vars(ctx: RenderContext, host: Host) -> dict[str, Any] | None:
    """Where the host ships its journal: the log host of every datacenter, over TLS."""
    plan = ctx.plan
    mon = plan.monitoring
    return {
        "logging_ca_file": "/etc/egovinfra/logging/ca.pem",
        # Disk kept per log host for messages it has not taken yet.
        "logging_queue_max": "256m",
        "logging_servers": [
            {"name": h.name, "fqdn": h.fqdn, "address": h.address, "port": plan.port("syslog-tls")}
            for h in (plan.host(name) for name in mon.log_servers)
            if h.name != host.name
        ],
    }


def logstore_vars(ctx: RenderContext, host: Host) -> dict[str, Any] | None:
    """A log host: the port it receives on, who may send, how long it keeps."""
    plan = ctx.plan
    return {
        "logstore_address": host.address,
        "logstore_port": plan.port("syslog-tls"),
        "logstore_retention_days": plan.monitoring.log_retention_days,
    }
