"""PostgreSQL: the primary datacenter's database streams to the secondary's standby, in the
replication mode the topology asks for, and the lag is reported."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from testinfra.host import Host as InfraHost

from egovinfra.compile.plan import Host, Plan
from egovinfra.verify.context import LabContext

REPLICATION = (
    "SELECT client_addr, state, sync_state, COALESCE(pg_wal_lsn_diff(sent_lsn, replay_lsn), 0), "
    "COALESCE(EXTRACT(EPOCH FROM replay_lag), 0) FROM pg_stat_replication"
)
RECEIVER = "SELECT pg_is_in_recovery(), (SELECT status FROM pg_stat_wal_receiver)"


def databases(plan: Plan, datacenter: str) -> list[Host]:
    """The database hosts of one datacenter."""
    return [h for h in plan.hosts if "database" in h.roles and h.kind == "datacenter" and h.scope == datacenter]


def psql(host: InfraHost, query: str) -> list[list[str]]:
    """Rows of ``query`` run as postgres, fields split."""
    out = host.check_output("runuser -u postgres -- psql -XAt -F '|' -c %s", query)
    return [line.split("|") for line in out.splitlines() if line]


def primary_and_standbys(plan: Plan, lab: LabContext) -> tuple[Host, list[Host]]:
    """The primary datacenter's database and the other datacenters' standbys, all in the lab."""
    primaries = databases(plan, plan.primary.name)
    standbys = [h for dc in plan.datacenters if dc.name != plan.primary.name for h in databases(plan, dc.name)]
    if len(primaries) != 1 or not standbys:
        pytest.skip("the topology has no primary/standby database pair")
    missing = [h.name for h in [*primaries, *standbys] if h.name not in lab.hosts]
    if missing:
        pytest.skip(f"not run in the lab: {', '.join(missing)}")
    return primaries[0], standbys


def test_standby_streams_from_primary(
    plan: Plan, lab: LabContext, hosts: Callable[[str], InfraHost], record_property: Callable[[str, object], None]
) -> None:
    """pg_stat_replication on the primary lists every standby, streaming, in the right mode."""
    primary, standbys = primary_and_standbys(plan, lab)
    rows = {r[0]: r for r in psql(hosts(primary.name), REPLICATION)}
    wanted = {"sync", "quorum"} if plan.replication_mode == "synchronous" else {"async"}
    for standby in standbys:
        row = rows.get(standby.address)
        assert row is not None, f"{primary.name}: no replication from {standby.name} ({standby.address}): {rows}"
        _, state, sync_state, lag_bytes, lag_seconds = row
        record_property(f"{standby.name}.lag_bytes", lag_bytes)
        record_property(f"{standby.name}.replay_lag_s", lag_seconds)
        assert state == "streaming", f"{standby.name} is {state}, not streaming"
        assert sync_state in wanted, f"{standby.name}: sync_state {sync_state}, topology asks {plan.replication_mode}"


def test_standby_is_in_recovery(plan: Plan, lab: LabContext, hosts: Callable[[str], InfraHost]) -> None:
    """Each standby is in recovery, and its WAL receiver streams."""
    _, standbys = primary_and_standbys(plan, lab)
    for standby in standbys:
        [[recovery, status]] = psql(hosts(standby.name), RECEIVER)
        assert recovery == "t", f"{standby.name} is not in recovery (promoted?)"
        assert status == "streaming", f"{standby.name}: WAL receiver {status or 'absent'}"
