"""The failover drill: lose the active datacenter while a client writes, run the operator's
failover, measure; then power the lost datacenter on again, measure that it stays fenced, run
the operator's failback and check that nothing written meanwhile is missing.

This module injects faults and measures; it never does the operator's work. Promotion, the
service names, SOGo, the fence and the re-seeding are `egovinfra dr failover|failback`, the
commands an operator runs against inventories/production, called here against the lab's.

1. A client (see `drill.py`) writes numbered records through the service name
   (``postgresql.<domain>``, resolved at every reconnection against the intranet's DNS servers
   in the order clients list them), one every 100 ms, and logs each acknowledgement.
2. The datacenter is lost at once: its WAN link is cut in the WAN router, every host's
   container init is SIGKILLed (a power cut: no clean shutdown) and its interfaces go down.
3. `egovinfra dr failover --yes` runs, as an operator would once the loss is confirmed.
4. RTO: from the loss to the first acknowledged write after it. RPO: acknowledged records the
   new primary does not have (0 expected with synchronous replication).
5. Other services the caller names (`ServiceDrill`: the groupware) are prepared before the
   loss and measured after the failover; each reports its own RTO and RPO.

`failback`: the lost datacenter's hosts boot again (the power comes back, nobody intervenes);
what they serve before the operator acts is recorded (nothing, if the fence holds); then
`egovinfra dr failback --yes`, and every row the client wrote through the survivor must be in
the returned datacenter's database.
"""

from __future__ import annotations

import os
import secrets
import signal
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from egovinfra.lab import procs
from egovinfra.lab.access import LabAccess
from egovinfra.lab.drill import DrillPlan
from egovinfra.lab.errors import LabError
from egovinfra.lab.names import ifname
from egovinfra.lab.netns import ip, ip_json
from egovinfra.lab.stores import Store, Written
from egovinfra.lab.waits import must_hold, until_answered

DRILL_DIR = "/root/.egovinfra-drill"
DATABASE = "drill"
ROLE = "drill"
PG = "runuser -u postgres -- psql -XAtq -v ON_ERROR_STOP=1"
SERVICE = "postgresql@15-main"
INTERVAL = 0.1
RESOLVER = Path(__file__).with_name("drill_resolve.py")

# Runs on the client next to drill_resolve.py: resolves the service name at each reconnection,
# writes one numbered row per interval in autocommit, logs "ack|fail N time address". TCP
# timeouts are short so a write to a lost server fails in seconds, not minutes.
WRITER = r"""
import os, sys, time
import psycopg2
from drill_resolve import resolve
name, servers, password_file, log, stop, interval, database, user = sys.argv[1:9]
password = open(password_file).read().strip()
interval = float(interval)

n, conn, address = 0, None, None
with open(log, "a", buffering=1) as out:
    while not os.path.exists(stop):
        n += 1
        try:
            if conn is None:
                address = resolve(name, servers.split(","))
                if address is None:
                    raise OSError("no DNS answer")
                conn = psycopg2.connect(host=address, dbname=database, user=user, password=password,
                                        connect_timeout=2, tcp_user_timeout=2000, keepalives=1,
                                        keepalives_idle=1, keepalives_interval=1, keepalives_count=2,
                                        application_name="egovinfra-drill")
                conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("INSERT INTO writes (seq) VALUES (%s)", (n,))
            out.write(f"ack {n} {time.time():.3f} {address}\n")
        except Exception as exc:
            out.write(f"fail {n} {time.time():.3f} {address} {type(exc).__name__}\n")
            if conn is not None:
                try:
                    conn.close()
                except Exception:
                    pass
            conn = None
            time.sleep(0.2)
        time.sleep(interval)
"""


@dataclass(frozen=True)
class ServiceOutcome:
    """What the drill measured of another service than the database."""

    rto_seconds: float | None  # loss → `back_when` held; None: not within the drill's patience
    back_when: str  # what "back" means for this service
    lost: int  # units written before the loss and missing after it: the RPO
    written: int
    unit: str  # what was written: "mails", ...
    rpo_seconds: float  # how long before the loss the earliest lost unit was written
    detail: str


@dataclass
class FailoverReport:
    """What the drill measured. Times are seconds; ``*_at`` are wall-clock (shared by all hosts)."""

    client: str
    service_name: str
    replication_mode: str
    lost_datacenter: str
    new_primary: str
    lost_at: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)  # step -> seconds it took
    acked_before: int = 0  # by the lost primary (a write in flight may be acknowledged after the loss)
    acked_after: int = 0  # by the promoted standby
    failed_writes: int = 0
    last_ack_before: float = 0.0
    first_ack_after: float = 0.0
    rto_seconds: float = 0.0
    lost_records: list[int] = field(default_factory=list)
    rpo_records: int = 0
    rpo_seconds: float = 0.0
    services: dict[str, ServiceOutcome] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return asdict(self)


