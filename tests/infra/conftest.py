"""Suites run against a running lab, from its management namespace (`egovinfra lab verify`).

The lab is described by the context file the CLI writes (``--lab-context``); the Plan comes
from the same topology, and every expectation is derived from its intent.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
import testinfra
from testinfra.host import Host as InfraHost

from egovinfra.compile.plan import Plan
from egovinfra.verify.context import LabContext
from tests.infra.support import context_of, lab_plan
from tests.infra.traffic import Probed, WanCapture, probe_all

SshRun = Callable[[str, Sequence[str], float], subprocess.CompletedProcess[str]]


def pytest_addoption(parser: pytest.Parser) -> None:
    """The lab to check, which datacenter's front end the client suites use, where reports go."""
    parser.addoption("--lab-context", help="context file written by `egovinfra lab verify`")
    parser.addoption(
        "--datacenter",
        default=None,
        help="the datacenter whose front end the browser and client suites use (default: the one the "
        "intranet DNS points the groupware's name at; given, the DNS must point there)",
    )
    parser.addoption("--reports-dir", default="reports", help="where the suites put screenshots")


@pytest.fixture(scope="session")
def lab(pytestconfig: pytest.Config) -> LabContext:
    """The running lab."""
    return context_of(pytestconfig)


@pytest.fixture(scope="session")
def plan(lab: LabContext) -> Plan:
    """The Plan the lab was built from."""
    return lab_plan(lab.topology)


@pytest.fixture(scope="session")
def ssh(lab: LabContext) -> SshRun:
    """Run an argv on a lab host (as root, from the management namespace)."""

    def run(host: str, argv: Sequence[str], timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        command = ["ssh", "-F", str(lab.ssh_config), host, "--", shlex.join(argv)]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)

    return run


@pytest.fixture(scope="session")
def hosts(lab: LabContext) -> Iterator[Callable[[str], InfraHost]]:
    """testinfra hosts by inventory name, over ssh with the lab's key and known_hosts."""
    cache: dict[str, InfraHost] = {}

    def get(name: str) -> InfraHost:
        if name not in cache:
            cache[name] = testinfra.get_host(f"ssh://{name}", ssh_config=str(lab.ssh_config))
        return cache[name]

    yield get
    for name in cache:
        # close the shared connections now rather than at ControlPersist's end
        subprocess.run(
            ["ssh", "-F", str(lab.ssh_config), "-O", "exit", name], capture_output=True, check=False, timeout=10
        )


@pytest.fixture(scope="session")
def wan_capture(lab: LabContext) -> Iterator[WanCapture]:
    """A capture of everything crossing the WAN, running while the test traffic flows."""
    capture = WanCapture(lab.wan_ns, Path(lab.lab_dir) / "verify" / "wan.pcap")
    yield capture
    capture.stop()


@pytest.fixture(scope="session")
def traffic(plan: Plan, lab: LabContext, ssh: SshRun, wan_capture: WanCapture) -> Probed:
    """Every row of the reachability matrix probed with real packets (under the WAN capture)."""
    probed = probe_all(plan, lab, ssh)
    wan_capture.stop()
    return probed
