"""Clients run as a ministry workstation runs them: in its network namespace, so that their
traffic takes the ministry's IPsec tunnel, with names resolved by the intranet DNS.

The client checks (browser, CalDAV/CardDAV, IMAP IDLE) run on the controller's Python, inside
the namespace of a lab workstation (`ip netns exec`), as a module that reads one JSON job on
stdin and prints one JSON result: the browser and the client libraries are installed on the
controller, not on the workstations. The namespace's name is the caller's (the lab layer
names them); nothing here imports the lab.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from egovinfra.compile.plan import Host, Plan


class ClientCheckError(RuntimeError):
    """A client check could not run, or its module failed."""


@dataclass(frozen=True)
class Workstation:
    """Where the clients run: a workstation's network namespace and the intranet's resolvers."""

    netns: str
    nameservers: tuple[str, ...]

    def run(self, module: str, job: Mapping[str, Any], timeout: float = 300.0) -> dict[str, Any]:
        """Run `python -m module` in the namespace with `job` on stdin; its last stdout line, as JSON."""
        argv = ["ip", "netns", "exec", self.netns, sys.executable, "-m", module]
        document = json.dumps({**job, "nameservers": list(self.nameservers)})
        try:
            done = subprocess.run(
                argv,
                input=document,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                cwd=Path(__file__).resolve().parents[2],
            )
        except subprocess.TimeoutExpired as exc:
            raise ClientCheckError(f"{module} in {self.netns}: no answer after {timeout:.0f} s") from exc
        lines = done.stdout.strip().splitlines()
        if done.returncode != 0 or not lines:
            raise ClientCheckError(f"{module} in {self.netns}: exit {done.returncode}: {done.stderr.strip()[-1500:]}")
        result: dict[str, Any] = json.loads(lines[-1])
        return result

    def resolve(self, name: str) -> str:
        """`name`'s address as the intranet DNS answers the workstation."""
        answer: str = self.run(__name__, {"names": [name]}, timeout=30)["answers"][name]
        return answer


def nameservers(plan: Plan) -> tuple[str, ...]:
    """The intranet DNS servers a workstation asks: the primary datacenter's first."""
    servers = sorted(
        (h for h in plan.hosts if "dns" in h.roles and h.kind == "datacenter" and h.managed),
        key=lambda h: (h.scope != plan.primary.name, h.name),
    )
    return tuple(h.address for h in servers)


def front_end(plan: Plan, datacenter: str) -> Host:
    """The groupware's web front end in `datacenter`."""
    found = sorted(
        (h for h in plan.hosts if "groupware_web" in h.roles and h.scope == datacenter and h.managed),
        key=lambda h: h.name,
    )
    if not found:
        raise ClientCheckError(f"{datacenter} has no groupware front end")
    return found[0]


def resolve(names: Iterable[str], servers: Iterable[str], timeout: float = 5.0) -> dict[str, str]:
    """Each name's first IPv4 address, asked of the intranet DNS `servers` (a real query, from
    wherever this runs: in a workstation's namespace, through its tunnel)."""
    import dns.resolver

    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = list(servers)
    resolver.lifetime = timeout
    answers: dict[str, str] = {}
    for name in names:
        try:
            answer = resolver.resolve(name, "A")
        except Exception as exc:
            raise ClientCheckError(f"{name}: no answer from the intranet DNS {resolver.nameservers}: {exc}") from exc
        answers[name] = sorted(str(record) for record in answer)[0]
    return answers


def read_job() -> dict[str, Any]:
    """The job a client module was given on stdin."""
    job: dict[str, Any] = json.loads(sys.stdin.read())
    return job


def write_result(result: Mapping[str, Any]) -> None:
    """Hand a client module's result back (one JSON line on stdout)."""
    print(json.dumps(result), flush=True)


def main() -> None:
    """Resolve the job's `names` with the intranet DNS; print the answers as one JSON line."""
    job = read_job()
    write_result({"answers": resolve(job["names"], job["nameservers"])})


if __name__ == "__main__":
    main()
