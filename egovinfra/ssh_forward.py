"""A host's Unix socket brought to the controller over ssh, for as long as a `with` block lasts.

Daemons such as charon answer on a socket local to their host, while the lab's drills and the
infra suites run on the controller and reach hosts over ssh (with the caller's own settings:
key, known hosts, network namespace, ProxyJump). OpenSSH's stream-local forwarding
(``ssh -N -L <local socket>:<remote socket>``) carries the socket without any other listener:
the local end lives in a private temporary folder (mode 0700), and the forward is its own ssh
process (never a shared ControlMaster, which would outlive the block), stopped by PID.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


class ForwardError(Exception):
    """The forward could not be set up (ssh's own message included)."""


@dataclass(frozen=True)
class SshRoute:
    """How the controller logs in to one host: the ssh command with its options, and where to."""

    command: tuple[str, ...]  # e.g. ("ssh", "-F", "<lab>/ssh_config"), possibly behind `ip netns exec`
    destination: str  # [user@]host, as the command's options resolve it

    def argv(self, *options: str) -> list[str]:
        """The ssh command line with `options` placed before the destination."""
        return [*self.command, *options, self.destination]


@contextmanager
def forwarded_socket(route: SshRoute, remote: str, timeout: float = 20.0) -> Iterator[Path]:
    """A local socket path that reaches the socket `remote` on the route's host while the block runs."""
    with tempfile.TemporaryDirectory(prefix="egovinfra-fwd-") as folder:
        local = Path(folder) / "remote.sock"
        log = Path(folder) / "ssh.log"
        argv = route.argv(
            "-N",
            "-o", "ExitOnForwardFailure=yes",
            "-o", "ControlMaster=no",
            "-o", "ControlPath=none",
            "-L", f"{local}:{remote}",
        )  # fmt: skip
        with log.open("w") as stderr:
            process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            _wait_for_socket(process, local, log, timeout)
            yield local
        finally:
            _stop(process)


def ssh_messages(local: Path) -> str:
    """What the forward's ssh has said so far (why a connection through it was closed)."""
    log = local.with_name("ssh.log")
    return log.read_text(errors="replace").strip() if log.exists() else ""


def _wait_for_socket(process: subprocess.Popen[bytes], local: Path, log: Path, timeout: float) -> None:
    """ssh binds the local end once logged in; an early exit is a failed login or bind."""
    deadline = time.monotonic() + timeout
    while not local.is_socket():
        if process.poll() is not None:
            raise ForwardError(f"ssh exited {process.returncode}: {log.read_text(errors='replace').strip()}")
        if time.monotonic() > deadline:
            raise ForwardError(f"no forward after {timeout:.0f} s: {log.read_text(errors='replace').strip()}")
        time.sleep(0.05)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the forward's ssh by its PID (`ip netns exec` execs ssh, so the PID is ssh's)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
