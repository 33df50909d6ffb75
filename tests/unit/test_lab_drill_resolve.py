"""The failover drill's client resolver (dnspython) against DNS stubs on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest

from egovinfra import poll
from egovinfra.lab import drill_resolve, failover
from egovinfra.lab.drill_resolve import resolve

NAME = "postgresql.gov.example."
Reply = Callable[[dns.message.Message], bytes | None]


class Stub:
    """A UDP DNS server on 127.0.0.1 that answers each query with `reply(query)` (None: silence)."""

    def __init__(self, reply: Reply) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.port = int(self.sock.getsockname()[1])
        self.reply = reply
        self.queries: list[dns.message.Message] = []
        self.running = True
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while self.running:
            try:
                data, peer = self.sock.recvfrom(2048)
            except TimeoutError:
                continue
            query = dns.message.from_wire(data)
            self.queries.append(query)
            out = self.reply(query)
            if out is not None:
                self.sock.sendto(out, peer)

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.sock.close()


def answer(*records: tuple[str, str, str]) -> Reply:
    """Answer with the records (owner, type, value)."""

    def reply(query: dns.message.Message) -> bytes:
        response = dns.message.make_response(query)
        for owner, rdtype, value in records:
            response.answer.append(dns.rrset.from_text(owner, 60, "IN", rdtype, value))
        return response.to_wire()

    return reply


def nxdomain(query: dns.message.Message) -> bytes:
    response = dns.message.make_response(query)
    response.set_rcode(dns.rcode.NXDOMAIN)
    return response.to_wire()


def silent(query: dns.message.Message) -> None:
    return None


@pytest.fixture
def stubs() -> Iterator[Callable[[Reply], Stub]]:
    made: list[Stub] = []

    def make(reply: Reply) -> Stub:
        made.append(Stub(reply))
        return made[-1]

    yield make
    for stub in made:
        stub.close()


@pytest.fixture(autouse=True)
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(drill_resolve, "TIMEOUT", 0.3)


def test_asks_for_the_a_record_recursively(stubs: Callable[[Reply], Stub]) -> None:
    server = stubs(answer((NAME, "A", "10.1.2.3")))
    assert resolve(NAME.rstrip("."), ["127.0.0.1"], port=server.port) == "10.1.2.3"
    (query,) = server.queries
    assert str(query.question[0].name) == NAME
    assert dns.rdatatype.to_text(query.question[0].rdtype) == "A"
    assert query.flags & dns.flags.RD


def test_follows_the_answer_past_a_cname(stubs: Callable[[Reply], Stub]) -> None:
    server = stubs(answer((NAME, "CNAME", "db1.gov.example."), ("db1.gov.example.", "A", "10.1.2.4")))
    assert resolve(NAME.rstrip("."), ["127.0.0.1"], port=server.port) == "10.1.2.4"


def test_a_silent_server_costs_the_timeout_then_the_next_is_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    # servers are tried in order: the first (silent) one and the second on two loopback addresses
    mute = Stub(silent)
    good = Stub(answer((NAME, "A", "10.9.9.9")))
    try:
        asked: list[tuple[str, float]] = []
        real_udp = dns.query.udp

        def udp(query: dns.message.Message, where: str, timeout: float, port: int) -> dns.message.Message:
            asked.append((where, timeout))
            target = mute.port if where == "192.0.2.1" else good.port
            response: dns.message.Message = real_udp(query, "127.0.0.1", timeout=timeout, port=target)
            return response

        monkeypatch.setattr(dns.query, "udp", udp)
        started = time.monotonic()
        assert resolve(NAME.rstrip("."), ["192.0.2.1", "192.0.2.2"]) == "10.9.9.9"
        elapsed = time.monotonic() - started
    finally:
        mute.close()
        good.close()
    assert asked == [("192.0.2.1", 0.3), ("192.0.2.2", 0.3)]
    assert 0.3 <= elapsed < 2.0
    assert len(mute.queries) == 1


def test_no_address_when_no_server_has_one(stubs: Callable[[Reply], Stub]) -> None:
    for reply in (nxdomain, silent, answer((NAME, "TXT", '"no address"'))):
        server = stubs(reply)
        assert resolve(NAME.rstrip("."), ["127.0.0.1"], port=server.port) is None
        assert len(server.queries) == 1


def test_garbage_is_skipped(stubs: Callable[[Reply], Stub]) -> None:
    server = stubs(lambda query: b"\x00\x01garbage")
    assert resolve(NAME.rstrip("."), ["127.0.0.1"], port=server.port) is None


def test_the_writer_ships_the_resolver_it_imports() -> None:
    assert "from drill_resolve import resolve" in failover.WRITER
    assert failover.RESOLVER.name == "drill_resolve.py"
    assert "def resolve(" in failover.RESOLVER.read_text()


def test_the_writer_runs_with_the_resolver_beside_it(tmp_path: Path) -> None:
    """writer.py as the drill starts it on the client (psycopg2 faked): no DNS answer is a
    logged failure, and the writer goes on until told to stop."""
    (tmp_path / "writer.py").write_text(failover.WRITER)
    (tmp_path / "drill_resolve.py").write_text(failover.RESOLVER.read_text())
    (tmp_path / "psycopg2.py").write_text("def connect(**kwargs):\n    raise AssertionError('no address')\n")
    (tmp_path / "password").write_text("secret\n")
    log, stop = tmp_path / "writes.log", tmp_path / "stop"
    argv = ["db.drill.invalid", "127.0.0.1", "password", str(log), str(stop), "0.05", "drill", "drill"]
    writer = subprocess.Popen([sys.executable, "writer.py", *argv], cwd=tmp_path)
    try:
        assert poll.until(lambda: log.exists() and len(log.read_text().splitlines()) >= 2, 10, step=0.1)
    finally:
        stop.touch()
        writer.wait(timeout=10)
    first = log.read_text().splitlines()[0].split()
    assert (first[0], first[1], first[3], first[4]) == ("fail", "1", "None", "OSError")
