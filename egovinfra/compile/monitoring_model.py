"""The monitoring part of the Plan: scrape jobs, probes, alert thresholds, log hosts.

Plain frozen data, no behaviour beyond look-ups: `egovinfra.compile.monitoring` builds it,
the roles' providers translate it. Nothing here imports the Plan, so the Plan can hold it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Target:
    """One scrape or probe target: the host it is about, and the address Prometheus dials."""

    host: str  # inventory name, the `instance` label
    scope: str  # datacenter or site of the host
    address: str  # host:port (scrape) or what the prober dials (probe)
    tls_name: str = ""  # probes over TLS: the name the certificate must carry (the host's FQDN)


@dataclass(frozen=True, slots=True)
class ScrapeJob:
    """A Prometheus scrape job: one exporter on every host that offers it."""

    name: str
    targets: tuple[Target, ...]


@dataclass(frozen=True, slots=True)
class ProbeJob:
    """A blackbox exporter module and the service endpoints it probes."""

    module: str
    service: str
    targets: tuple[Target, ...]


@dataclass(frozen=True, slots=True)
class Waits:
    """Seconds a condition lasts before its alert fires."""

    tunnel_down: int
    standby: int
    service_down: int
    degraded: int


@dataclass(frozen=True)
class Monitoring:
    """Everything the monitoring and logging roles configure, resolved once."""

    servers: tuple[str, ...] = ()  # monitoring hosts (Prometheus, Alertmanager, blackbox exporter)
    log_servers: tuple[str, ...] = ()  # log hosts (rsyslog receiving over TLS)
    jobs: tuple[ScrapeJob, ...] = ()
    probes: tuple[ProbeJob, ...] = ()
    ports: tuple[tuple[str, int], ...] = ()  # named ports of the monitoring and log daemons
    # The blackbox exporter answers its own host's Prometheus only: on loopback, reached by no
    # flow, so no service of the topology names it (its Debian default port).
    blackbox_listen: str = "127.0.0.1:9115"
    # BIND's statistics channel, read by the BIND exporter beside it: loopback too (the port
    # the exporter's Debian default reads).
    bind_statistics_listen: tuple[str, int] = ("127.0.0.1", 8053)
    scrape_interval: int = 15
    retention_days: int = 30
    standby_lag_bytes: int = 64 << 20
    certificate_days: int = 30
    backup_max_age_hours: int = 26
    disk_used_percent: int = 85
    waits: Waits = Waits(120, 120, 120, 0)
    lab_waits: Waits = Waits(120, 120, 120, 0)
    log_retention_days: int = 90

    def port(self, name: str) -> int:
        """The port number of the named monitoring or log port."""
        return dict(self.ports)[name]

    def job(self, name: str) -> ScrapeJob:
        """The scrape job called `name` (KeyError when absent)."""
        for job in self.jobs:
            if job.name == name:
                return job
        raise KeyError(name)
