"""The alerting drill: real faults, and the alerts an operator reads from Alertmanager.

Three faults at once, each on its own host: a site gateway's charon dies (and systemd does not
bring it back), the standby's PostgreSQL stops, one DNS server stops. The drill then reads the
Alertmanagers' API (/api/v2/alerts) from the bastion, as an operator would, until every
expected alert is there; then it repairs as an operator would (`systemctl start` the unit) and
reads again until they are gone. It measures; it decides nothing the platform should.
"""

from __future__ import annotations

import json
import shlex
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field

from egovinfra.compile.plan import Plan
from egovinfra.lab.access import LabAccess
from egovinfra.lab.errors import LabError
from egovinfra.lab.failover import SERVICE as POSTGRESQL
from egovinfra.poll import until

# A runtime drop-in: the killed charon stays dead (a crash systemd gave up on) until an operator
# starts the unit again; removed after the repair.
_NO_RESTART = "/run/systemd/system/strongswan.service.d/egovinfra-lab-fault.conf"
POLL_SECONDS = 2.0


@dataclass(frozen=True)
class Expected:
    """An alert the drill waits for: its name and the labels that identify it."""

    alertname: str
    labels: tuple[tuple[str, str], ...]

    def matches(self, alert: dict[str, str]) -> bool:
        """True when an Alertmanager alert's labels are this one's."""
        return alert.get("alertname") == self.alertname and all(alert.get(k) == v for k, v in self.labels)

    def show(self) -> str:
        """`Name{k=v,...}` for the report."""
        return f"{self.alertname}{{{','.join(f'{k}={v}' for k, v in self.labels)}}}"


@dataclass(frozen=True)
class Fault:
    """A fault on one host: how to cause it, how an operator repairs it, what must alert."""

    name: str
    host: str
    inject: str  # shell command on `host`
    repair: str  # the operator's command on `host`
    cleanup: str  # what the drill undoes after the repair (its own fault injection)
    expected: tuple[Expected, ...]


@dataclass
class AlertTiming:
    """One expected alert: seconds from the fault to firing, and from the repair to cleared."""

    fault: str
    alert: str
    fired_after: float | None = None
    cleared_after: float | None = None


@dataclass
class AlertsReport:
    """What the drill measured."""

    timings: list[AlertTiming] = field(default_factory=list)
    already_firing: list[str] = field(default_factory=list)  # before any fault
    alertmanagers: list[str] = field(default_factory=list)
    limit: float = 180.0

    def as_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return asdict(self)

    @property
    def passed(self) -> bool:
        """Every alert fired within the limit and cleared after the repair."""
        return all(
            t.fired_after is not None and t.fired_after <= self.limit and t.cleared_after is not None
            for t in self.timings
        )


def _expected(name: str, **labels: str) -> Expected:
    return Expected(name, tuple(sorted(labels.items())))


def faults(plan: Plan) -> tuple[Fault, ...]:
    """The three faults on this Plan's hosts: the first converged site, the standby, a DNS server."""
    site = next(s for s in plan.sites if s.edge == "linux")
    tunnels = [c for c in plan.vpn.connections(site.gateway) if c.platform == "strongswan"]
    hub_of = {dc.name: dc.hub for dc in plan.datacenters}
    database = plan.replication("database")
    primary, standby = database.primary, database.replicas[0]
    standby_dc = plan.host(standby).scope
    dns = next(h.name for h in plan.hosts if "dns" in h.roles and h.scope == standby_dc)
    degrades = plan.replication_mode == "synchronous" and plan.on_standby_loss == "degrade"
    degraded = (_expected("PostgresDegraded", instance=primary),) if degrades else ()
    ipsec = tuple(
        _expected("IpsecTunnelDown", instance=hub_of[_peer_scope(plan, c.name, site.gateway)], connection=c.name)
        for c in tunnels
    )
    return (
        Fault(
            f"charon killed on {site.gateway}",
            site.gateway,
            f"mkdir -p {shlex.quote(_NO_RESTART.rsplit('/', 1)[0])}"
            f" && printf '[Service]\\nRestart=no\\n' > {_NO_RESTART}"
            " && systemctl daemon-reload && systemctl kill --signal=SIGKILL strongswan.service",
            "systemctl start strongswan.service",
            f"rm -f {_NO_RESTART} && systemctl daemon-reload",
            ipsec,
        ),
        Fault(
            f"PostgreSQL stopped on the standby {standby}",
            standby,
            f"systemctl stop {POSTGRESQL}",
            f"systemctl start {POSTGRESQL}",
            "true",
            (
                _expected("PostgresStandbyNotStreaming", instance=primary),
                _expected("PostgresDown", instance=standby),
                # The primary commits alone after `degrade_after` seconds: it must say so.
                *degraded,
            ),
        ),
        Fault(
            f"named stopped on {dns}",
            dns,
            "systemctl stop named.service",
            "systemctl start named.service",
            "true",
            (_expected("DnsServerDown", instance=dns), _expected("ServiceProbeFailed", instance=dns)),
        ),
    )


