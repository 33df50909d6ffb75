"""The test traffic: listeners on the targets, probes from every source, a WAN capture around it.

Everything runs in one batch per lab (each source probes all its rows at once, every source in
parallel) so a denied row costs one timeout, not one per row.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from egovinfra.compile.plan import Plan
from egovinfra.verify.context import LabContext
from egovinfra.verify.expectations import Expectation, expectation_matrix
from egovinfra.verify.probes import OPEN, Packet, listener_argv, parse_outcomes, prober_argv

SshRun = Callable[[str, Sequence[str], float], subprocess.CompletedProcess[str]]
PROBE_TIMEOUT = 2.0
LISTENER_LIFETIME = 180.0
MANAGEMENT = "management"


def packet(row: Expectation) -> Packet:
    """What a row sends."""
    return Packet(row.protocol, row.address, row.port)


def row_id(row: Expectation) -> str:
    """A readable, unique test id: ``minfi->yde-web:tcp/443``."""
    return f"{row.source}->{row.destination}:{packet(row).label()}"


def skip_reason(row: Expectation, lab: LabContext) -> str | None:
    """Why a row cannot be probed in this lab (no host at its source, target not run)."""
    if row.source_kind != MANAGEMENT and row.probe is None:
        return f"{row.source} has no host in the lab to send from"
    if row.probe is not None and row.probe not in lab.hosts:
        return f"{row.probe} is not run in the lab"
    if row.destination not in lab.hosts:
        return f"{row.destination} is not run in the lab (vendor edge)"
    if row.probe == row.destination:
        return f"{row.probe} would probe itself: no firewall is crossed"
    return None


def matrix(plan: Plan) -> tuple[Expectation, ...]:
    """The rows, from the intent."""
    return expectation_matrix(plan)


@dataclass
class Probed:
    """Outcome of every probed row (first try, and the retry for allowed rows that failed)."""

    outcomes: dict[Expectation, str] = field(default_factory=dict)
    first: dict[Expectation, str] = field(default_factory=dict)
    listeners: dict[str, str] = field(default_factory=dict)  # host -> listener report
    errors: dict[str, str] = field(default_factory=dict)  # source -> why its prober failed


class WanCapture:
    """tcpdump in the WAN router namespace, writing a pcap until stopped."""

    def __init__(self, wan_ns: str, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            ["ip", "netns", "exec", wan_ns, "tcpdump", "-i", "any", "-nn", "-U", "-q", "-w", str(path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # tcpdump creates the file once it captures: no packet may cross before that
        deadline = time.monotonic() + 10
        while not path.exists() and self.process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if not path.exists():
            raise RuntimeError(f"tcpdump in {wan_ns} did not start")

    def stop(self) -> None:
        """Stop the capture (by its PID) and wait for the file to be complete."""
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def packets(self, expression: str) -> list[str]:
        """The captured packets matching a tcpdump filter, one line each."""
        done = subprocess.run(
            ["tcpdump", "-nn", "-q", "-r", str(self.path), expression],
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.splitlines()


def _start_listeners(plan: Plan, rows: Sequence[Expectation], ssh: SshRun, probed: Probed) -> None:
    by_host: dict[str, set[Packet]] = defaultdict(set)
    for row in rows:
        by_host[row.destination].add(packet(row))

    def start(host: str) -> tuple[str, str]:
        done = ssh(host, listener_argv(LISTENER_LIFETIME, by_host[host]), 60.0)
        return host, (done.stdout.strip() or done.stderr.strip())

    with ThreadPoolExecutor(max_workers=8) as pool:
        probed.listeners.update(pool.map(start, sorted(by_host)))


def _probe(source: str | None, address: str, rows: Sequence[Expectation], ssh: SshRun) -> list[str]:
    argv = prober_argv(address, PROBE_TIMEOUT, [packet(r) for r in rows])
    if source is None:  # the management network: the suites run there
        done = subprocess.run([sys.executable, *argv[1:]], capture_output=True, text=True, timeout=300, check=False)
    else:
        done = ssh(source, argv, 300.0)
    if done.returncode != 0:
        raise RuntimeError(f"prober on {source or MANAGEMENT}: exit {done.returncode}: {done.stderr.strip()}")
    return parse_outcomes(done.stdout, len(rows))


def probe_all(plan: Plan, lab: LabContext, ssh: SshRun) -> Probed:
    """Start listeners, probe every row from its source, retry allowed rows that failed once."""
    rows = [r for r in matrix(plan) if skip_reason(r, lab) is None]
    probed = Probed()
    _start_listeners(plan, [r for r in rows if r.source_kind != MANAGEMENT], ssh, probed)

    def batch(todo: Sequence[Expectation]) -> dict[Expectation, str]:
        by_source: dict[str | None, list[Expectation]] = defaultdict(list)
        for row in todo:
            by_source[row.probe].append(row)

        def run(source: str | None) -> dict[Expectation, str]:
            group = by_source[source]
            address = plan.host(source).address if source else ""
            try:
                return dict(zip(group, _probe(source, address, group, ssh), strict=True))
            except (RuntimeError, ValueError, subprocess.TimeoutExpired) as exc:
                probed.errors[source or MANAGEMENT] = str(exc)
                return {row: f"error: {exc}" for row in group}

        found: dict[Expectation, str] = {}
        with ThreadPoolExecutor(max_workers=len(by_source) or 1) as pool:
            for result in pool.map(run, list(by_source)):
                found.update(result)
        return found

    try:
        probed.first = batch(rows)
        probed.outcomes = dict(probed.first)
        # The first packet of a flow may start an SA negotiation (trap) and be lost: one retry.
        retry = [r for r, outcome in probed.first.items() if r.allowed and outcome != OPEN]
        if retry:
            probed.outcomes.update(batch(retry))
    finally:
        _stop_listeners(probed, ssh)
    return probed


def _stop_listeners(probed: Probed, ssh: SshRun) -> None:
    """Free the ports at once: a standby service (SOGo in the secondary) started right after a
    verify, by a failover, must not find its port still held by a test listener."""
    for host, report in probed.listeners.items():
        try:
            pid = json.loads(report).get("pid")
        except ValueError:
            continue
        if isinstance(pid, int):
            ssh(host, ["kill", str(pid)], 30.0)
