"""A host's socket relayed over ssh: the caller's options kept, errors in ssh's words, no process left.

A stand-in for ssh and the host's netcat (same command line; it relays its stdin and stdout to
the Unix socket the remote command names); tests/root runs the real ones against a real sshd
and charon.
"""

from __future__ import annotations

import shlex
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from egovinfra.ssh_relay import SshRoute, relayed_socket
from egovinfra.vici_sas import SasError, remote_sas

FAKE_SSH = r"""
import os, shlex, socket, sys, threading
args = sys.argv[1:]
open(os.environ["FAKE_SSH_ARGS"], "w").write("\n".join(args))
open(os.environ["FAKE_SSH_PID"], "w").write(str(os.getpid()))
if os.environ.get("FAKE_SSH_FAIL"):
    sys.stderr.write("root@gw: Permission denied (publickey).\n")
    sys.exit(255)
path = shlex.split(args[-1])[-1]
sock = socket.socket(socket.AF_UNIX)
try:
    sock.connect(path)
except OSError as error:
    sys.stderr.write(f"nc: {path}: {error.strerror}\n")
    sys.exit(1)
def upstream():
    while data := os.read(0, 65536):
        sock.sendall(data)
    sock.shutdown(socket.SHUT_WR)  # nc -N
threading.Thread(target=upstream, daemon=True).start()
while data := sock.recv(65536):
    os.write(1, data)
"""


@pytest.fixture
def route(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SshRoute:
    script = tmp_path / "ssh"
    script.write_text(FAKE_SSH)
    monkeypatch.setenv("FAKE_SSH_ARGS", str(tmp_path / "args"))
    monkeypatch.setenv("FAKE_SSH_PID", str(tmp_path / "pid"))
    return SshRoute((sys.executable, str(script), "-F", "/lab/ssh_config"), "root@gw")


@pytest.fixture
def echo(tmp_path: Path) -> Iterator[Path]:
    """A socket on the 'host' that answers a message with itself, then closes."""
    path = tmp_path / "daemon.sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.listen()

    def serve() -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            with client:
                client.sendall(client.recv(1024))

    threading.Thread(target=serve, daemon=True).start()
    yield path
    server.close()


def _gone(tmp_path: Path) -> bool:
    return not Path(f"/proc/{int((tmp_path / 'pid').read_text())}").exists()


def test_the_relay_carries_the_socket_and_ends_with_the_block(route: SshRoute, echo: Path, tmp_path: Path) -> None:
    with relayed_socket(route, str(echo)) as relayed:
        relayed.sock.sendall(b"list-sas")
        assert relayed.sock.recv(1024) == b"list-sas"
    assert _gone(tmp_path), "the relay's ssh outlived the block"
    args = (tmp_path / "args").read_text().splitlines()
    # the caller's options first, the relay's own (no pty, no shared master) next, then the host
    assert args[:2] == ["-F", "/lab/ssh_config"]
    assert args[2:] == ["-T", "-o", "ControlMaster=no", "-o", "ControlPath=none", "root@gw", "--", args[-1]]
    assert shlex.split(args[-1]) == ["nc", "-N", "-U", str(echo)]


def test_the_relay_ends_when_the_block_fails(route: SshRoute, echo: Path, tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), relayed_socket(route, str(echo)):
        raise RuntimeError("the caller's own failure")
    assert _gone(tmp_path)


def test_a_refused_login_is_told_in_ssh_s_words(route: SshRoute, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_SSH_FAIL", "1")
    with pytest.raises(SasError, match=r"^root@gw: vici at /var/run/charon.vici: .*Permission denied \(publickey\)"):
        remote_sas(route)


def test_no_daemon_on_the_host_is_told_by_netcat(route: SshRoute, tmp_path: Path) -> None:
    with pytest.raises(SasError, match=r"no-charon.vici: No such file or directory"):
        remote_sas(route, remote=str(tmp_path / "no-charon.vici"))
    assert _gone(tmp_path)