def _peer_scope(plan: Plan, tunnel: str, gateway: str) -> str:
    """The datacenter at the other end of the gateway's tunnel."""
    found = plan.vpn.tunnel(tunnel)
    other = next(end.host for end in found.ends if end.host != gateway)
    return plan.host(other).scope


def read_alerts(access: LabAccess, reader: str, alertmanagers: Iterable[str]) -> list[dict[str, str]]:
    """The labels of every active alert of every Alertmanager, read with curl on `reader`."""
    urls = " ".join(shlex.quote(f"http://{a}/api/v2/alerts?active=true&silenced=false") for a in alertmanagers)
    done = access.ssh(reader, f"for u in {urls}; do curl -fsS --max-time 5 \"$u\" || echo '[]'; echo; done")
    labels: list[dict[str, str]] = []
    for line in done.stdout.splitlines():
        if line.strip():
            try:
                labels.extend(alert.get("labels", {}) for alert in json.loads(line))
            except json.JSONDecodeError:
                continue
    return labels


def run(
    access: LabAccess,
    plan: Plan,
    *,
    limit: float = 180.0,
    give_up: float = 420.0,
    say: Callable[[str], None] = print,
) -> AlertsReport:
    """Inject every fault, time each expected alert's firing, repair, time its clearing."""
    mon = plan.monitoring
    if not mon.servers:
        raise LabError("this topology has no monitoring host")
    alertmanagers = [f"{plan.host(h).address}:{mon.port('alertmanager')}" for h in mon.servers]
    reader = next(h.name for h in plan.hosts if "bastion" in h.roles and h.scope == plan.active.name)
    chosen = faults(plan)
    report = AlertsReport(alertmanagers=alertmanagers, limit=limit)
    before = read_alerts(access, reader, alertmanagers)
    report.already_firing = sorted({f"{a.get('alertname')}{{instance={a.get('instance', '')}}}" for a in before})
    for fault in chosen:
        if any(e.matches(a) for e in fault.expected for a in before):
            raise LabError(f"{fault.name}: its alert is already firing before the fault; repair the lab first")
    say(f"reading {', '.join(alertmanagers)} from {reader}; injecting {len(chosen)} faults")
    timings = {(f.name, e): AlertTiming(f.name, e.show()) for f in chosen for e in f.expected}
    report.timings = list(timings.values())
    start = time.monotonic()
    try:
        for fault in chosen:
            access.must(fault.host, fault.inject)
        _wait(access, reader, alertmanagers, timings, start, give_up, firing=True, say=say)
    finally:
        repaired = time.monotonic()
        for fault in chosen:
            access.ssh(fault.host, fault.repair)
            access.ssh(fault.host, fault.cleanup)
    _wait(access, reader, alertmanagers, timings, repaired, give_up, firing=False, say=say)
    return report


def _wait(
    access: LabAccess,
    reader: str,
    alertmanagers: list[str],
    timings: dict[tuple[str, Expected], AlertTiming],
    since: float,
    give_up: float,
    *,
    firing: bool,
    say: Callable[[str], None],
) -> None:
    """Read the alerts until every expected one fired (or, after the repair, cleared); record
    when each did, counted from `since`."""

    def settled() -> bool:
        active = read_alerts(access, reader, alertmanagers)
        elapsed = round(time.monotonic() - since, 1)
        for (_, expected), timing in timings.items():
            present = any(expected.matches(a) for a in active)
            if firing and present and timing.fired_after is None:
                timing.fired_after = elapsed
                say(f"  {elapsed:6.1f} s  firing  {timing.alert}")
            if not firing and not present and timing.fired_after is not None and timing.cleared_after is None:
                timing.cleared_after = elapsed
                say(f"  {elapsed:6.1f} s  cleared {timing.alert}")
        done = [t.fired_after if firing else t.cleared_after for t in timings.values()]
        if firing:
            return all(d is not None for d in done)
        return all(d is not None for t, d in zip(timings.values(), done, strict=True) if t.fired_after)

    until(settled, give_up, step=POLL_SECONDS, since=since)
