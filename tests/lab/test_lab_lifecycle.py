"""Two hosts up in their namespaces, healthy over ssh, then down with nothing left behind."""

from __future__ import annotations

import ipaddress
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from egovinfra.lab import lifecycle
from egovinfra.lab.health import ssh_argv
from egovinfra.lab.image import DEFAULT_CACHE_DIR
from egovinfra.lab.names import host_machine, lab_prefix, mgmt_ns, router_ns
from egovinfra.lab.progress import Stages
from egovinfra.lab.safety import root_links
from egovinfra.lab.spec import Bridge, Host, LabSpec, Link, Namespace, Port, Route

PREFIX = lab_prefix("lifecycle", family="egt")


def two_hosts() -> LabSpec:
    """Hosts a and b: management on one bridge, service addresses in a routed zone."""
    mgmt, router = mgmt_ns(PREFIX), router_ns(PREFIX, "dc")
    hosts = [("a", "10.251.0.11", "10.251.1.11"), ("b", "10.251.0.12", "10.251.1.12")]
    namespaces = [Namespace(mgmt), Namespace(router, forwarding=True)]
    links: list[Link] = []
    routes: list[Route] = []
    for name, mgmt_addr, zone_addr in hosts:
        machine = host_machine(PREFIX, name)
        namespaces.append(Namespace(machine))
        links.append(
            Link(
                Port(machine, "mgmt0", (f"{mgmt_addr}/24",)),
                Port(mgmt, f"m-{name}", bridge="br-mgmt"),
            )
        )
        links.append(
            Link(
                Port(machine, "eth0", (f"{zone_addr}/24",)),
                Port(router, f"{name}-eth0", bridge="br-app"),
            )
        )
        routes.append(Route(machine, "default", via="10.251.1.1", dev="eth0"))
    return LabSpec(
        name="lifecycle",
        prefix=PREFIX,
        mgmt_ns=mgmt,
        namespaces=tuple(namespaces),
        bridges=(
            Bridge(mgmt, "br-mgmt", ("10.251.0.1/24",)),
            Bridge(router, "br-app", ("10.251.1.1/24",)),
        ),
        links=tuple(links),
        routes=tuple(routes),
        hosts=tuple(Host(n, host_machine(PREFIX, n), m) for n, m, _ in hosts),
        ranges=(ipaddress.ip_network("10.251.0.0/16"),),
    )


def leftovers(lab_dir: Path) -> list[str]:
    """An independent look at the machine: namespaces, mounts, processes of the test lab."""
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True)
    found = [line for line in listed.stdout.splitlines() if line.startswith(PREFIX)]
    found += [line for line in Path("/proc/self/mountinfo").read_text().splitlines() if str(lab_dir) in line]
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit() and int(proc.name) != os.getpid():
            try:
                argv = (proc / "cmdline").read_bytes()
            except OSError:
                continue
            if b"systemd-nspawn" in argv and PREFIX.encode() in argv:
                found.append(f"pid {proc.name}")
    return found


@pytest.fixture
def lab_dir(tmp_path: Path) -> Iterator[Path]:
    directory = tmp_path / "lab"
    yield directory
    lifecycle.down("lifecycle", PREFIX, directory)


def run_on(lab_dir: Path, address: str, *command: str) -> subprocess.CompletedProcess[str]:
    argv = ssh_argv(mgmt_ns(PREFIX), lifecycle.operator_key(lab_dir), lifecycle.known_hosts(lab_dir), address)
    return subprocess.run([*argv, *command], capture_output=True, text=True, timeout=30, check=False)


def test_up_health_down_leaves_nothing(lab_dir: Path) -> None:
    before = root_links()
    result = lifecycle.up(two_hosts(), lab_dir, DEFAULT_CACHE_DIR, Stages(), health_timeout=60)

    assert set(result.ready) == {"a", "b"}
    assert list(result.timings) == ["image", "network", "hosts", "health"]
    hostname = run_on(lab_dir, "10.251.0.11", "hostname")
    assert hostname.stdout.strip() == "a"
    # b's service address is in the same zone: reachable through the zone bridge
    ping = run_on(lab_dir, "10.251.0.11", "ping", "-c1", "-W2", "10.251.1.12")
    assert ping.returncode == 0, ping.stdout + ping.stderr
    assert {s.name for s in lifecycle.status(lab_dir) if s.pid is not None} == {"a", "b"}
    assert root_links() == before

    removed = lifecycle.down("lifecycle", PREFIX, lab_dir)

    assert set(removed.stopped) | set(removed.killed) == {
        host_machine(PREFIX, "a"),
        host_machine(PREFIX, "b"),
    }
    assert leftovers(lab_dir) == []
    assert not (lab_dir / "hosts").exists()
    # down is idempotent
    again = lifecycle.down("lifecycle", PREFIX, lab_dir)
    assert again.stopped == again.killed == ()


def test_down_without_state_file_finds_everything_by_prefix(lab_dir: Path) -> None:
    lifecycle.up(two_hosts(), lab_dir, DEFAULT_CACHE_DIR, Stages(), health_timeout=60)
    (lab_dir / "state.json").unlink()  # as after a crash that lost the state

    removed = lifecycle.down("lifecycle", PREFIX, lab_dir)

    assert len(removed.stopped) + len(removed.killed) == 2
    assert leftovers(lab_dir) == []
