"""Real packets for the reachability matrix: a listener for the targets, a prober for the sources.

Both are small Python programs sent to lab hosts (``python3 -c``); the lab image has only the
standard library, so they use nothing else. The listener answers on the ports a row names when
no service listens there yet (a real service that already listens answers for itself); the
prober sends from the source's own address and says, per row, what came back.

Outcomes: ``open`` (TCP handshake done, UDP answer, ICMP echo reply), ``refused`` (RST or ICMP
port unreachable: the packet reached the host), ``timeout`` (dropped on the way), ``unreachable``
(ICMP host/net unreachable or no route), ``error: ...`` (anything else).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

Protocol = Literal["tcp", "udp", "icmp"]
OPEN = "open"

# Binds every (protocol, address, port) it can, prints which ones (JSON), which were taken
# (a service listens) and which failed,
# then detaches (so ssh returns) and serves until its lifetime ends: TCP accepts and closes,
# UDP echoes. TCP sets SO_REUSEADDR (a previous run's TIME_WAIT must not block it; Linux still
# refuses it next to a listening socket); UDP does not, so it never shares a port with a service.
LISTENER = r"""
import errno, json, os, selectors, socket, sys, time
lifetime = float(sys.argv[1])
bound, taken, failed, socks = [], [], [], []
for spec in sys.argv[2:]:
    proto, addr, port = spec.split(":")
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    s = socket.socket(socket.AF_INET, kind)
    if proto == "tcp":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((addr, int(port)))
        if proto == "tcp":
            s.listen(64)
    except OSError as exc:
        s.close()
        if exc.errno == errno.EADDRINUSE:
            taken.append(spec)
        else:
            failed.append(spec + ": " + exc.strerror)
        continue
    s.setblocking(False)
    socks.append((proto, s))
    bound.append(spec)
child = os.fork() if socks else 0
if child or not socks:  # the caller's process reports; the detached child serves
    print(json.dumps({"bound": bound, "taken": taken, "failed": failed, "pid": child or None}), flush=True)
    os._exit(0)
os.setsid()
null = os.open(os.devnull, os.O_RDWR)
for fd in (0, 1, 2):
    os.dup2(null, fd)
sel = selectors.DefaultSelector()
for proto, s in socks:
    sel.register(s, selectors.EVENT_READ, proto)
deadline = time.monotonic() + lifetime
while time.monotonic() < deadline:
    for key, _ in sel.select(timeout=1.0):
        try:
            if key.data == "tcp":
                conn, _ = key.fileobj.accept()
                conn.close()
            else:
                data, peer = key.fileobj.recvfrom(2048)
                key.fileobj.sendto(data, peer)
        except OSError:
            pass
"""

# Probes every row given as JSON [[protocol, address, port], ...] from the source address,
# all at once (denied rows cost one timeout each, in parallel), prints the outcomes in order.
PROBER = r"""
import errno, json, socket, subprocess, sys
from concurrent.futures import ThreadPoolExecutor
source, timeout, rows = sys.argv[1], float(sys.argv[2]), json.loads(sys.argv[3])
# A DNS query (SOA of the root, no recursion): a name server answers it, the echo listener too.
QUERY = bytes.fromhex("4567000000010000000000000000060001")
# Then a memberlist ping (type 0, msgpack {SeqNo: 1, Node: ""}): Alertmanager's cluster port
# acks it, and ignores the query before it; a name server ignores it after its answer.
PING = bytes.fromhex("0082a55365714e6f01a44e6f6465a0")
UNREACH = (errno.EHOSTUNREACH, errno.ENETUNREACH)
def probe(row):
    proto, addr, port = row
    if proto == "icmp":
        argv = ["ping", "-n", "-q", "-c1", "-W", str(int(max(timeout, 1)))] + (["-I", source] if source else [])
        done = subprocess.run(argv + [addr], capture_output=True)
        return "open" if done.returncode == 0 else "timeout"
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    with socket.socket(socket.AF_INET, kind) as s:
        s.settimeout(timeout)
        try:
            if source:
                s.bind((source, 0))
            if proto == "tcp":
                s.connect((addr, port))
                return "open"
            s.connect((addr, port))
            s.send(QUERY)
            s.send(PING)
            s.recv(2048)
            return "open"
        except socket.timeout:
            return "timeout"
        except ConnectionRefusedError:
            return "refused"
        except OSError as exc:
            if exc.errno in UNREACH:
                return "unreachable"
            return "error: " + (exc.strerror or str(exc))
with ThreadPoolExecutor(max_workers=48) as pool:
    print(json.dumps(list(pool.map(probe, rows))))
"""


@dataclass(frozen=True, slots=True)
class Packet:
    """What a row sends: protocol, destination address and port (None for ICMP)."""

    protocol: Protocol
    address: str
    port: int | None

    def as_json(self) -> list[object]:
        """The prober's row format."""
        return [self.protocol, self.address, self.port]

    def label(self) -> str:
        """``tcp/443``, ``udp/53``, ``icmp``."""
        return self.protocol if self.port is None else f"{self.protocol}/{self.port}"


def listener_argv(lifetime: float, packets: Iterable[Packet]) -> list[str]:
    """The command that makes a target answer on ``packets`` (TCP/UDP only) for ``lifetime`` s.

    It prints a JSON report: what it bound, what was taken, what failed, and the PID of the
    detached listener (to stop it early), or null when it bound nothing."""
    specs = sorted({f"{p.protocol}:{p.address}:{p.port}" for p in packets if p.protocol != "icmp"})
    return ["python3", "-c", LISTENER, str(lifetime), *specs]


def prober_argv(source: str, timeout: float, packets: Sequence[Packet]) -> list[str]:
    """The command that probes ``packets`` from ``source`` ("" for any local address) and prints
    their outcomes (JSON)."""
    rows = json.dumps([p.as_json() for p in packets], separators=(",", ":"))
    return ["python3", "-c", PROBER, source, str(timeout), rows]


def parse_outcomes(output: str, count: int) -> list[str]:
    """The prober's answer: one outcome per row, in order; ValueError if it is not that."""
    outcomes = json.loads(output)
    if not isinstance(outcomes, list) or len(outcomes) != count or not all(isinstance(o, str) for o in outcomes):
        raise ValueError(f"prober returned {output!r}, expected {count} outcomes")
    return outcomes


def verdict(allowed: bool, outcome: str) -> bool:
    """Does ``outcome`` agree with the intent? Allowed rows must connect; denied rows must not
    reach the target at all (a refusal means the packet got through every firewall)."""
    if allowed:
        return outcome == OPEN
    return outcome in ("timeout", "unreachable")
