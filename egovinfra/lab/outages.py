"""Drills where the active datacenter survives: the standby's datacenter lost, the link between
the datacenters cut, and a planned switchover there and back.

The same client as the failover drill writes a numbered row every 100 ms through the service
name, from the surviving side. The drill injects the fault, lets the platform react by itself
(or runs the operator's `egovinfra dr switchover`), restores, and measures:

- the longest time no write was acknowledged (a synchronous primary waits for its standby until
  the degrade watcher lets it commit alone: replication.on_standby_loss);
- acknowledged rows missing afterwards on the server that serves, and on the standby once it has
  caught up (both must be 0: no split brain, nothing lost);
- how long the standby takes to stream again, and synchronous replication to return.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from egovinfra.lab.access import LabAccess
from egovinfra.lab.drill import DrillPlan
from egovinfra.lab.errors import LabError
from egovinfra.lab.failover import (
    DATABASE,
    DRILL_DIR,
    _prepare,
    _psql,
    _start_writer,
    _writes,
    lose_datacenter,
)
from egovinfra.lab.names import ifname
from egovinfra.lab.netns import ip
from egovinfra.lab.stores import Store, Written
from egovinfra.lab.waits import holds, must_hold
from egovinfra.poll import until


@dataclass(frozen=True)
class StoreOutcome:
    """Items written into a store through the serving datacenter while the fault lasted."""

    unit: str
    written_at: str  # the datacenter written through
    checked_at: str  # the datacenter that must hold them afterwards
    written: int
    missing: int  # after the drill's patience: what the other datacenter never received
    caught_up_after: float | None  # restore → every item in `checked_at`; None: not within patience


@dataclass
class OutageReport:
    """What one drill measured; seconds throughout."""

    drill: str
    fault: str
    writes_acked: int = 0
    failed_writes: int = 0
    longest_pause: float = 0.0  # the longest time without an acknowledged write
    acked_during_fault: int = 0  # writes acknowledged while the fault lasted
    missing_on_primary: int = 0
    missing_on_standby: int = 0
    standby_streaming_after: float | None = None  # restore → the standby streams again
    synchronous_after: float | None = None  # restore → a commit waits for the standby again
    primary_in_recovery: bool = False  # True would mean the wrong server serves
    steps: dict[str, float] = field(default_factory=dict)
    services: dict[str, StoreOutcome] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return asdict(self)


def _longest_pause(acks: list[float]) -> float:
    return max((b - a for a, b in itertools.pairwise(acks)), default=0.0)


def _catch_up(
    stores: tuple[Store, ...], during: dict[str, Written], datacenter: str, restored: float, patience: float
) -> dict[str, float]:
    """Seconds from the restore until each store's items are all in `datacenter`; the stores
    are watched together, so one slow store does not delay the measure of the others."""
    pending = {store.name: store for store in stores}
    caught: dict[str, float] = {}

    def all_caught_up() -> bool:
        for name, store in list(pending.items()):
            if holds(_reached(store, datacenter, during[name])):
                caught[name] = round(time.monotonic() - restored, 1)
                del pending[name]
        return not pending

    until(all_caught_up, patience, step=1.0, since=restored)
    return caught


def _reached(store: Store, datacenter: str, items: Written) -> Callable[[], bool]:
    return lambda: not store.missing(datacenter, items)


def _sync_state(access: LabAccess, primary: str) -> str:
    """The sync states of the standbys that reported in the last few seconds (a lost standby's
    connection lingers in pg_stat_replication until TCP notices)."""
    return _psql(
        access,
        primary,
        "SELECT coalesce(string_agg(sync_state, ','), '') FROM pg_stat_replication "
        "WHERE state = 'streaming' AND reply_time > now() - interval '6 seconds'",
    )


def run(
    access: LabAccess,
    drill: DrillPlan,
    name: str,
    fault: str,
    inject: Callable[[], None],
    restore: Callable[[], None],
    *,
    primary: str,
    standby: str,
    hold: float,
    stores: tuple[Store, ...] = (),
    written_at: str = "",
    checked_at: str = "",
    patience: float = 300.0,
    say: Callable[[str], None] = print,
) -> OutageReport:
    """Write, inject the fault, wait `hold` seconds, restore, wait for replication, measure.

    While the fault lasts, each of `stores` gets items through `written_at` (the datacenter
    serving then); after the restore, each must reach `checked_at`."""
    report = OutageReport(drill=name, fault=fault)
    _prepare(access, drill, primary)
    _start_writer(access, drill)
    client = drill.client.name
    must_hold("writes", lambda: sum(w[0] == "ack" for w in _writes(access, client)) >= 20, 120, step=0.5)
    say(f"{name}: {fault}")
    start, fault_at = time.monotonic(), time.time()
    inject()
    during: dict[str, Written] = {}
    for store in stores:
        say(f"{name}: {store.unit} written through {written_at}")
        during[store.name] = store.write(written_at, 2)
    time.sleep(max(hold - (time.monotonic() - start), 0.0))
    report.steps["fault held"] = time.monotonic() - start
    say(f"{name}: restoring")
    start, restore_at = time.monotonic(), time.time()
    restore()
    report.steps["restore"] = time.monotonic() - start
    restored = time.monotonic()

    must_hold(f"{standby} streaming", lambda: bool(_sync_state(access, primary)), 300, step=1.0)
    report.standby_streaming_after = round(time.monotonic() - restored, 1)
    must_hold("synchronous replication", lambda: _sync_state(access, primary) in ("sync", "quorum"), 300, step=1.0)
    report.synchronous_after = round(time.monotonic() - restored, 1)
    time.sleep(2.0)
    stopped = time.time()
    access.must(client, f"touch {DRILL_DIR}/stop")
    time.sleep(1.0)
    writes = _writes(access, client)
    acked = [w for w in writes if w[0] == "ack"]
    report.writes_acked, report.failed_writes = len(acked), sum(w[0] == "fail" for w in writes)
    # A write that never returned is a pause until the drill stopped the client.
    report.acked_during_fault = sum(fault_at < w[2] < restore_at for w in acked)
    report.longest_pause = round(_longest_pause([w[2] for w in acked if w[2] <= stopped] + [stopped]), 2)
    report.primary_in_recovery = _psql(access, primary, "SELECT pg_is_in_recovery()") == "t"
    on_primary = {int(x) for x in _psql(access, primary, "SELECT seq FROM writes", DATABASE).split()}
    target_lsn = _psql(access, primary, "SELECT pg_current_wal_lsn()")
    must_hold(
        f"{standby} replaying",
        lambda: _psql(access, standby, f"SELECT pg_last_wal_replay_lsn() >= '{target_lsn}'::pg_lsn") == "t",
        120,
        step=0.5,
    )
    on_standby = {int(x) for x in _psql(access, standby, "SELECT seq FROM writes", DATABASE).split()}
    numbers = {w[1] for w in acked}
    report.missing_on_primary = len(numbers - on_primary)
    report.missing_on_standby = len(numbers - on_standby)
    _psql(access, primary, f"DROP DATABASE IF EXISTS {DATABASE}")
    caught_up = _catch_up(stores, during, checked_at, restored, patience)
    for store in stores:
        items = during[store.name]
        report.services[store.name] = StoreOutcome(
            store.unit,
            written_at,
            checked_at,
            len(items.keys),
            len(store.missing(checked_at, items)),
            caught_up.get(store.name),
        )
    if report.primary_in_recovery:
        raise LabError(f"{primary} is in recovery after {name}: the wrong server serves")
    if report.missing_on_primary or report.missing_on_standby:
        raise LabError(
            f"{name}: acknowledged rows missing ({report.missing_on_primary} on {primary}, "
            f"{report.missing_on_standby} on {standby})"
        )
    lost = [f"{o.missing} {o.unit}" for o in report.services.values() if o.missing]
    if lost:
        raise LabError(f"{name}: written through {written_at}, never reached {checked_at}: {', '.join(lost)}")
    return report


def set_link(access: LabAccess, link: str, state: str) -> Callable[[], None]:
    """Set one datacenter's WAN link in the WAN router `up` or `down` (its hosts keep running)."""

    def switch() -> None:
        ip(access.wan_ns, "link", "set", "dev", ifname(link), state)

    return switch


def power_off(access: LabAccess, drill: DrillPlan) -> Callable[[], None]:
    """Lose the drill's datacenter as the failover drill does (power cut, WAN link down)."""

    def cut() -> None:
        lose_datacenter(access, drill)

    return cut
