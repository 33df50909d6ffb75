"""The listener and the prober, run for real on this machine's loopback."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from egovinfra.verify.probes import Packet, listener_argv, parse_outcomes, prober_argv, verdict


def free_port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(argv: list[str]) -> str:
    return subprocess.run([sys.executable, *argv[1:]], capture_output=True, text=True, check=True, timeout=30).stdout


def test_listener_answers_and_prober_classifies() -> None:
    tcp, udp, closed = free_port(socket.SOCK_STREAM), free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_STREAM)
    report = json.loads(run(listener_argv(5, [Packet("tcp", "127.0.0.1", tcp), Packet("udp", "127.0.0.1", udp)])))
    assert sorted(report["bound"]) == sorted([f"tcp:127.0.0.1:{tcp}", f"udp:127.0.0.1:{udp}"])

    packets = [
        Packet("tcp", "127.0.0.1", tcp),
        Packet("udp", "127.0.0.1", udp),
        Packet("tcp", "127.0.0.1", closed),
        Packet("tcp", "192.0.2.254", 9),  # TEST-NET-1 on no interface: the SYN goes nowhere
    ]
    outcomes = parse_outcomes(run(prober_argv("", 1.0, packets)), len(packets))

    assert outcomes[:3] == ["open", "open", "refused"]
    assert outcomes[3] in ("timeout", "unreachable")


def test_listener_leaves_a_taken_port_to_its_service() -> None:
    with socket.socket() as service:
        service.bind(("127.0.0.1", 0))
        service.listen()
        port = service.getsockname()[1]
        report = json.loads(run(listener_argv(1, [Packet("tcp", "127.0.0.1", port)])))
    assert report == {"bound": [], "taken": [f"tcp:127.0.0.1:{port}"], "failed": [], "pid": None}


def test_a_listener_can_be_stopped_early_by_its_pid() -> None:
    port = free_port(socket.SOCK_STREAM)
    report = json.loads(run(listener_argv(60, [Packet("tcp", "127.0.0.1", port)])))
    os.kill(report["pid"], signal.SIGTERM)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                time.sleep(0.1)
                continue
        break
    else:
        raise AssertionError(f"port {port} still held after the listener was stopped")


@pytest.mark.parametrize(
    ("allowed", "outcome", "agrees"),
    [
        (True, "open", True),
        (True, "timeout", False),
        (True, "refused", False),
        (False, "timeout", True),
        (False, "unreachable", True),
        (False, "refused", False),  # the packet got through every firewall
        (False, "open", False),
    ],
)
def test_verdict(allowed: bool, outcome: str, agrees: bool) -> None:
    assert verdict(allowed, outcome) is agrees


def test_parse_outcomes_refuses_a_short_answer() -> None:
    with pytest.raises(ValueError, match="expected 2"):
        parse_outcomes('["open"]', 2)
