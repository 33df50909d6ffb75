"""Monitoring and central logs: what each Prometheus scrapes and probes, where logs go, when to alert.

Every monitoring host scrapes every host of every datacenter and every converged site gateway,
so that either datacenter alone still sees the whole platform and alerts. Targets are the hosts
that offer the exporters' services (the topology's `services`, reached by its `flows`): a
host the flows do not open to the monitoring zone is not a target, so the scrape list and the
firewall cannot disagree. Probes reach the services the ministries use (HTTPS, mail, DNS) the
way the ministries do, by address and named port.
"""

from __future__ import annotations

from egovinfra.compile.monitoring_model import Monitoring, ProbeJob, ScrapeJob, Target, Waits
from egovinfra.compile.plan import Host, Plan
from egovinfra.model.problems import ProblemList
from egovinfra.model.schema import AlertWaits, Topology

# Scrape job → the named port of its exporter (the topology's services name them).
EXPORTERS: dict[str, str] = {
    "node": "node-exporter",
    "postgresql": "postgres-exporter",
    "bind": "bind-exporter",
    "prometheus": "prometheus",
    "alertmanager": "alertmanager",
}
# Probe module (blackbox exporter) → the named port it probes. The module's behaviour (what
# it sends and expects) lives in the role's blackbox.yml; which targets get it is decided here.
PROBES: dict[str, str] = {
    "https": "https",
    "imaps": "imaps",
    "smtp": "smtp",
    "submission": "submission",
    "dns": "dns",
}
# Probes over TLS: the prober dials the address and checks the certificate against the
# host's name, as a client that resolved it would (no resolver is needed on the monitoring host).
TLS_PROBES = frozenset({"https", "imaps"})
# Ports the monitoring and log hosts' own daemons listen on.
OWN_PORTS = ("alertmanager-cluster", "syslog-tls")


def _waits(waits: AlertWaits) -> Waits:
    return Waits(waits.tunnel_down, waits.standby, waits.service_down, waits.degraded)


def _with(plan: Plan, role: str) -> tuple[str, ...]:
    return tuple(h.name for h in plan.hosts if h.kind == "datacenter" and h.managed and role in h.roles)


def _offering(plan: Plan, port_name: str) -> tuple[Host, ...]:
    """Hosts that offer the service naming `port_name`, in Plan order."""
    names = {h for s in plan.services for e in s.endpoints if e.name == port_name for h in s.hosts}
    return tuple(h for h in plan.hosts if h.name in names and h.managed)


def compile_monitoring(topo: Topology, plan: Plan, problems: ProblemList) -> Monitoring:
    """Scrape jobs, probes, alert thresholds and log hosts; problems when a needed port is unnamed."""
    servers = _with(plan, "monitoring")
    log_servers = _with(plan, "logs")
    named = {e.name: e.port.first for e in plan.endpoints}
    needed = [*EXPORTERS.values(), *OWN_PORTS] if servers else []
    needed += ["syslog-tls"] if log_servers else []
    for name in dict.fromkeys(needed):
        if name not in named:
            problems.add(
                ("services",),
                f"monitoring and logs need a port named '{name}', which no service names",
                f"name it in a service, e.g. ports: {{{name}: tcp/...}}",
            )
    if not servers or any(n not in named for n in needed):
        return Monitoring(log_servers=log_servers, log_retention_days=topo.logs.retention_days)
    jobs = tuple(
        ScrapeJob(job, tuple(Target(h.name, h.scope, f"{h.address}:{named[port]}") for h in _offering(plan, port)))
        for job, port in EXPORTERS.items()
    )
    probes = tuple(
        ProbeJob(
            module,
            next(s.name for s in plan.services for e in s.endpoints if e.name == port),
            tuple(
                Target(h.name, h.scope, _probe_address(h, module, named[port]), h.fqdn if module in TLS_PROBES else "")
                for h in _offering(plan, port)
            ),
        )
        for module, port in PROBES.items()
        if port in named
    )
    settings = topo.monitoring
    return Monitoring(
        servers=servers,
        log_servers=log_servers,
        jobs=jobs,
        probes=probes,
        ports=tuple((n, named[n]) for n in (*EXPORTERS.values(), *OWN_PORTS) if n in named),
        scrape_interval=settings.scrape_interval,
        retention_days=settings.retention_days,
        standby_lag_bytes=settings.standby_lag_bytes,
        certificate_days=settings.certificate_days,
        backup_max_age_hours=settings.backup_max_age_hours,
        disk_used_percent=settings.disk_used_percent,
        waits=_waits(settings.waits),
        lab_waits=_waits(settings.lab_waits or settings.waits),
        log_retention_days=topo.logs.retention_days,
    )


def _probe_address(host: Host, module: str, port: int) -> str:
    return f"https://{host.address}:{port}/" if module == "https" else f"{host.address}:{port}"