@dataclass(frozen=True)
class ServiceDrill:
    """Another service the drill measures: prepared before the loss, taken over after it."""

    name: str
    prepare: Callable[[], None]
    take_over: Callable[[float], ServiceOutcome]  # wall-clock time of the loss -> outcome
    write_alone: Callable[[], None]  # before failback: write through the survivor, serving alone
    give_back: Callable[[], None]  # after failback: what was written alone is in the primary


def _read_again(read: Callable[[], list[str]], timeout: float) -> set[str]:
    """`read()`, again while the host refuses (the operator's converge may still restart it)."""
    result: list[str] = []

    def once() -> bool:
        result[:] = read()
        return True

    if until_answered(once, timeout, step=2.0) is None:
        raise LabError(f"no answer for {timeout:.0f} s")
    return set(result)


def store_drill(store: Store, primary: str, secondary: str, *, count: int = 3, timeout: float = 300.0) -> ServiceDrill:
    """A replicated store's part of the failover drill: items written through `primary` before
    the loss (missing at `secondary` after it: the RPO), the time until `secondary` takes writes
    (the RTO), items written through `secondary` alone, and after failback those in `primary`."""
    written: list[Written] = []

    def prepare() -> None:
        written.append(store.write(primary, count))

    def take_over(lost_at: float) -> ServiceOutcome:
        waited = until_answered(lambda: store.serving(secondary), timeout)
        rto = None if waited is None else round(time.time() - lost_at, 1)
        before = written[-1]
        missing = _read_again(lambda: store.missing(secondary, before), timeout)
        earliest = min((t for k, t in zip(before.keys, before.at, strict=True) if k in missing), default=lost_at)
        return ServiceOutcome(
            rto_seconds=rto,
            back_when=store.back_when,
            lost=len(missing),
            written=len(before.keys),
            unit=store.unit,
            rpo_seconds=round(max(lost_at - earliest, 0.0), 2),
            detail=f"{len(before.keys) - len(missing)} of {len(before.keys)} {store.unit} at {secondary}",
        )

    def write_alone() -> None:
        written.append(store.write(secondary, 2))

    def give_back() -> None:
        alone = written[-1]
        if until_answered(lambda: not store.missing(primary, alone), timeout, step=2.0) is None:
            missing = ", ".join(store.missing(primary, alone))
            raise LabError(f"{store.name} written through {secondary} alone, missing in {primary}: {missing}")

    return ServiceDrill(store.name, prepare, take_over, write_alone, give_back)


@dataclass(frozen=True)
class Actions:
    """What the drill asks of the layer above: the operator's commands, and the power switch."""

    fail_over: Callable[[], None]  # `egovinfra dr failover --yes` against the lab's inventory
    fail_back: Callable[[], None]  # `egovinfra dr failback --yes`
    restore: Callable[[], None]  # power the lost datacenter's hosts and links on again


def _psql(access: LabAccess, host: str, sql: str, database: str = "postgres", timeout: float = 60.0) -> str:
    return access.must(host, f'{PG} -d {database} -c "{sql}"', timeout=timeout).strip()


def _streaming(access: LabAccess, primary: str, standby_address: str) -> bool:
    sql = f"SELECT state FROM pg_stat_replication WHERE client_addr = '{standby_address}'"
    return _psql(access, primary, sql) == "streaming"


def _writes(access: LabAccess, host: str) -> list[tuple[str, int, float, str]]:
    """The client's log: (ack|fail, number, time, address)."""
    lines = access.must(host, f"cat {DRILL_DIR}/writes.log").splitlines()
    out: list[tuple[str, int, float, str]] = []
    for line in lines:
        kind, number, at, address, *_ = line.split()
        out.append((kind, int(number), float(at), address))
    return out


