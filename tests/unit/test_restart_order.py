"""A converge restarts the replicated daemons one datacenter at a time (compile.restarts, the
roles' handlers), and waits for a peer only while that peer is in service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from egovinfra.compile import compile_loaded
from egovinfra.compile.plan import Plan
from egovinfra.compile.restarts import restart_order
from egovinfra.model import load_topology
from egovinfra.model.operations import Operations
from egovinfra.render.hostvars import RenderContext
from egovinfra.render.roles.ipsec import ipsec_vars
from tests.conftest import DEFAULT_TOPOLOGY

ROLES = Path(__file__).resolve().parents[2] / "roles"


def _plan(ops: Operations | None = None) -> Plan:
    return compile_loaded(load_topology(DEFAULT_TOPOLOGY), ops)


def _hubs(plan: Plan) -> list[str]:
    ends = {e.host for t in plan.vpn.tunnels if t.kind == "datacenter" for e in t.ends}
    return sorted(ends)


def test_each_hub_brings_its_datacenter_link_back_after_a_restart() -> None:
    plan = _plan()
    hubs = _hubs(plan)
    assert len(hubs) == 2
    link = next(t for t in plan.vpn.tunnels if t.kind == "datacenter")
    for hub in hubs:
        end = next(e for e in link.ends if e.host == hub)
        assert restart_order(plan, hub).tunnels_to_bring_up == ((end.name, end.children[0].name),)
    gateways = {t.initiator.host for t in plan.vpn.tunnels if t.kind == "site"}
    assert gateways and all(not restart_order(plan, g).tunnels_to_bring_up for g in gateways)


def test_databases_wait_for_streaming_only_while_the_peer_serves() -> None:
    plan = _plan()
    members = [h.name for h in plan.hosts if "database" in h.roles and h.kind == "datacenter"]
    assert len(members) == 2
    assert all(restart_order(plan, m).wait_for_streaming for m in members)
    failed_over = _plan(Operations(active="dla", generation=2, fenced=("yde",)))
    survivors = [m for m in members if failed_over.host(m).scope == "dla"]
    assert survivors and not any(restart_order(failed_over, m).wait_for_streaming for m in survivors)
    # The survivor's hub waits for nobody: the other hub is fenced.
    dla_hub = next(h for h in _hubs(failed_over) if failed_over.host(h).scope == "dla")
    assert restart_order(failed_over, dla_hub).tunnels_to_bring_up == ()


def test_the_datacenter_link_replaces_a_stale_sa_and_site_tunnels_do_not() -> None:
    plan = _plan()
    ctx = RenderContext(plan=plan, env="lab")
    for hub in _hubs(plan):
        conns = {c["name"]: c for c in (ipsec_vars(ctx, plan.host(hub)) or {})["ipsec_connections"]}
        link = next(t.name for t in plan.vpn.tunnels if t.kind == "datacenter")
        assert conns[link]["unique"] == "replace"
        assert {c["unique"] for n, c in conns.items() if n != link} == {"no"}


def _tasks(path: Path) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = YAML(typ="safe").load(path.read_text())
    return data


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("ipsec/handlers/main.yml", "Restart strongSwan on one hub at a time"),
        ("postgresql/handlers/main.yml", "Restart postgresql standbys one at a time"),
        ("ldap/tasks/config.yml", "Replace the live configuration"),
    ],
)
def test_replicated_daemons_restart_one_host_at_a_time(path: str, name: str) -> None:
    task = next(t for t in _tasks(ROLES / path) if t.get("name") == name)
    assert task.get("throttle") == 1
    # No other task of the file restarts the same daemon unthrottled.
    restarts = [
        t for t in _tasks(ROLES / path) if t.get("ansible.builtin.systemd_service", {}).get("state") == "restarted"
    ]
    assert restarts == []


def test_the_primary_restarts_before_any_standby() -> None:
    # A standby restarted first with a lowered max_wal_senders refuses to start: primary first.
    handlers = _tasks(ROLES / "postgresql/handlers/main.yml")
    names = [h["name"] for h in handlers]
    primary = names.index("Restart postgresql, the primary first")
    standbys = names.index("Restart postgresql standbys one at a time")
    assert primary < standbys
    assert "postgresql_role == 'primary'" in handlers[primary]["when"]
    assert "postgresql_role == 'standby'" in handlers[standbys]["when"]
