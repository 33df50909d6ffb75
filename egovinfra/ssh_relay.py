"""A host's Unix socket reached from the controller over ssh, for as long as a `with` block lasts.

Daemons such as charon answer on a socket local to their host, while the lab's drills and the
infra suites run on the controller and reach hosts over ssh, with the caller's own settings
(key, known hosts, network namespace, ProxyJump). ssh's stream-local forwarding (`-L
<socket>:<socket>`) would carry the socket, but sshd refuses it wherever `AllowTcpForwarding no`
holds, as on every host but the bastion: the same switch governs both. So the host's
netcat relays the socket to the session's stdin and stdout, and ssh's end of those is one
side of a socket pair whose other side the caller speaks through. Nothing listens anywhere;
the ssh is its own process (never a shared ControlMaster, which would outlive the block),
stopped by PID when closing its input did not end it.
"""

from __future__ import annotations

import shlex
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import IO


@dataclass(frozen=True)
class SshRoute:
    """How the controller logs in to one host: the ssh command with its options, and where to."""

    command: tuple[str, ...]  # e.g. ("ssh", "-F", "<lab>/ssh_config"), possibly behind `ip netns exec`
    destination: str  # [user@]host, as the command's options resolve it

    def argv(self, *options: str) -> list[str]:
        """The ssh command line with `options` placed before the destination."""
        return [*self.command, *options, self.destination]


@dataclass(frozen=True)
class Relayed:
    """The caller's end of the relay, and what ssh (and the host's netcat) said on stderr so far."""

    sock: socket.socket
    _stderr: IO[bytes]

    def messages(self) -> str:
        """ssh's and netcat's complaints (a failed login, no such socket), for error messages."""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace").strip()


@contextmanager
def relayed_socket(route: SshRoute, path: str, timeout: float = 30.0) -> Iterator[Relayed]:
    """A socket connected to the socket `path` on the route's host while the block runs; reads
    wait at most `timeout` seconds."""
    # -N: shut the socket's sending side when ssh's input ends, so charon closes and nc exits
    # rather than wait on the host once the caller is gone.
    relay = shlex.join(["nc", "-N", "-U", path])
    argv = [*route.argv("-T", "-o", "ControlMaster=no", "-o", "ControlPath=none"), "--", relay]
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with ours, tempfile.TemporaryFile() as stderr:
        with theirs:
            process = subprocess.Popen(argv, stdin=theirs.fileno(), stdout=theirs.fileno(), stderr=stderr)
        ours.settimeout(timeout)
        try:
            yield Relayed(ours, stderr)
        finally:
            with suppress(OSError):  # ssh may be gone already
                ours.shutdown(socket.SHUT_RDWR)
            _end(process)


def _end(process: subprocess.Popen[bytes]) -> None:
    """Let ssh end on its closed input; stop it by PID when it does not (a host that hangs)."""
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
