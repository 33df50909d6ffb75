"""The order in which `egovinfra dr` brings the service back, and the playbook that follows it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from egovinfra.compile import Plan, compile_loaded
from egovinfra.dr.activation import activation, extravars
from egovinfra.model import load_topology
from egovinfra.model.operations import Operations

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = ROOT / "playbooks" / "dr-activate.yml"


def _plan(active: str, fenced: tuple[str, ...]) -> Plan:
    return compile_loaded(load_topology(ROOT / "topology" / "cameroon"), Operations(active=active, fenced=fenced))


@pytest.fixture(scope="module")
def failed_over() -> Plan:
    return _plan("dla", ("yde",))


def _functions(plan: Plan, names: tuple[str, ...]) -> set[str]:
    return {role for h in plan.hosts if h.name in names for role in h.roles}


def test_the_first_stage_is_the_active_database_and_the_name_servers_alone(failed_over: Plan) -> None:
    first = activation(failed_over)[0]
    databases = {h.name for h in failed_over.hosts if "database" in h.roles and h.scope == "dla"}
    assert databases and databases <= set(first.hosts)
    assert _functions(failed_over, first.hosts) <= {"database", "dns"}, "nothing else delays the writes"


def test_the_directory_and_the_groupware_follow_the_database_and_the_names(failed_over: Plan) -> None:
    first, second = activation(failed_over)
    assert first.name == "database_and_names"
    ldap_and_sogo = {h.name for h in failed_over.hosts if {"directory", "groupware_app"} & set(h.roles)}
    assert ldap_and_sogo - {h.name for h in failed_over.hosts if h.scope == "yde"} <= set(second.hosts)
    assert not set(first.hosts) & set(second.hosts)


def test_no_stage_reaches_a_fenced_datacenter(failed_over: Plan) -> None:
    yde = {h.name for h in failed_over.hosts if h.scope == "yde"}
    assert all(not yde & set(stage.hosts) for stage in activation(failed_over))
    assert all(stage.hosts for stage in activation(failed_over)), "dla has every function"


def test_a_switchover_reaches_both_datacenters_name_servers() -> None:
    plan = _plan("dla", ())
    first = activation(plan)[0]
    assert {"yde-dns", "dla-dns", "dla-db"} <= set(first.hosts) and "yde-db" not in first.hosts


def test_the_playbook_runs_one_play_per_stage_in_the_stages_order(failed_over: Plan) -> None:
    plays = yaml.safe_load(PLAYBOOK.read_text())
    used = [re.fullmatch(r"\{\{ (dr_stage_\w+) \| default\('all:!all'\) \}\}", play["hosts"]) for play in plays]
    assert all(used), "every play's hosts are a stage chosen by the command"
    assert [m.group(1) for m in used if m] == list(extravars(activation(failed_over)))
