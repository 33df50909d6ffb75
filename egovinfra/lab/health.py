"""Health of lab hosts, seen from the management namespace: sshd banner, then ``ssh true``."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from egovinfra.lab.errors import LabError
from egovinfra.lab.netns import exec_argv
from egovinfra.lab.proc import run

# Runs inside the management namespace: polls every address until its sshd sends its banner,
# prints {address: seconds} (null for those that never answered).
_PROBE = """
import json, socket, sys, time
deadline = time.monotonic() + float(sys.argv[1])
start = time.monotonic()
todo = set(sys.argv[2:])
ready = {}
while todo and time.monotonic() < deadline:
    for addr in sorted(todo):
        try:
            with socket.create_connection((addr, 22), timeout=0.5) as s:
                s.settimeout(1.0)
                if s.recv(8).startswith(b"SSH-"):
                    ready[addr] = round(time.monotonic() - start, 2)
        except OSError:
            pass
    todo -= set(ready)
    if todo:
        time.sleep(0.2)
print(json.dumps({a: ready.get(a) for a in sys.argv[2:]}))
"""


def wait_sshd(mgmt_ns: str, addresses: Mapping[str, str], timeout: float) -> dict[str, float]:
    """Wait until each host's sshd (name -> management address) sends its banner.

    Returns name -> seconds until ready; raises LabError naming the hosts that never answered.
    """
    if not addresses:
        return {}
    argv = [sys.executable, "-c", _PROBE, str(timeout), *addresses.values()]
    ready = json.loads(run(exec_argv(mgmt_ns, argv), timeout=timeout + 30))
    late = [name for name, addr in addresses.items() if ready.get(addr) is None]
    if late:
        raise LabError(f"sshd did not answer within {timeout:.0f} s on: {', '.join(late)}")
    return {name: float(ready[addr]) for name, addr in addresses.items()}


def ssh_command(mgmt_ns: str, key: Path, known_hosts: Path) -> list[str]:
    """The ssh command (as root's key, host keys checked) run in the mgmt netns, before its destination."""
    return exec_argv(
        mgmt_ns,
        [
            "ssh",
            "-i",
            str(key),
            "-o",
            f"UserKnownHostsFile={known_hosts}",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "ConnectTimeout=5",
        ],
    )


def ssh_argv(mgmt_ns: str, key: Path, known_hosts: Path, address: str) -> list[str]:
    """An ssh command (as root, by key, host key checked) to ``address`` from the mgmt netns."""
    return [*ssh_command(mgmt_ns, key, known_hosts), f"root@{address}"]


def ssh_true(mgmt_ns: str, key: Path, known_hosts: Path, address: str) -> None:
    """Log in and run ``true``: proves the key, the host key and the login path all work."""
    argv = [*ssh_argv(mgmt_ns, key, known_hosts, address), "true"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    if done.returncode != 0:
        raise LabError(f"ssh root@{address} true: exit {done.returncode}: {done.stderr.strip()}")
