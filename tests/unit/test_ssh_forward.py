"""The forward of a host's socket: ready once ssh has bound its local end, gone with the block.

A stand-in for ssh (same command line, `-L <local>:<remote>` relayed between two Unix sockets)
stands for the real client here; tests/root runs the real one against a real sshd and charon.
"""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from egovinfra.ssh_forward import ForwardError, SshRoute, forwarded_socket
from egovinfra.vici_sas import SasError, remote_sas

FAKE_SSH = r"""
import os, socket, sys, threading
args = sys.argv[1:]
open(os.environ["FAKE_SSH_ARGS"], "w").write("\n".join(args))
open(os.environ["FAKE_SSH_PID"], "w").write(str(os.getpid()))
if os.environ.get("FAKE_SSH_FAIL"):
    sys.stderr.write("root@gw: Permission denied (publickey).\n")
    sys.exit(255)
local, remote = args[args.index("-L") + 1].split(":")
server = socket.socket(socket.AF_UNIX)
server.bind(local)
server.listen()
def pump(a, b):
    while data := a.recv(65536):
        b.sendall(data)
    b.shutdown(socket.SHUT_WR)
while True:
    client, _ = server.accept()
    upstream = socket.socket(socket.AF_UNIX)
    try:
        upstream.connect(remote)
    except OSError as error:
        sys.stderr.write(f"channel 2: open failed: connect failed: {error.strerror}\n")
        sys.stderr.flush()
        client.close()
        continue
    threading.Thread(target=pump, args=(client, upstream), daemon=True).start()
    threading.Thread(target=pump, args=(upstream, client), daemon=True).start()
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
    """A socket on the 'host' that answers every message with itself."""
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


def test_the_forward_carries_the_socket_and_ends_with_the_block(route: SshRoute, echo: Path, tmp_path: Path) -> None:
    with forwarded_socket(route, str(echo)) as local:
        with socket.socket(socket.AF_UNIX) as client:
            client.connect(str(local))
            client.sendall(b"list-sas")
            assert client.recv(1024) == b"list-sas"
        assert local.parent.stat().st_mode & 0o077 == 0, "the local end must be the caller's alone"
    pid = int((tmp_path / "pid").read_text())
    assert not Path(f"/proc/{pid}").exists(), "the forward's ssh outlived the block"
    assert not local.parent.exists(), "the private folder of the local socket was left behind"
    args = (tmp_path / "args").read_text().splitlines()
    # the caller's options first, the forward's own (no shared master) next, the destination last
    assert args[:2] == ["-F", "/lab/ssh_config"] and args[-1] == "root@gw"
    assert {"-N", "ExitOnForwardFailure=yes", "ControlMaster=no", "ControlPath=none"} <= set(args)
    assert args[args.index("-L") + 1] == f"{local}:{echo}"


def test_a_failed_login_is_reported_with_ssh_s_words(route: SshRoute, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_SSH_FAIL", "1")
    with (
        pytest.raises(ForwardError, match=r"ssh exited 255: root@gw: Permission denied"),
        forwarded_socket(route, "/x"),
    ):
        pass


def test_the_forward_is_stopped_when_the_block_fails(route: SshRoute, echo: Path, tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), forwarded_socket(route, str(echo)):
        raise RuntimeError("the caller's own failure")
    assert not Path(f"/proc/{int((tmp_path / 'pid').read_text())}").exists()


def test_no_daemon_behind_the_forward_is_a_sas_error(route: SshRoute, tmp_path: Path) -> None:
    with pytest.raises(SasError, match=r"root@gw: vici at .*open failed: connect failed"):
        remote_sas(route, remote=str(tmp_path / "no-charon.vici"))
    assert not Path(f"/proc/{int((tmp_path / 'pid').read_text())}").exists()
