"""The expectation matrix of the default topology: hand-written anchors, and the compiled
rules walked hop by hop agree with every row of it."""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import pytest

from egovinfra.compile import Plan, compile_loaded
from egovinfra.compile.policy.model import Chain
from egovinfra.model import load_topology
from egovinfra.verify.expectations import Expectation, endpoints, expectation_matrix
from tests.support.policy import allowed_by_rules

# (source, destination host, protocol, port) → allowed. Written from the intent of
# topology/cameroon (its flows read by a person), not from the code.
KEY_CASES: dict[tuple[str, str, str, str | None], bool] = {
    ("minfi", "yde-web", "tcp", "443"): True,  # ministry → groupware
    ("minfi", "dla-web", "tcp", "443"): True,  # ... also at the disaster-recovery site
    ("minrex", "yde-web", "tcp", "443"): True,  # a vendor-edge ministry too
    ("minpostel", "yde-mail", "tcp", "993"): True,  # ministry → IMAPS
    ("minpostel", "dla-dns", "udp", "53"): True,  # ministry → intranet DNS
    ("minfi", "minpostel-ws1", "icmp", None): False,  # ministry → another ministry's LAN
    ("minfi", "minpostel-ws1", "tcp", "445"): False,
    ("minfi", "yde-db", "tcp", "5432"): False,  # ministry → database
    ("minfi", "yde-ldap", "tcp", "389"): False,  # ministry → directory
    ("minfi", "yde-web", "tcp", "22"): False,  # ministry → ssh
    ("minfi", "yde-hub", "tcp", "22"): False,
    ("yde/data", "dla-db", "tcp", "5432"): True,  # primary data → secondary data replication
    ("dla/data", "yde-ldap", "tcp", "636"): True,  # ... and back
    ("yde/data", "dla-files", "tcp", "873"): True,
    ("yde/mgmt", "yde-db", "tcp", "22"): True,  # management zone → ssh
    ("yde/mgmt", "dla-web", "tcp", "22"): True,  # ... in the other datacenter too
    ("yde/mgmt", "yde-hub", "icmp", None): True,
    ("yde/dmz", "yde-db", "tcp", "5432"): False,  # the DMZ never reaches the data zone
    ("yde/dmz", "yde-groupware", "tcp", "20000"): True,  # front end → back end
    ("yde/app", "yde-db", "tcp", "5432"): True,
    ("yde/app", "yde-db", "tcp", "22"): False,  # app servers do not administer
    ("yde/app", "minfi-ws1", "icmp", None): False,  # datacenter → a ministry LAN
    ("management", "yde-db", "tcp", "22"): True,  # out-of-band ssh on mgmt0
    ("management", "minfi-gw", "tcp", "22"): True,
}


@cache
def default_plan() -> Plan:
    return compile_loaded(load_topology(None))


@cache
def matrix() -> dict[tuple[str, str, str, str | None], Expectation]:
    return {row.key(): row for row in expectation_matrix(default_plan())}


@pytest.mark.parametrize(("key", "allowed"), KEY_CASES.items(), ids=str)
def test_key_case(key: tuple[str, str, str, str | None], allowed: bool) -> None:
    assert key in matrix(), f"the matrix has no row {key}"
    assert matrix()[key].allowed is allowed


def test_rows_cover_every_source_and_offered_port() -> None:
    plan = default_plan()
    sources = {row.source for row in matrix().values()}
    assert sources == {ep.name for ep in endpoints(plan)}
    offered = {(h, p.protocol) for s in plan.services for h in s.hosts for p in s.ports}
    assert {(r.destination, r.protocol) for r in matrix().values() if r.service != "lan"} >= offered


def test_allowed_rows_name_their_flow() -> None:
    for row in matrix().values():
        if row.allowed and row.source_kind != "management":
            assert row.flow is not None


def test_compiled_rules_agree_with_every_row() -> None:
    plan = default_plan()
    wrong = [row for row in expectation_matrix(plan) if allowed_by_rules(plan, row) != row.allowed]
    assert not wrong, f"{len(wrong)} rows disagree, first: {wrong[0]}"


def test_the_walk_notices_a_missing_rule() -> None:
    """The hop-by-hop check is not vacuous: drop the hub's groupware rule and it fails."""
    plan = default_plan()
    hub = plan.policy.rulesets["yde-hub"]
    forward = hub.chain("forward")
    kept = tuple(r for r in forward.rules if r.service != "groupware-https")
    chains = tuple(Chain(c.name, c.policy, kept) if c.name == "forward" else c for c in hub.chains)
    broken = replace(
        plan, policy=replace(plan.policy, rulesets={**plan.policy.rulesets, "yde-hub": replace(hub, chains=chains)})
    )
    row = matrix()[("minfi", "yde-web", "tcp", "443")]
    assert allowed_by_rules(plan, row)
    assert not allowed_by_rules(broken, row)
