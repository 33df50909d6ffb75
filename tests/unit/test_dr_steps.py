"""What each `egovinfra dr` action would do and when it refuses, from the Plan and the probe."""

from __future__ import annotations

from pathlib import Path

import pytest

from egovinfra.cli.topology_cmds import load_plan
from egovinfra.compile import Plan
from egovinfra.dr import steps

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(ROOT / "topology" / "cameroon", "designed-only")


def _reach(plan: Plan, *datacenters: str) -> steps.Reach:
    managed = {h.name for h in plan.hosts if h.managed}
    up = frozenset(h.name for h in plan.hosts if h.managed and h.scope in datacenters)
    return steps.Reach(up, frozenset(managed - up))


def test_failover_while_the_primary_answers_is_refused(plan: Plan) -> None:
    proposal = steps.failover(plan, plan.datacenter("dla"), _reach(plan, "yde", "dla"), force=False, reason="")
    assert any("yde still answers" in r for r in proposal.refusals)


def test_forcing_it_needs_a_reason(plan: Plan) -> None:
    reach = _reach(plan, "yde", "dla")
    assert any(
        "--reason" in r for r in steps.failover(plan, plan.datacenter("dla"), reach, force=True, reason="").refusals
    )
    assert not steps.failover(plan, plan.datacenter("dla"), reach, force=True, reason="yde's storage is lost").refusals


def test_failover_when_the_primary_is_silent(plan: Plan) -> None:
    proposal = steps.failover(plan, plan.datacenter("dla"), _reach(plan, "dla"), force=False, reason="")
    assert proposal.refusals == ()
    assert (proposal.source, proposal.target) == ("yde", "dla")
    assert any("promote the database dla-db" in s for s in proposal.steps)


def test_nothing_answers_nothing_is_done(plan: Plan) -> None:
    proposal = steps.failover(plan, plan.datacenter("dla"), _reach(plan), force=False, reason="")
    assert any("no host of dla answers" in r for r in proposal.refusals)


def test_switchover_needs_both_datacenters(plan: Plan) -> None:
    assert not steps.switchover(plan, plan.datacenter("dla"), _reach(plan, "yde", "dla")).refusals
    refusals = steps.switchover(plan, plan.datacenter("dla"), _reach(plan, "dla")).refusals
    assert any("hosts of yde do not answer" in r for r in refusals)
    assert any(
        "already the active" in r
        for r in steps.switchover(plan, plan.datacenter("yde"), _reach(plan, "yde", "dla")).refusals
    )


def test_an_unknown_target_is_a_clear_error(plan: Plan) -> None:
    with pytest.raises(steps.UnknownDatacenter, match="--to kribi: no such datacenter"):
        steps.target_of(plan, "kribi", plan.primary)