def _prepare(access: LabAccess, drill: DrillPlan, primary: str | None = None) -> None:
    """A database and a role for the drill on the primary (default: the drill's, about to be
    lost); the client gets the password."""
    password = secrets.token_hex(16)
    primary = primary or drill.primary_db.name
    # A drill that failed halfway may have left its writer running: stop it, then its session.
    access.must(drill.client.name, f"if [ -d {DRILL_DIR} ]; then touch {DRILL_DIR}/stop; sleep 1; fi")
    _psql(access, primary, f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    _psql(access, primary, f"DROP ROLE IF EXISTS {ROLE}")
    _psql(access, primary, f"CREATE ROLE {ROLE} LOGIN PASSWORD '{password}'")
    _psql(access, primary, f"CREATE DATABASE {DATABASE} OWNER {ROLE}")
    table = "CREATE TABLE writes (seq integer PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())"
    access.must(primary, f"{PG} -d {DATABASE} -c 'SET ROLE {ROLE}' -c '{table}'")
    client = drill.client.name
    access.must(
        client,
        f"rm -rf {DRILL_DIR} && mkdir -m 700 {DRILL_DIR} && cat > {DRILL_DIR}/password",
        input_text=password + "\n",
    )
    access.must(client, f"cat > {DRILL_DIR}/drill_resolve.py", input_text=RESOLVER.read_text())
    access.must(client, f"cat > {DRILL_DIR}/writer.py", input_text=WRITER)


def _start_writer(access: LabAccess, drill: DrillPlan) -> None:
    servers = ",".join(h.address for h in drill.dns_servers)
    args = [
        drill.service_name,
        servers,
        f"{DRILL_DIR}/password",
        f"{DRILL_DIR}/writes.log",
        f"{DRILL_DIR}/stop",
        str(INTERVAL),
        DATABASE,
        ROLE,
    ]
    access.must(
        drill.client.name, f"setsid -f python3 {DRILL_DIR}/writer.py {' '.join(args)} </dev/null >/dev/null 2>&1"
    )


def lose_datacenter(access: LabAccess, drill: DrillPlan) -> float:
    """Cut the datacenter's WAN link, power its hosts off (SIGKILL of each container's init) and
    take their interfaces down; return the wall-clock time of the loss."""
    at = time.time()
    ip(access.wan_ns, "link", "set", "dev", ifname(drill.lost_wan_link), "down")
    machines = {h.name: h.machine for h in access.state.hosts}
    pids = {p.machine: p.pid for p in access.state.processes}
    for host in drill.lost_hosts:
        machine = machines.get(host)
        pid = pids.get(machine or "")
        init = procs.container_init(pid) if pid and procs.alive(pid) else None
        if init is not None:
            os.kill(init, signal.SIGKILL)
    for host in drill.lost_hosts:
        machine = machines.get(host)
        # the namespace outlives the container: without this its kernel would still answer
        for link in ip_json(machine, "link", "show") if machine else []:
            if link["ifname"] != "lo":
                _link_down(machine or "", link["ifname"])
    return at


def _link_down(namespace: str, name: str) -> None:
    """Take a link down; one that vanished meanwhile (charon's TUN device dies with charon) is
    as down as it gets."""
    try:
        ip(namespace, "link", "set", "dev", name, "down")
    except LabError:
        if any(link["ifname"] == name for link in ip_json(namespace, "link", "show")):
            raise


def failover(
    access: LabAccess,
    drill: DrillPlan,
    actions: Actions,
    *,
    replication_mode: str,
    services: tuple[ServiceDrill, ...] = (),
    warmup: int = 30,
    settle: float = 5.0,
    say: Callable[[str], None] = print,
) -> FailoverReport:
    """Run the drill; the primary datacenter stays lost afterwards (`failback` returns)."""
    report = FailoverReport(
        client=drill.client.name,
        service_name=drill.service_name,
        replication_mode=replication_mode,
        lost_datacenter=drill.primary_dc,
        new_primary=drill.standby_db.name,
    )
    primary, standby, client = drill.primary_db.name, drill.standby_db.name, drill.client.name
    if not _streaming(access, primary, drill.standby_db.address):
        raise LabError(f"{standby} does not stream from {primary}: converge the lab first")
    _prepare(access, drill)
    _start_writer(access, drill)
    say(f"{client} writes to {drill.service_name} every {INTERVAL:.1f} s")
    must_hold(
        f"{warmup} writes from {client}",
        lambda: sum(w[0] == "ack" for w in _writes(access, client)) >= warmup,
        120,
        step=0.5,
    )
    for service in services:
        say(f"{service.name}: preparing")
        service.prepare()

    say(f"losing datacenter {drill.primary_dc}: {', '.join(drill.lost_hosts)} and its WAN link")
    report.lost_at = lose_datacenter(access, drill)
    # The services are measured while the operator's command runs: their RTO must not include
    # the converge that follows the steps bringing them back.
    with ThreadPoolExecutor(max_workers=max(1, len(services))) as pool:
        measured = {service.name: pool.submit(service.take_over, report.lost_at) for service in services}
        say(f"the operator's command: egovinfra dr failover (to {drill.secondary_dc})")
        start = time.monotonic()
        actions.fail_over()
        report.steps["egovinfra dr failover"] = time.monotonic() - start
        for name, outcome in measured.items():
            report.services[name] = outcome.result()

    # A write in flight at the loss may be acknowledged by the old primary just after it:
    # service is back when writes are acknowledged by another server, the promoted standby.
    lost_address = drill.primary_db.address

    def resumed() -> bool:
        return any(w[0] == "ack" and w[3] != lost_address for w in _writes(access, client))

    must_hold("writes to resume", resumed, 180, step=0.5)
    time.sleep(settle)
    access.must(client, f"touch {DRILL_DIR}/stop")
    time.sleep(1.0)
    writes = _writes(access, client)
    acked = [w for w in writes if w[0] == "ack"]
    before = [w for w in acked if w[3] == lost_address]
    after = [w for w in acked if w[3] != lost_address]
    report.acked_before, report.acked_after = len(before), len(after)
    report.failed_writes = sum(w[0] == "fail" for w in writes)
    report.last_ack_before = before[-1][2] if before else 0.0
    report.first_ack_after = after[0][2]
    report.rto_seconds = round(report.first_ack_after - report.lost_at, 2)
    present = {int(x) for x in _psql(access, standby, "SELECT seq FROM writes", DATABASE).split()}
    report.lost_records = sorted(w[1] for w in acked if w[1] not in present)
    report.rpo_records = len(report.lost_records)
    lost_times = [w[2] for w in acked if w[1] in set(report.lost_records)]
    report.rpo_seconds = round(report.lost_at - min(lost_times), 2) if lost_times else 0.0
    return report


@dataclass(frozen=True)
class Returned:
    """What the returning datacenter serves before failback: it must serve nothing."""

    database_running: bool
    dns_answers: bool
    groupware_running: bool
    files_pushing: bool

    def serving(self) -> list[str]:
        """What it serves that it must not."""
        flags = {
            "its database runs": self.database_running,
            "its DNS answers": self.dns_answers,
            "SOGo runs": self.groupware_running,
            "it pushes files": self.files_pushing,
        }
        return [what for what, on in flags.items() if on]


def _active(access: LabAccess, host: str, unit: str) -> bool:
    return access.ssh(host, f"systemctl is-active --quiet {unit}", timeout=30).returncode == 0


def returned_state(access: LabAccess, drill: DrillPlan, hosts: dict[str, str]) -> Returned:
    """Look at the returned datacenter's serving units (`hosts`: function → host name)."""

    def running(function: str, unit: str) -> bool:
        return function in hosts and _active(access, hosts[function], unit)

    return Returned(
        database_running=_active(access, drill.primary_db.name, SERVICE),
        dns_answers=running("dns", "named"),
        groupware_running=running("groupware_app", "sogo"),
        files_pushing=running("filestore", "egovinfra-filesync.timer"),
    )


def failback(
    access_of: Callable[[], LabAccess],
    drill: DrillPlan,
    actions: Actions,
    *,
    returned_hosts: dict[str, str],
    services: tuple[ServiceDrill, ...] = (),
    settle: float = 20.0,
    say: Callable[[str], None] = print,
) -> tuple[dict[str, float], Returned]:
    """The power comes back in the lost datacenter: measure that it stays fenced, then run the
    operator's failback and check that every record written meanwhile reached it. Returns the
    seconds of each step and what the returned datacenter served before failback."""
    steps: dict[str, float] = {}

    def timed(name: str, step: Callable[[], None]) -> None:
        say(name)
        start = time.monotonic()
        step()
        steps[name] = time.monotonic() - start

    timed(f"power back in {drill.primary_dc}", actions.restore)
    access = access_of()  # the restart recorded new processes
    # The fence decides at boot, once the tunnel to the witnesses is up: give it that time.
    time.sleep(settle)
    returned = returned_state(access, drill, returned_hosts)
    say(f"{drill.primary_dc} back, before failback: serves {', '.join(returned.serving()) or 'nothing'}")
    written = {int(x) for x in _psql(access, drill.standby_db.name, "SELECT seq FROM writes", DATABASE).split()}
    for service in services:
        timed(f"{service.name}: write through {drill.secondary_dc}", service.write_alone)
    timed("egovinfra dr failback", actions.fail_back)
    for service in services:
        timed(f"{service.name} back in {drill.primary_dc}", service.give_back)
    present = {int(x) for x in _psql(access, drill.primary_db.name, "SELECT seq FROM writes", DATABASE).split()}
    missing = sorted(written - present)
    if missing:
        raise LabError(f"{len(missing)} rows written in {drill.secondary_dc} are missing in {drill.primary_db.name}")
    say(f"all {len(written)} rows written through {drill.secondary_dc} are in {drill.primary_db.name}")
    _psql(access, drill.primary_db.name, f"DROP DATABASE IF EXISTS {DATABASE}")
    _psql(access, drill.primary_db.name, f"DROP ROLE IF EXISTS {ROLE}")
    return steps, returned
